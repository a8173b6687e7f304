#include "crypto/x25519.h"

#include <openssl/crypto.h>

#include "absl/strings/str_cat.h"
#include "crypto/openssl_error.h"

namespace opengns::crypto {

absl::StatusOr<X25519KeyPair> X25519KeyPair::wrap(EvpPkeyPtr key) {
  X25519PublicKey public_key;
  size_t len = public_key.size();
  if (EVP_PKEY_get_raw_public_key(key.get(), public_key.data(), &len) != 1 ||
      len != public_key.size()) {
    return opensslError("x25519: EVP_PKEY_get_raw_public_key");
  }
  return X25519KeyPair(std::move(key), public_key);
}

absl::StatusOr<X25519KeyPair> X25519KeyPair::generate() {
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_X25519, nullptr));
  if (!ctx) return opensslError("x25519: EVP_PKEY_CTX_new_id");
  if (EVP_PKEY_keygen_init(ctx.get()) != 1) return opensslError("x25519: EVP_PKEY_keygen_init");
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_keygen(ctx.get(), &raw) != 1) return opensslError("x25519: EVP_PKEY_keygen");
  return wrap(EvpPkeyPtr(raw));
}

absl::StatusOr<X25519KeyPair> X25519KeyPair::fromPrivateKey(ByteSpan raw_private_key) {
  if (raw_private_key.size() != kX25519KeyBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "x25519: private key is ", raw_private_key.size(), " bytes, expected ", kX25519KeyBytes));
  }
  EvpPkeyPtr key(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, raw_private_key.data(),
                                              raw_private_key.size()));
  if (!key) return opensslError("x25519: EVP_PKEY_new_raw_private_key");
  return wrap(std::move(key));
}

absl::StatusOr<X25519PrivateKey> X25519KeyPair::privateKey() const {
  X25519PrivateKey out;
  size_t len = out.size();
  if (EVP_PKEY_get_raw_private_key(key_.get(), out.data(), &len) != 1 || len != out.size()) {
    return opensslError("x25519: EVP_PKEY_get_raw_private_key");
  }
  return out;
}

absl::StatusOr<X25519SharedSecret> X25519KeyPair::sharedSecret(ByteSpan peer_public_key) const {
  if (peer_public_key.size() != kX25519KeyBytes) {
    return absl::InvalidArgumentError(absl::StrCat("x25519: peer public key is ",
                                                   peer_public_key.size(), " bytes, expected ",
                                                   kX25519KeyBytes));
  }
  EvpPkeyPtr peer(EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, peer_public_key.data(),
                                              peer_public_key.size()));
  if (!peer) return opensslError("x25519: peer key EVP_PKEY_new_raw_public_key");
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new(key_.get(), nullptr));
  if (!ctx) return opensslError("x25519: EVP_PKEY_CTX_new");
  if (EVP_PKEY_derive_init(ctx.get()) != 1) return opensslError("x25519: EVP_PKEY_derive_init");
  if (EVP_PKEY_derive_set_peer(ctx.get(), peer.get()) != 1) {
    return opensslError("x25519: EVP_PKEY_derive_set_peer (peer key refused)");
  }
  X25519SharedSecret secret;
  size_t len = secret.size();
  if (EVP_PKEY_derive(ctx.get(), secret.data(), &len) != 1) {
    // OpenSSL itself fails the derive when the result is all zeros (low-order peer key).
    absl::Status s = opensslError("x25519: EVP_PKEY_derive");
    return absl::InvalidArgumentError(absl::StrCat("x25519: key exchange with peer key ",
                                                   toHex(peer_public_key), " failed (", s.message(),
                                                   ")"));
  }
  if (len != secret.size()) {
    return absl::InternalError(absl::StrCat("x25519: derive returned ", len, " bytes"));
  }
  // Defence in depth (crypto.md §4.2): never accept an all-zero shared secret, whatever
  // the OpenSSL version does.
  static const uint8_t kZeros[kX25519SharedSecretBytes] = {};
  if (CRYPTO_memcmp(secret.data(), kZeros, secret.size()) == 0) {
    return absl::InvalidArgumentError(absl::StrCat("x25519: peer key ", toHex(peer_public_key),
                                                   " gives an all-zero shared secret"));
  }
  return secret;
}

}  // namespace opengns::crypto
