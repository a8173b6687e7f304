// Ed25519 signatures (RFC 8032, pure: no prehash, no context), crypto.md §2.3. Used
// for CA signatures over cert bodies and for the crypt-info signature made with the
// cert key (§3.3). Verification takes a raw 32-byte public key, as found in a cert.
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

using Ed25519PublicKey = std::array<uint8_t, kEd25519PublicKeyBytes>;
using Ed25519PrivateKey = SecretArray<kEd25519PrivateKeyBytes>;
using Ed25519Signature = std::array<uint8_t, kEd25519SignatureBytes>;

class Ed25519KeyPair {
 public:
  static absl::StatusOr<Ed25519KeyPair> generate();
  // From the raw 32-byte private key (the RFC 8032 seed, e.g. a cert blob's
  // private_key_data, §6.2).
  static absl::StatusOr<Ed25519KeyPair> fromPrivateKey(ByteSpan raw_private_key);

  const Ed25519PublicKey& publicKey() const { return public_key_; }
  absl::StatusOr<Ed25519PrivateKey> privateKey() const;

  absl::StatusOr<Ed25519Signature> sign(ByteSpan message) const;

 private:
  Ed25519KeyPair(EvpPkeyPtr key, const Ed25519PublicKey& public_key)
      : key_(std::move(key)), public_key_(public_key) {}
  static absl::StatusOr<Ed25519KeyPair> wrap(EvpPkeyPtr key);

  EvpPkeyPtr key_;
  Ed25519PublicKey public_key_;
};

// Ok if `signature` is a valid Ed25519 signature of `message` by `public_key`.
// Otherwise an error that says why: key or signature of the wrong size (§2.3: any
// signature not 64 bytes is rejected), a key that is not a curve point, or a
// signature that does not verify.
absl::Status ed25519Verify(ByteSpan public_key, ByteSpan message, ByteSpan signature);

}  // namespace opengns::crypto
