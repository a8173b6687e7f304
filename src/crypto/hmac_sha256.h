// HMAC-SHA256 (RFC 2104) on OpenSSL's EVP_MAC: the extract and expand steps of the
// key schedule (crypto.md §4.3, §4.4). The key is copied into OpenSSL's context,
// which wipes it when freed.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/bytes.h"
#include "crypto/crypto_constants.h"
#include "crypto/evp_handles.h"
#include "crypto/secret_array.h"

namespace opengns::crypto {

// HMAC outputs here are key material (PRK, T1..T4), so they wipe themselves.
using HmacSha256Tag = SecretArray<kSha256Bytes>;

class HmacSha256 {
 public:
  // Starts a MAC with `key` (any length; RFC 2104 hashes keys over 64 bytes).
  static absl::StatusOr<HmacSha256> create(ByteSpan key);

  absl::Status update(ByteSpan data);
  // Produces the tag; the object must not be updated afterwards.
  absl::StatusOr<HmacSha256Tag> finish();

 private:
  explicit HmacSha256(EvpMacCtxPtr ctx) : ctx_(std::move(ctx)) {}
  EvpMacCtxPtr ctx_;
};

// HMAC(key, concatenation of `parts`).
absl::StatusOr<HmacSha256Tag> hmacSha256(ByteSpan key, std::initializer_list<ByteSpan> parts);

}  // namespace opengns::crypto
