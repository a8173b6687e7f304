// SipHash-2-4 (Aumasson and Bernstein, 2012): a fast keyed 64-bit MAC for short inputs.
// It keys the stateless handshake challenge (challenge.h), which a server computes for
// every unauthenticated ChallengeRequest: the function must be cheap (no allocation, no
// library context) and unforgeable without the key. Output: the 64-bit result as the
// reference defines it (its 8 output bytes read little-endian).
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "common/bytes.h"

namespace opengns::connection {

inline constexpr size_t kSipHashKeyBytes = 16;
using SipHashKey = std::array<uint8_t, kSipHashKeyBytes>;

// SipHash-2-4 of `message` under the 128-bit `key` (two little-endian 64-bit halves).
uint64_t sipHash24(std::span<const uint8_t, kSipHashKeyBytes> key, ByteSpan message);

}  // namespace opengns::connection
