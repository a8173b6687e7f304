// Pacing of one connection's packets (snp.md §8.2, LOCAL): a token bucket in bytes that
// refills at the congestion controller's pacing rate, so that the packets of a flight go
// out spread over time rather than in one burst that overflows a queue or the peer's
// socket buffer.
//
// Shape (the reference's, §8.2, with a catch-up allowance for late timers):
//  - a packet may go out whenever the bucket is >= 0; it takes its whole UDP payload size
//    out, so the bucket goes negative by at most one packet, and the next packet waits
//    until the bucket is back at 0 (nextSendTime());
//  - the bucket starts with a small burst (2 packets; the reference: 1);
//  - while the sender is idle (nothing to send, or the congestion window is full: the
//    caller says so with onIdle()) the bucket is capped at that small burst, so idling
//    or waiting for acks earns no burst; otherwise a congestion window that empties
//    would release a large burst of saved tokens and defeat pacing (e.g. the drain
//    phases of the congestion controller);
//  - while the sender is held only by the pacer (from a send until the next onIdle()),
//    the cap is the rate x 1 ms (how late a service thread's timer may fire), at least 2
//    and at most 64 packets (one UDP GSO batch). A thread woken late may thus send what
//    the rate earned in the meantime, up to 64 packets at once, and the long-run
//    average stays exact.
// The per-wake-up batch is bounded by the bucket: while canSend() a caller may build up
// to burstCapBytes() + one packet in one wake-up.
//
// Arithmetic is exact: tokens are kept in bytes x 10^6 and refilled by rate (bytes/s) x
// elapsed microseconds, so over any run the bytes allowed are exactly rate x time plus
// the initial burst, with no rounding drift.
//
// Not thread-safe (one connection, one thread); sans-IO (time comes in `now`).
#pragma once

#include <cstdint>

#include "snp/time.h"

namespace opengns::snp {

struct PacerConfig {
  // Tokens at creation, bytes.
  int64_t initial_burst_bytes = 2 * 1248;
  // The cap while idle; also the least cap while pacer-limited.
  int64_t min_burst_bytes = 2 * 1248;
  // The cap while pacer-limited is rate x burst_window_usec, within [min, max] bytes.
  int64_t max_burst_bytes = 64 * 1248;  // one UDP GSO batch of maximum packets
  Usec burst_window_usec = 1 * kUsecPerMsec;
};

class Pacer {
 public:
  // Rates above this (1 TB/s) are treated as this: they only guard the arithmetic.
  static constexpr uint64_t kMaxRateBytesPerSec = 1000ull * 1000 * 1000 * 1000;

  explicit Pacer(uint64_t rate_bytes_per_sec, PacerConfig config = {});

  // Changes the refill rate from `now` on (what accrued before `now` accrued at the old
  // rate). 0 stops the refill.
  void setRate(Usec now, uint64_t rate_bytes_per_sec);
  uint64_t rateBytesPerSec() const { return rate_bytes_per_sec_; }

  // True if a packet may go out at `now` (the bucket is >= 0).
  bool canSend(Usec now) const { return scaledTokensAt(now) >= 0; }
  // A packet of `bytes` (UDP payload) went out at `now`. Call it for every packet, even
  // one sent without canSend() (an ack that had to go): the debt is kept, so the average
  // rate holds; only then can the bucket go below minus one packet.
  void onSent(Usec now, uint32_t bytes);
  // The earliest time >= now at which canSend() is true: `now` if it already is, kNever
  // if the rate is 0 and the bucket is negative. Exact to the microsecond (rounded up);
  // the service thread adds its own timer slack.
  Usec nextSendTime(Usec now) const;

  // The bucket at `now`, whole bytes rounded toward minus infinity (may be negative).
  int64_t availableBytes(Usec now) const;
  // The sender stopped at `now` for a reason other than the pacer (nothing to send, or
  // the congestion window is full). Caps the bucket at the small idle burst until the
  // next onSent(). Calling it again while idle changes nothing.
  void onIdle(Usec now);
  bool idle() const { return idle_; }
  // The bucket's cap while the sender is pacer-limited, bytes.
  int64_t burstCapBytes() const { return cap_bytes_; }
  // The bucket's cap while idle, bytes.
  int64_t idleCapBytes() const { return config_.min_burst_bytes; }

 private:
  static constexpr int64_t kScale = kUsecPerSec;  // tokens are bytes x kScale
  int64_t scaledTokensAt(Usec now) const;
  void settle(Usec now);
  void updateCap();

  PacerConfig config_;
  uint64_t rate_bytes_per_sec_ = 0;
  int64_t cap_bytes_ = 0;
  int64_t scaled_tokens_ = 0;
  Usec last_update_ = kNever;  // kNever until the first call that carries a time
  bool idle_ = false;
};

}  // namespace opengns::snp
