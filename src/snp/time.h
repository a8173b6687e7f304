// Time as the sans-IO engine sees it: microseconds of a monotonic clock chosen by the
// caller (the service thread passes its clock; tests pass virtual time). Nothing in
// src/snp reads a clock itself.
#pragma once

#include <cstdint>
#include <limits>

namespace opengns::snp {

using Usec = int64_t;

// "No timer": the value nextWakeTime() returns when a component needs no wake-up.
inline constexpr Usec kNever = std::numeric_limits<Usec>::max();

inline constexpr Usec kUsecPerMsec = 1000;
inline constexpr Usec kUsecPerSec = 1000 * 1000;

}  // namespace opengns::snp
