// AES-256-GCM with a 12-byte IV and a 16-byte tag (crypto.md §5.2), built for the
// per-packet hot path: a context is created once per connection and direction with
// its key (the AES key schedule is expanded once), and each packet only sets a new
// IV. encrypt/decrypt write into caller buffers and never allocate.
//
// Threading: one object per thread at a time (an EVP_CIPHER_CTX is not shareable).
// Buffers: `out` may be exactly the input buffer (in-place), or must not overlap it.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/bytes.h"
#include "crypto/crypto_constants.h"
#include "crypto/evp_handles.h"

namespace opengns::crypto {

using AesGcmIvSpan = std::span<const uint8_t, kAesGcmIvBytes>;

class AesGcmEncryptor {
 public:
  // `key` must be 32 bytes. OpenSSL keeps its own copy, wiped when freed.
  static absl::StatusOr<AesGcmEncryptor> create(ByteSpan key);

  // Writes ciphertext ‖ tag (plaintext.size() + 16 bytes) to the front of `out` and
  // returns that length. `aad` may be empty (the GNS wire uses none).
  absl::StatusOr<size_t> encrypt(AesGcmIvSpan iv, ByteSpan plaintext, ByteSpan aad,
                                 MutableByteSpan out);

 private:
  explicit AesGcmEncryptor(EvpCipherCtxPtr ctx) : ctx_(std::move(ctx)) {}
  EvpCipherCtxPtr ctx_;
};

class AesGcmDecryptor {
 public:
  static absl::StatusOr<AesGcmDecryptor> create(ByteSpan key);

  // `sealed` = ciphertext ‖ 16-byte tag. Writes the plaintext (sealed.size() - 16
  // bytes) to the front of `out` and returns its length. A tag mismatch returns an
  // error and leaves the written part of `out` zeroed, so unauthenticated plaintext
  // is never visible to the caller.
  absl::StatusOr<size_t> decrypt(AesGcmIvSpan iv, ByteSpan sealed, ByteSpan aad,
                                 MutableByteSpan out);

 private:
  explicit AesGcmDecryptor(EvpCipherCtxPtr ctx) : ctx_(std::move(ctx)) {}
  EvpCipherCtxPtr ctx_;
};

}  // namespace opengns::crypto
