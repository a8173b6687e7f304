// SHA-256 (FIPS 180-4): the premaster step of the key schedule (crypto.md §4.2) and
// Ed25519 key ids (§2.4). One-shot and streaming forms.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/bytes.h"
#include "crypto/crypto_constants.h"
#include "crypto/evp_handles.h"

namespace opengns::crypto {

using Sha256Digest = std::array<uint8_t, kSha256Bytes>;

// Hash of the concatenation of `parts`.
absl::StatusOr<Sha256Digest> sha256(std::initializer_list<ByteSpan> parts);
inline absl::StatusOr<Sha256Digest> sha256(ByteSpan data) {
  return sha256({data});
}

// Incremental hashing when the input arrives in pieces.
class Sha256 {
 public:
  static absl::StatusOr<Sha256> create();

  absl::Status update(ByteSpan data);
  // Writes the digest; the object must not be updated afterwards.
  absl::StatusOr<Sha256Digest> finish();

 private:
  explicit Sha256(EvpMdCtxPtr ctx) : ctx_(std::move(ctx)) {}
  EvpMdCtxPtr ctx_;
};

}  // namespace opengns::crypto
