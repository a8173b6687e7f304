#include "crypto/ed25519.h"

#include "absl/strings/str_cat.h"
#include "crypto/openssl_error.h"

namespace opengns::crypto {
namespace {

// EVP_DigestSign/Verify want a non-null pointer even for an empty message.
const uint8_t* messagePointer(ByteSpan message) {
  static const uint8_t kEmpty = 0;
  return message.empty() ? &kEmpty : message.data();
}

}  // namespace

absl::StatusOr<Ed25519KeyPair> Ed25519KeyPair::wrap(EvpPkeyPtr key) {
  Ed25519PublicKey public_key;
  size_t len = public_key.size();
  if (EVP_PKEY_get_raw_public_key(key.get(), public_key.data(), &len) != 1 ||
      len != public_key.size()) {
    return opensslError("ed25519: EVP_PKEY_get_raw_public_key");
  }
  return Ed25519KeyPair(std::move(key), public_key);
}

absl::StatusOr<Ed25519KeyPair> Ed25519KeyPair::generate() {
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr));
  if (!ctx) return opensslError("ed25519: EVP_PKEY_CTX_new_id");
  if (EVP_PKEY_keygen_init(ctx.get()) != 1) return opensslError("ed25519: EVP_PKEY_keygen_init");
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_keygen(ctx.get(), &raw) != 1) return opensslError("ed25519: EVP_PKEY_keygen");
  return wrap(EvpPkeyPtr(raw));
}

absl::StatusOr<Ed25519KeyPair> Ed25519KeyPair::fromPrivateKey(ByteSpan raw_private_key) {
  if (raw_private_key.size() != kEd25519PrivateKeyBytes) {
    return absl::InvalidArgumentError(absl::StrCat("ed25519: private key is ",
                                                   raw_private_key.size(), " bytes, expected ",
                                                   kEd25519PrivateKeyBytes));
  }
  EvpPkeyPtr key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, raw_private_key.data(),
                                              raw_private_key.size()));
  if (!key) return opensslError("ed25519: EVP_PKEY_new_raw_private_key");
  return wrap(std::move(key));
}

absl::StatusOr<Ed25519PrivateKey> Ed25519KeyPair::privateKey() const {
  Ed25519PrivateKey out;
  size_t len = out.size();
  if (EVP_PKEY_get_raw_private_key(key_.get(), out.data(), &len) != 1 || len != out.size()) {
    return opensslError("ed25519: EVP_PKEY_get_raw_private_key");
  }
  return out;
}

absl::StatusOr<Ed25519Signature> Ed25519KeyPair::sign(ByteSpan message) const {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return opensslError("ed25519: EVP_MD_CTX_new");
  // Pure Ed25519: no digest is named.
  if (EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1) {
    return opensslError("ed25519: EVP_DigestSignInit");
  }
  Ed25519Signature signature;
  size_t len = signature.size();
  if (EVP_DigestSign(ctx.get(), signature.data(), &len, messagePointer(message), message.size()) !=
          1 ||
      len != signature.size()) {
    return opensslError("ed25519: EVP_DigestSign");
  }
  return signature;
}

absl::Status ed25519Verify(ByteSpan public_key, ByteSpan message, ByteSpan signature) {
  if (public_key.size() != kEd25519PublicKeyBytes) {
    return absl::InvalidArgumentError(absl::StrCat("ed25519 verify: public key is ",
                                                   public_key.size(), " bytes, expected ",
                                                   kEd25519PublicKeyBytes));
  }
  if (signature.size() != kEd25519SignatureBytes) {
    return absl::InvalidArgumentError(absl::StrCat("ed25519 verify: signature is ",
                                                   signature.size(), " bytes, expected ",
                                                   kEd25519SignatureBytes));
  }
  EvpPkeyPtr key(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, public_key.data(), public_key.size()));
  if (!key) {
    absl::Status s = opensslError("ed25519 verify: EVP_PKEY_new_raw_public_key");
    return absl::InvalidArgumentError(absl::StrCat("ed25519 verify: public key ", toHex(public_key),
                                                   " refused (", s.message(), ")"));
  }
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return opensslError("ed25519 verify: EVP_MD_CTX_new");
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1) {
    return opensslError("ed25519 verify: EVP_DigestVerifyInit");
  }
  int rc = EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), messagePointer(message),
                            message.size());
  if (rc != 1) {
    // A bad signature is an expected outcome, not an OpenSSL malfunction.
    clearOpensslErrors();
    return absl::UnauthenticatedError(
        absl::StrCat("ed25519 verify: signature does not verify with key ", toHex(public_key),
                     " over ", message.size(), " bytes"));
  }
  return absl::OkStatus();
}

}  // namespace opengns::crypto
