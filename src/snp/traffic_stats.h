// Packet and byte rates of one connection for the real-time status API (lifecycle.md
// §8.4): "count during the last completed 5 s interval divided by its duration", so the
// rates change every 5 s and read 0 during the first interval. Counted at the UDP level
// (whole datagram payloads), by whoever sees the datagram: SnpSession counts its data
// packets; the connection adds its control and keepalive datagrams.
//
// sans-IO (time comes in `now`), not thread-safe (one connection, one thread).
#pragma once

#include <cstdint>

#include "snp/time.h"

namespace opengns::snp {

// lifecycle.md §8.4: the length of a stats interval.
inline constexpr Usec kTrafficStatsIntervalUsec = 5 * kUsecPerSec;

struct TrafficRates {
  double packets_in_per_sec = 0;
  double bytes_in_per_sec = 0;
  double packets_out_per_sec = 0;
  double bytes_out_per_sec = 0;
};

struct TrafficTotals {
  uint64_t packets_in = 0;
  uint64_t bytes_in = 0;
  uint64_t packets_out = 0;
  uint64_t bytes_out = 0;
};

class TrafficStats {
 public:
  explicit TrafficStats(Usec interval_usec = kTrafficStatsIntervalUsec)
      : interval_usec_(interval_usec > 0 ? interval_usec : kTrafficStatsIntervalUsec) {}

  void onDatagramIn(Usec now, uint64_t udp_bytes);
  void onDatagramOut(Usec now, uint64_t udp_bytes);

  // Rates of the last completed interval as of `now` (zeros before the first one ends).
  TrafficRates rates(Usec now) const;
  // Counts since creation.
  const TrafficTotals& totals() const { return totals_; }

 private:
  // Closes every interval that ended at or before `now`.
  void roll(Usec now);

  Usec interval_usec_;
  Usec interval_start_ = kNever;  // kNever until the first call
  TrafficTotals totals_;
  TrafficTotals current_;    // counts of the interval in progress
  TrafficTotals completed_;  // counts of the last completed interval
  bool has_completed_ = false;
};

}  // namespace opengns::snp
