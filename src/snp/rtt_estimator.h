// Round-trip time of one connection, from the RTT samples its acks give (snp.md §3.7).
//
// The reference keeps a minimum-based "ping" over its last three samples and derives its
// retransmit timer from it (RTO = 3 x ping + 60 ms, §4.2). Timing is LOCAL, so we use an
// RFC 6298 estimator instead: a smoothed RTT (SRTT) and its mean deviation (RTTVAR),
// plus the minimum RTT over a sliding window (for congestion control and the reordering
// window) and the latest sample. Everything is in microseconds of the caller's clock.
//
// Guarantees: before the first sample every getter returns the initial assumptions of
// §3.7 (200 ms RTT, 1 s RTO, ping -1); rto() never returns less than its formula's
// fixed part. Not thread-safe (one connection, one thread).
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "snp/time.h"

namespace opengns::snp {

// §3.7 Before any sample: the RTT assumed for rate purposes, and the RTO.
inline constexpr Usec kInitialRttUsec = 200 * kUsecPerMsec;
inline constexpr Usec kInitialRtoUsec = 1 * kUsecPerSec;
// §3.7 Sanity range of a sample (the reference drops samples outside it; -1 ms counts as 0).
inline constexpr Usec kMinRttSampleUsec = -1 * kUsecPerMsec;
inline constexpr Usec kMaxRttSampleUsec = 2000 * kUsecPerMsec;
// How long a GNS peer may hold an ack for reliable data (§3.2: 50 ms) plus the 10 ms of
// slack the reference adds to its own RTO (§4.2). Our samples exclude the peer's hold
// time (the ack's delay field), so the RTO must add it back.
inline constexpr Usec kPeerAckDelayAllowanceUsec = 60 * kUsecPerMsec;
// Floor of the variance term of the RTO (RFC 6298's clock granularity G).
inline constexpr Usec kRttVarianceFloorUsec = 1 * kUsecPerMsec;
// Window of the minimum-RTT filter (as BBR's min RTT: long enough to see an empty queue).
inline constexpr Usec kDefaultMinRttWindowUsec = 10 * kUsecPerSec;

// The RTT sample an ack gives for the packet named by its `latest` field (§3.7):
// (ack_received - sent) minus the peer's hold time (`delay_raw` x 32 us). nullopt when
// the peer wrote "no timing" (0xFFFF) or the result is outside [-1 ms, 2000 ms]; a
// negative result inside that range (clock granularity) is returned as 0.
std::optional<Usec> rttSampleFromAck(Usec sent_time, Usec ack_received_time, uint16_t delay_raw);

class RttEstimator {
 public:
  explicit RttEstimator(Usec min_rtt_window_usec = kDefaultMinRttWindowUsec);

  // Feeds one sample (>= 0; negative values are treated as 0) taken at `now`.
  // First sample: SRTT = sample, RTTVAR = sample / 2. Later (RFC 6298 §2.3):
  // RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - sample|, then SRTT = 7/8 SRTT + 1/8 sample.
  void onSample(Usec rtt_usec, Usec now);

  // True once onSample() has been called.
  bool hasSample() const { return has_sample_; }
  // SRTT; kInitialRttUsec before any sample.
  Usec smoothed() const { return smoothed_usec_; }
  // RTTVAR; kInitialRttUsec / 2 before any sample.
  Usec variance() const { return variance_usec_; }
  // Smallest sample taken within the last window (the newest sample if all older ones
  // have aged out); kInitialRttUsec before any sample.
  Usec minRtt() const { return has_sample_ ? min_filter_[0].rtt_usec : kInitialRttUsec; }
  // The most recent sample; kInitialRttUsec before any sample.
  Usec latest() const { return latest_usec_; }
  // Time of the most recent sample; kNever before any sample.
  Usec latestSampleTime() const { return has_sample_ ? latest_sample_time_ : kNever; }
  // Retransmit timeout: SRTT + max(4 x RTTVAR, 1 ms) + 60 ms (the peer's ack hold
  // allowance, see kPeerAckDelayAllowanceUsec). kInitialRtoUsec (1 s) before any sample.
  // No exponential backoff (as the reference, §4.2): repeated timeouts are paced by the
  // congestion controller, and a silent peer is ended by the connection timeout.
  Usec rto() const;
  // SRTT rounded to whole milliseconds for the status API; -1 before any sample.
  int pingMs() const;

 private:
  // One entry of the windowed minimum filter: a sample and when it was taken.
  struct WindowedSample {
    Usec rtt_usec = 0;
    Usec time = 0;
  };
  void updateMinFilter(Usec rtt_usec, Usec now);

  Usec min_rtt_window_usec_;
  bool has_sample_ = false;
  Usec smoothed_usec_ = kInitialRttUsec;
  Usec variance_usec_ = kInitialRttUsec / 2;
  Usec latest_usec_ = kInitialRttUsec;
  Usec latest_sample_time_ = 0;
  // Best, second best and third best minimum in the window, each newer than the one
  // before (Kathleen Nichols' windowed min-max filter): O(1) per sample, exact enough.
  std::array<WindowedSample, 3> min_filter_{};
};

}  // namespace opengns::snp
