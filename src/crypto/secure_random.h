// Cryptographically secure random bytes from OpenSSL's DRBG, for key generation,
// handshake nonces and connection ids. A DRBG failure is reported, never ignored:
// callers must not fall back to weaker randomness.
#pragma once

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/bytes.h"

namespace opengns::crypto {

// Fills `out` entirely. Thread-safe.
absl::Status secureRandom(MutableByteSpan out);

absl::StatusOr<uint32_t> secureRandomU32();
absl::StatusOr<uint64_t> secureRandomU64();

}  // namespace opengns::crypto
