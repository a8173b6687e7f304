// The one clock of opengns-bench: CLOCK_MONOTONIC in nanoseconds. It is system-wide, so a
// time stamp written into a message by the client process can be compared with the receive
// time read by the server process (both run on this machine).
#pragma once

#include <time.h>

#include <cstdint>

namespace opengns::bench {

inline int64_t monotonicNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

inline constexpr int64_t kNsPerUs = 1'000;
inline constexpr int64_t kNsPerMs = 1'000'000;
inline constexpr int64_t kNsPerSec = 1'000'000'000;

inline int64_t secondsToNs(double seconds) {
  return static_cast<int64_t>(seconds * 1e9);
}

}  // namespace opengns::bench
