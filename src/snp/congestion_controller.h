// Congestion control of one connection's sender (snp.md §8, LOCAL): how fast to send
// (the pacing rate the Pacer enforces) and how many bytes may be unacked (the congestion
// window). The reference has no congestion control at all: a fixed rate in
// [SendRateMin, SendRateMax] (§8.1). We keep that clamp and put a real controller inside
// it, always on:
//  - defaults SendRateMin = 256 KiB/s (as the reference), SendRateMax = the top of its
//    config range (kSendRateConfigMaxBytesPerSec), which means "no upper clamp": a bulk
//    transfer finds the path's capacity. A lower max caps the rate; min = max pins it to
//    exactly that rate, which is the reference's behaviour.
//  - the rate counts whole UDP payloads of every data packet, ack-only ones included
//    (§8.1): every `bytes` argument below is a UDP payload size.
//
// The default controller (BbrController) is model-based, in the spirit of BBR v1:
//  - Bandwidth: windowed maximum of per-ack delivery-rate samples over 10 rounds
//    (DeliveryRateEstimator computes them). A round is one flight: it ends when a packet
//    sent after the previous round ended is acked.
//  - Min RTT: windowed minimum of the ack RTT samples (§3.7, the peer's hold time taken
//    out) over 10 s. When it has not been refreshed for 10 s, ProbeRtt holds the window
//    at 4 packets for 200 ms and one round so the queue empties and the minimum is seen
//    (its rate samples, and those of the round after, count as app-limited).
//  - Startup: pacing and window gain 2/ln 2 (doubling per round) until the bandwidth
//    plateaus (3 rounds without 25 % growth) or a round shows congestive loss; Drain at
//    the inverse gain until the bytes in flight fall to one BDP; then ProbeBw cycles
//    the pacing gain 1.25, 0.75, 1 x 6 (one min RTT each), with a window of 2 x BDP.
//    Unlike BBR v1, the 0.75 phase lasts until one BDP is in flight (at most 4 min
//    RTTs): the max filter keeps the largest of noisy samples, so cruising at gain 1
//    slowly builds a queue that a fixed-length phase never removes (in the loopback
//    model it stood at a whole BDP, the window's limit).
//  - Ack aggregation: a GNS peer holds acks of reliable data up to 50 ms (§3.2) and acks
//    in bursts; the window adds the largest excess of acked bytes over what the
//    bandwidth estimate explains (max over 10 rounds, capped at 100 ms of bandwidth), so
//    a delayed-ack peer does not starve the window.
//
// Loss (§4: nacks become losses through the tracker's reordering threshold, and RTOs):
// random loss must not be treated as congestion (a lossy link with 5-30 % loss keeps
// most of its throughput), congestive loss must be. Delivery-rate samples count only
// acked bytes, so under random loss p the measured delivery rate is (1 - p) x what the
// path carries, and a BBR v1 probe (1.25 x (1 - p)) stops growing beyond p = 20 %.
// So the model keeps two numbers: the measured delivery rate (windowed max) and a
// random-loss rate p; the bandwidth it paces at is delivery rate / (1 - p).
//  - p is measured only on "clean" rounds: rounds in which nothing was paced faster
//    than the measured delivery rate. Such packets cannot overflow a queue, so what
//    they lose is lost at random; and if the loss were congestive, sending at the
//    delivery rate ends it, so p falls back to 0 instead of feeding on itself. The
//    0.75 phase of the gain cycle is paced at no more than the delivery rate and, while
//    losses are around, lasts one whole clean round (at most 4 rounds) to measure p.
//    p is a byte-weighted average over recent clean rounds (decay 7/8), capped at 40 %.
//  - A round whose loss exceeds p by more than 2 % is congestive if a queue stands (its
//    smallest RTT sample is above the min RTT by max(min RTT / 4, 1 ms)) or if the
//    excess also stands out of the round's binomial noise. Response: the delivery rate
//    is cut to max(the round's best delivery rate, 0.7 x estimate) (with a full queue the
//    delivery rate is the bottleneck's), Startup ends, a 1.25 probe phase ends early.
//
// RTO: the window drops to its floor until the next ack (the model is kept); two or
// more RTOs in a row without an ack halve the bandwidth estimate each (the path may
// have changed).
//
// Rate limits: pacing rate = clamp(gain x bandwidth, SendRateMin, SendRateMax). The
// window is never below 4 packets nor below what SendRateMin needs for 2 x min RTT
// plus the peer's 50 ms ack hold, so the floor rate is really reachable. When the
// rate is capped by SendRateMax, the 0.75 phase only drains what the capped probe
// really sent above the estimate (nothing, if the cap held it at the estimate).
//
// Not thread-safe (one connection, one thread); sans-IO (time comes in `now`).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>

#include "snp/time.h"

namespace opengns::snp {

// config.md §1.4.2: SendRateMin / SendRateMax (ids 10, 11), bytes/s.
inline constexpr uint64_t kSendRateConfigMinBytesPerSec = 1024;
inline constexpr uint64_t kSendRateConfigMaxBytesPerSec = 268435456;
// The reference's default for both; ours for SendRateMin (SendRateMax defaults to the
// top of its range = no upper clamp).
inline constexpr uint64_t kDefaultSendRateMinBytesPerSec = 262144;
inline constexpr uint64_t kDefaultSendRateMaxBytesPerSec = kSendRateConfigMaxBytesPerSec;
// §8.2: the packet size the rate logic reasons in (one maximum packet).
inline constexpr uint32_t kCongestionPacketBytes = 1248;

// ---------------------------------------------------------------------------------------
// Delivery-rate samples (the model's bandwidth input).
//
// The caller (the sent-packet tracker, or whoever owns the in-flight table) must:
//  1. for every data packet sent, call onPacketSent() BEFORE adding it to the flight and
//     store the returned DeliverySample with the packet;
//  2. for every ack frame, call onPacketAcked() once for each packet the frame newly
//     acked (packets still in flight, or ones judged lost and now acked late), with the
//     stored DeliverySample, in any order; then call takeRateSample() once and put the
//     result in AckEvent::rate_sample;
//  3. call onAppLimited() when it could send (pacer and window allow) but has nothing to
//     send, so that samples taken while the application, not the path, limited the rate
//     are marked (they may raise the bandwidth model but never lower it).
// Lost packets need no call: their bytes are simply never delivered.
//
// The sample of an ack is taken from the most recently delivered of its packets: bytes
// delivered since that packet was sent, divided by the longer of its send interval and
// its ack interval (the draft "Delivery Rate Estimation" of Cheng et al.), so neither a
// burst of sends nor a burst of acks inflates it.

// What the estimator stamps on each sent packet.
struct DeliverySample {
  Usec sent_time = 0;
  uint64_t delivered_at_send = 0;    // bytes delivered (acked) when it was sent
  Usec delivered_time_at_send = 0;   // when that count was last raised
  Usec first_sent_time_at_send = 0;  // send time of the packet that opened the interval
  uint32_t bytes = 0;                // its UDP payload size
  bool app_limited_at_send = false;
};

// One delivery-rate measurement (per ack frame).
struct RateSample {
  double delivery_rate_bytes_per_sec = 0;
  uint64_t delivered_bytes = 0;  // in the interval
  Usec interval_usec = 0;
  // delivered_at_send of the packet the sample is taken from (round counting).
  uint64_t prior_delivered = 0;
  // The estimator's delivered counter after this ack.
  uint64_t total_delivered = 0;
  bool is_app_limited = false;
};

class DeliveryRateEstimator {
 public:
  // Stamps a packet of `bytes` sent at `now`; `bytes_in_flight_before` excludes it.
  DeliverySample onPacketSent(Usec now, uint32_t bytes, uint64_t bytes_in_flight_before);
  // A packet newly acked at `now`.
  void onPacketAcked(Usec now, const DeliverySample& packet);
  // The sample of the packets acked since the last call; nullopt if none, or if the
  // interval is zero.
  std::optional<RateSample> takeRateSample();
  // The sender has nothing to send although it may: marks the current flight.
  void onAppLimited(uint64_t bytes_in_flight);

  uint64_t deliveredBytes() const { return delivered_; }
  bool appLimited() const { return app_limited_until_ != 0; }

 private:
  uint64_t delivered_ = 0;
  Usec delivered_time_ = 0;
  Usec first_sent_time_ = 0;
  // Non-zero while samples are app-limited: until delivered_ passes this.
  uint64_t app_limited_until_ = 0;

  // The ack in progress.
  bool has_pending_ = false;
  DeliverySample pending_{};
  Usec pending_ack_time_ = 0;
};

// ---------------------------------------------------------------------------------------
// The controller.

// What one ack frame told the sender; the caller fills it after all the frame's packet
// fates were processed.
struct AckEvent {
  // UDP bytes of packets this frame newly acked (they left the flight).
  uint64_t acked_bytes = 0;
  // The frame's RTT sample (§3.7), if it gave one.
  std::optional<Usec> rtt_usec;
  // DeliveryRateEstimator::takeRateSample() after the frame's acked packets were fed to
  // it; nullopt if the frame acked nothing new. Rounds only advance with samples.
  std::optional<RateSample> rate_sample;
  // UDP bytes still in flight after the frame's acks (losses the same frame reveals may
  // follow in onLoss(); the tracker reports acks first, §AckSink).
  uint64_t bytes_in_flight = 0;
};

enum class CongestionMode : uint8_t { kStartup, kDrain, kProbeBw, kProbeRtt };
const char* congestionModeName(CongestionMode mode);

// The controller's model, for the status API and logs.
struct CongestionState {
  CongestionMode mode = CongestionMode::kStartup;
  uint64_t pacing_rate_bytes_per_sec = 0;
  uint64_t cwnd_bytes = 0;
  // The bandwidth model clamped to the rate limits: the rate the connection sustains
  // (this is what the status API's send rate should show; the pacing rate swings around
  // it by the gain cycle).
  uint64_t send_rate_bytes_per_sec = 0;
  // Unclamped bandwidth model (random-loss compensated); 0 before the first sample.
  uint64_t bandwidth_bytes_per_sec = 0;
  // Windowed maximum of the measured delivery rate (acked bytes only); 0 before any.
  uint64_t delivery_rate_bytes_per_sec = 0;
  Usec min_rtt_usec = kNever;  // kNever before the first RTT sample
  double pacing_gain = 1.0;
  double random_loss_rate = 0;  // the compensated estimate, 0 .. 0.4
  uint64_t round_count = 0;
  uint64_t congestive_loss_rounds = 0;
  uint64_t rto_count = 0;
  bool filled_pipe = false;  // Startup has found the bandwidth
};

// The small interface the session drives; any controller may implement it.
class CongestionController {
 public:
  virtual ~CongestionController() = default;

  // A data packet of `bytes` (UDP payload) went out at `now`; `bytes_in_flight_before`
  // excludes it.
  virtual void onPacketSent(Usec now, uint32_t bytes, uint64_t bytes_in_flight_before) = 0;
  // One ack frame was processed (see AckEvent).
  virtual void onAck(Usec now, const AckEvent& ack) = 0;
  // Packets of `lost_bytes` were judged lost (once per tracker call); `bytes_in_flight`
  // is after removing them.
  virtual void onLoss(Usec now, uint64_t lost_bytes, uint64_t bytes_in_flight) = 0;
  // The retransmit timer declared a packet lost (call it in addition to onLoss).
  virtual void onRtoExpired(Usec now) = 0;

  // The rate the pacer should run at, bytes/s, within the rate limits.
  virtual uint64_t pacingRateBytesPerSec() const = 0;
  virtual uint64_t congestionWindowBytes() const = 0;
  // True if one more packet may go out with `bytes_in_flight` unacked.
  virtual bool canSend(uint64_t bytes_in_flight) const = 0;
  // SendRateMin / SendRateMax, bytes/s. Each is clamped to the config range; max at the
  // top of the range means no upper clamp; min above max is lowered to max.
  virtual void setRateLimits(uint64_t min_bytes_per_sec, uint64_t max_bytes_per_sec) = 0;
  virtual CongestionState state() const = 0;
};

// Windowed maximum over a sliding window of "time" (rounds or microseconds), keeping the
// best, second and third best candidates (Kathleen Nichols' algorithm): O(1) per
// update, exact for a monotone window and within one sub-window otherwise.
class WindowedMaxFilter {
 public:
  explicit WindowedMaxFilter(uint64_t window) : window_(window) {}
  void reset(uint64_t time, double value);
  void update(uint64_t time, double value);
  double best() const { return samples_[0].value; }

 private:
  struct Sample {
    uint64_t time = 0;
    double value = 0;
  };
  uint64_t window_;
  std::array<Sample, 3> samples_{};
};

class BbrController final : public CongestionController {
 public:
  // Startup / Drain gain: 2 / ln 2, the smallest gain that doubles the delivery rate per
  // round.
  static constexpr double kHighGain = 2.885;
  static constexpr double kDrainGain = 1.0 / kHighGain;
  static constexpr double kProbeBwCwndGain = 2.0;
  static constexpr std::array<double, 8> kPacingGainCycle = {1.25, 0.75, 1, 1, 1, 1, 1, 1};
  // The 0.75 phase lasts until one BDP is in flight, at most this many min RTTs.
  static constexpr int64_t kMaxDrainPhaseRtts = 4;
  static constexpr uint64_t kBandwidthWindowRounds = 10;
  static constexpr uint64_t kAckAggregationWindowRounds = 10;
  static constexpr Usec kMinRttWindowUsec = 10 * kUsecPerSec;
  static constexpr Usec kProbeRttDurationUsec = 200 * kUsecPerMsec;
  static constexpr uint64_t kMinCwndPackets = 4;
  static constexpr uint64_t kInitialCwndPackets = 10;
  // Startup ends after this many rounds without kFullBandwidthGrowth.
  static constexpr int kFullBandwidthRounds = 3;
  static constexpr double kFullBandwidthGrowth = 1.25;
  // A round with more loss than this, and a standing queue, is congestive.
  static constexpr double kCongestiveLossRate = 0.02;
  // Response to a congestive round: bandwidth model >= this x previous estimate.
  static constexpr double kCongestionBeta = 0.7;
  // Queue test: the round's smallest RTT above min RTT by max(min RTT / 4, 1 ms).
  static constexpr double kQueueDelayFraction = 0.25;
  static constexpr Usec kQueueDelayFloorUsec = 1 * kUsecPerMsec;
  // A round is clean if nothing in it was paced above the delivery rate (this slack
  // absorbs rounding).
  static constexpr double kCleanRateTolerance = 1e-6;
  // After a loss, the 0.75 phase measures the random loss rate for this many rounds.
  static constexpr uint64_t kLossMemoryRounds = 32;
  // ... spending at most this many rounds on one measurement.
  static constexpr uint64_t kMaxMeasureRounds = 4;
  // Random-loss estimate: decay per clean round, cap.
  static constexpr double kLossDecayPerRound = 7.0 / 8.0;
  static constexpr double kMaxCompensatedLossRate = 0.4;
  // Ack aggregation allowance is capped at this much time at the estimated bandwidth.
  static constexpr Usec kMaxAckAggregationUsec = 100 * kUsecPerMsec;
  // The peer may hold acks this long (§3.2): part of the window floor for SendRateMin.
  static constexpr Usec kPeerAckHoldUsec = 50 * kUsecPerMsec;

  explicit BbrController(uint64_t min_bytes_per_sec = kDefaultSendRateMinBytesPerSec,
                         uint64_t max_bytes_per_sec = kDefaultSendRateMaxBytesPerSec);

  void onPacketSent(Usec now, uint32_t bytes, uint64_t bytes_in_flight_before) override;
  void onAck(Usec now, const AckEvent& ack) override;
  void onLoss(Usec now, uint64_t lost_bytes, uint64_t bytes_in_flight) override;
  void onRtoExpired(Usec now) override;
  uint64_t pacingRateBytesPerSec() const override { return pacing_rate_bytes_per_sec_; }
  uint64_t congestionWindowBytes() const override;
  bool canSend(uint64_t bytes_in_flight) const override {
    return bytes_in_flight < congestionWindowBytes();
  }
  void setRateLimits(uint64_t min_bytes_per_sec, uint64_t max_bytes_per_sec) override;
  CongestionState state() const override;

 private:
  bool hasMaxClamp() const { return max_rate_ < kSendRateConfigMaxBytesPerSec; }
  double clampRate(double bytes_per_sec) const;
  // The measured delivery rate (windowed max), bytes/s; before the first sample the
  // initial estimate.
  double deliveryRate() const;
  // The bandwidth model: the delivery rate compensated for random loss.
  double bandwidth() const;
  Usec minRttOrInitial() const;
  double bdpBytes(double gain) const;
  uint64_t cwndFloorBytes() const;

  void updateRound(const RateSample& sample);
  void endRound();
  void updateBandwidth(const RateSample& sample);
  void updateAckAggregation(Usec now, uint64_t acked_bytes);
  void checkFullBandwidth(const RateSample& sample);
  void updateMode(Usec now, uint64_t bytes_in_flight);
  void enterProbeBw(Usec now);
  void setPacingGainPhase(Usec now, size_t phase);
  void updatePacingRate();
  void updateCwnd(uint64_t acked_bytes);

  uint64_t min_rate_;
  uint64_t max_rate_;

  CongestionMode mode_ = CongestionMode::kStartup;
  double pacing_gain_ = kHighGain;
  double cwnd_gain_ = kHighGain;
  uint64_t pacing_rate_bytes_per_sec_ = 0;
  uint64_t cwnd_bytes_;
  bool rto_collapsed_ = false;  // window at its floor until the next ack
  uint64_t consecutive_rtos_ = 0;
  uint64_t rto_count_ = 0;

  // Bandwidth model.
  WindowedMaxFilter bandwidth_filter_;
  bool has_bandwidth_ = false;
  double probe_rate_sent_ = 0;  // pacing rate of the last 1.25 phase (for the drain phase)

  // Min RTT.
  Usec min_rtt_usec_ = kNever;
  Usec min_rtt_stamp_ = 0;

  // Rounds.
  uint64_t round_count_ = 0;
  uint64_t next_round_delivered_ = 0;
  bool round_start_ = false;
  uint64_t round_acked_bytes_ = 0;
  uint64_t round_lost_bytes_ = 0;
  Usec round_min_rtt_usec_ = kNever;
  double round_max_delivery_rate_ = 0;  // uncompensated
  uint64_t congestive_loss_rounds_ = 0;

  // Clean rounds (see onPacketSent) and the random-loss measurement.
  bool current_round_clean_ = false;
  bool previous_round_clean_ = false;
  bool last_round_clean_ = false;
  bool seen_loss_ = false;
  uint64_t last_loss_round_ = 0;
  uint64_t phase_start_round_ = 0;
  // Random-loss estimate (decayed byte counts of clean rounds).
  double loss_acked_weight_ = 0;
  double loss_lost_weight_ = 0;
  double random_loss_rate_ = 0;

  // Startup.
  bool filled_pipe_ = false;
  double full_bandwidth_ = 0;
  int full_bandwidth_count_ = 0;

  // ProbeBw gain cycle.
  size_t cycle_phase_ = 0;
  Usec cycle_stamp_ = 0;
  bool end_probe_phase_ = false;  // a congestive round ends the 1.25 phase

  // ProbeRtt.
  Usec probe_rtt_done_stamp_ = kNever;
  uint64_t probe_rtt_start_round_ = 0;
  uint64_t probe_rtt_exit_round_ = 0;
  CongestionMode mode_before_probe_rtt_ = CongestionMode::kStartup;

  // Ack aggregation.
  WindowedMaxFilter extra_acked_filter_;
  Usec ack_epoch_start_ = kNever;
  uint64_t ack_epoch_acked_bytes_ = 0;
};

std::unique_ptr<CongestionController> makeDefaultCongestionController(
    uint64_t min_bytes_per_sec = kDefaultSendRateMinBytesPerSec,
    uint64_t max_bytes_per_sec = kDefaultSendRateMaxBytesPerSec);

}  // namespace opengns::snp
