#include "crypto/sha256.h"

#include "crypto/openssl_error.h"

namespace opengns::crypto {

absl::StatusOr<Sha256> Sha256::create() {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return opensslError("sha256: EVP_MD_CTX_new");
  if (EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return opensslError("sha256: EVP_DigestInit_ex");
  }
  return Sha256(std::move(ctx));
}

absl::Status Sha256::update(ByteSpan data) {
  if (data.empty()) return absl::OkStatus();
  if (EVP_DigestUpdate(ctx_.get(), data.data(), data.size()) != 1) {
    return opensslError("sha256: EVP_DigestUpdate");
  }
  return absl::OkStatus();
}

absl::StatusOr<Sha256Digest> Sha256::finish() {
  Sha256Digest digest;
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_.get(), digest.data(), &len) != 1 || len != digest.size()) {
    return opensslError("sha256: EVP_DigestFinal_ex");
  }
  return digest;
}

absl::StatusOr<Sha256Digest> sha256(std::initializer_list<ByteSpan> parts) {
  absl::StatusOr<Sha256> hasher = Sha256::create();
  if (!hasher.ok()) return hasher.status();
  for (ByteSpan part : parts) {
    if (absl::Status s = hasher->update(part); !s.ok()) return s;
  }
  return hasher->finish();
}

}  // namespace opengns::crypto
