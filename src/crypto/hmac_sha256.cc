#include "crypto/hmac_sha256.h"

#include <openssl/core_names.h>
#include <openssl/params.h>

#include "crypto/openssl_error.h"

namespace opengns::crypto {
namespace {

// Fetching the HMAC implementation is a provider lookup; do it once per process.
// EVP_MAC objects are reference counted and safe to share between threads.
EVP_MAC* hmacAlgorithm() {
  static const EvpMacPtr mac(EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr));
  return mac.get();
}

}  // namespace

absl::StatusOr<HmacSha256> HmacSha256::create(ByteSpan key) {
  EVP_MAC* mac = hmacAlgorithm();
  if (mac == nullptr) return opensslError("hmac-sha256: EVP_MAC_fetch(HMAC)");
  EvpMacCtxPtr ctx(EVP_MAC_CTX_new(mac));
  if (!ctx) return opensslError("hmac-sha256: EVP_MAC_CTX_new");
  char digest_name[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end(),
  };
  // EVP_MAC_init treats a null key as "keep the old key"; give it a real pointer.
  static const uint8_t kEmpty = 0;
  const uint8_t* key_ptr = key.empty() ? &kEmpty : key.data();
  if (EVP_MAC_init(ctx.get(), key_ptr, key.size(), params) != 1) {
    return opensslError("hmac-sha256: EVP_MAC_init");
  }
  return HmacSha256(std::move(ctx));
}

absl::Status HmacSha256::update(ByteSpan data) {
  if (data.empty()) return absl::OkStatus();
  if (EVP_MAC_update(ctx_.get(), data.data(), data.size()) != 1) {
    return opensslError("hmac-sha256: EVP_MAC_update");
  }
  return absl::OkStatus();
}

absl::StatusOr<HmacSha256Tag> HmacSha256::finish() {
  HmacSha256Tag tag;
  size_t len = 0;
  if (EVP_MAC_final(ctx_.get(), tag.data(), &len, tag.size()) != 1 || len != tag.size()) {
    return opensslError("hmac-sha256: EVP_MAC_final");
  }
  return tag;
}

absl::StatusOr<HmacSha256Tag> hmacSha256(ByteSpan key, std::initializer_list<ByteSpan> parts) {
  absl::StatusOr<HmacSha256> mac = HmacSha256::create(key);
  if (!mac.ok()) return mac.status();
  for (ByteSpan part : parts) {
    if (absl::Status s = mac->update(part); !s.ok()) return s;
  }
  return mac->finish();
}

}  // namespace opengns::crypto
