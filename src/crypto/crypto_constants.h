// Wire-visible sizes and identifiers of the session crypto, each with the spec
// section it comes from (../shared/protocol/crypto.md). Everything in src/crypto that
// touches a wire number takes it from here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace opengns::crypto {

// §0, §2.3: Ed25519 signing keys (RFC 8032, pure).
inline constexpr size_t kEd25519PublicKeyBytes = 32;
inline constexpr size_t kEd25519PrivateKeyBytes = 32;  // the RFC 8032 seed
inline constexpr size_t kEd25519SignatureBytes = 64;

// §0, §4.2: X25519 key exchange (RFC 7748).
inline constexpr size_t kX25519KeyBytes = 32;
inline constexpr size_t kX25519SharedSecretBytes = 32;

// §4.2-4.4: SHA-256 / HMAC-SHA256 output size.
inline constexpr size_t kSha256Bytes = 32;

// §4.3: salt = LE64(nonce_s) ‖ LE64(nonce_c).
inline constexpr size_t kKeyScheduleSaltBytes = 16;
// §4.4: the ASCII label in the expand info, without a terminator.
inline constexpr std::string_view kExpandLabel = "Steam datagram";
// §4.4: T1..T4 expand rounds.
inline constexpr int kExpandRounds = 4;

// §5.2: AES-256-GCM parameters.
inline constexpr size_t kAes256KeyBytes = 32;
inline constexpr size_t kAesGcmIvBytes = 12;
inline constexpr size_t kAesGcmTagBytes = 16;
// §5.3: the first 8 IV bytes are the little-endian counter the packet number is added to.
inline constexpr size_t kNonceCounterBytes = 8;

// §3.2: cipher ids in SessionCryptInfo.ciphers.
enum class CipherId : uint32_t {
  kInvalid = 0,
  kNull = 1,       // §5.5: no encryption, no tag
  kAes256Gcm = 2,  // §5.2
};

}  // namespace opengns::crypto
