// Connection IDs (udp.md §3.1, lifecycle.md §6.1): random 32-bit values whose two 16-bit
// halves are both non-zero (a GNS client rejects a server ID with low 16 bits 0; 0 means
// "absent" everywhere). Uniqueness among live connections and avoiding recently used low
// halves is the caller's job (the API layer knows every live connection).
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"

namespace opengns::connection {

// True if both 16-bit halves are non-zero.
inline bool isValidConnectionId(uint32_t id) {
  return (id & 0xffff) != 0 && (id >> 16) != 0;
}

// A random valid ID from the system DRBG. Fails only if the DRBG fails.
absl::StatusOr<uint32_t> makeRandomConnectionId();

}  // namespace opengns::connection
