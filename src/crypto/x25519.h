// X25519 key agreement (RFC 7748), the ephemeral per-connection key exchange of
// crypto.md §4.2. A key pair is created once per connection; sharedSecret() refuses
// an all-zero result (low-order peer key), as §4.2 requires (end reason 4002 upstream).
#pragma once

#include <array>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/bytes.h"
#include "crypto/crypto_constants.h"
#include "crypto/evp_handles.h"
#include "crypto/secret_array.h"

namespace opengns::crypto {

using X25519PublicKey = std::array<uint8_t, kX25519KeyBytes>;
using X25519PrivateKey = SecretArray<kX25519KeyBytes>;
using X25519SharedSecret = SecretArray<kX25519SharedSecretBytes>;

class X25519KeyPair {
 public:
  // A fresh key pair from the OpenSSL DRBG.
  static absl::StatusOr<X25519KeyPair> generate();
  // Rebuilds a key pair from a raw 32-byte private scalar (as logged in keylogs and
  // used in tests). Any 32 bytes are a valid scalar (RFC 7748 clamps them).
  static absl::StatusOr<X25519KeyPair> fromPrivateKey(ByteSpan raw_private_key);

  const X25519PublicKey& publicKey() const { return public_key_; }
  // Exports the raw private scalar (keylog/debug use only; it wipes itself).
  absl::StatusOr<X25519PrivateKey> privateKey() const;

  // X25519(own private, peer public). Errors name the problem: wrong peer key size,
  // a key OpenSSL refuses, or an all-zero shared secret.
  absl::StatusOr<X25519SharedSecret> sharedSecret(ByteSpan peer_public_key) const;

 private:
  X25519KeyPair(EvpPkeyPtr key, const X25519PublicKey& public_key)
      : key_(std::move(key)), public_key_(public_key) {}
  static absl::StatusOr<X25519KeyPair> wrap(EvpPkeyPtr key);

  EvpPkeyPtr key_;  // OpenSSL wipes the private scalar when it frees this
  X25519PublicKey public_key_;
};

}  // namespace opengns::crypto
