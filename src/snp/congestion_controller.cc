// The BBR-like default congestion controller and its delivery-rate estimator. The design
// and its loss policy are described in congestion_controller.h.
#include "snp/congestion_controller.h"

#include <algorithm>
#include <cmath>

#include "snp/rtt_estimator.h"

namespace opengns::snp {

namespace {

constexpr double kUsecPerSecD = static_cast<double>(kUsecPerSec);
// Rates are doubles inside; this keeps their integer form far from overflow (10 TB/s).
constexpr double kMaxRepresentableRate = 1e13;
constexpr double kPacketBytesD = static_cast<double>(kCongestionPacketBytes);

}  // namespace

// --------------------------------------------------------------------------------------
// DeliveryRateEstimator

DeliverySample DeliveryRateEstimator::onPacketSent(Usec now, uint32_t bytes,
                                                   uint64_t bytes_in_flight_before) {
  if (bytes_in_flight_before == 0) {
    // A new flight: its intervals start now, not at the last ack of an earlier flight
    // (that would count the idle time and understate the rate).
    first_sent_time_ = now;
    delivered_time_ = now;
  }
  DeliverySample sample;
  sample.sent_time = now;
  sample.delivered_at_send = delivered_;
  sample.delivered_time_at_send = delivered_time_;
  sample.first_sent_time_at_send = first_sent_time_;
  sample.bytes = bytes;
  sample.app_limited_at_send = app_limited_until_ != 0;
  return sample;
}

void DeliveryRateEstimator::onPacketAcked(Usec now, const DeliverySample& packet) {
  delivered_ += packet.bytes;
  delivered_time_ = now;
  if (app_limited_until_ != 0 && delivered_ > app_limited_until_) app_limited_until_ = 0;
  // The sample comes from the most recently sent of the packets delivered so far in this
  // ack: it spans the most recent interval.
  const bool newer = !has_pending_ || packet.delivered_at_send > pending_.delivered_at_send ||
                     (packet.delivered_at_send == pending_.delivered_at_send &&
                      packet.sent_time > pending_.sent_time);
  if (newer) {
    pending_ = packet;
    has_pending_ = true;
    // The next send interval starts at this packet's send time.
    first_sent_time_ = packet.sent_time;
  }
  pending_ack_time_ = now;
}

std::optional<RateSample> DeliveryRateEstimator::takeRateSample() {
  if (!has_pending_) return std::nullopt;
  has_pending_ = false;
  RateSample sample;
  sample.prior_delivered = pending_.delivered_at_send;
  sample.total_delivered = delivered_;
  sample.delivered_bytes = delivered_ - pending_.delivered_at_send;
  sample.is_app_limited = pending_.app_limited_at_send;
  const Usec send_elapsed = pending_.sent_time - pending_.first_sent_time_at_send;
  const Usec ack_elapsed = pending_ack_time_ - pending_.delivered_time_at_send;
  sample.interval_usec = std::max(send_elapsed, ack_elapsed);
  if (sample.interval_usec > 0) {
    sample.delivery_rate_bytes_per_sec = static_cast<double>(sample.delivered_bytes) *
                                         kUsecPerSecD / static_cast<double>(sample.interval_usec);
  }
  return sample;
}

void DeliveryRateEstimator::onAppLimited(uint64_t bytes_in_flight) {
  app_limited_until_ = std::max<uint64_t>(delivered_ + bytes_in_flight, 1);
}

// --------------------------------------------------------------------------------------
// WindowedMaxFilter

void WindowedMaxFilter::reset(uint64_t time, double value) {
  samples_.fill(Sample{time, value});
}

void WindowedMaxFilter::update(uint64_t time, double value) {
  const Sample sample{time, value};
  if (value >= samples_[0].value || time - samples_[2].time > window_) {
    reset(time, value);
    return;
  }
  if (value >= samples_[1].value) {
    samples_[1] = sample;
    samples_[2] = sample;
  } else if (value >= samples_[2].value) {
    samples_[2] = sample;
  }
  // Age out the best if it left the window; keep the candidates spread over the window.
  const uint64_t age = time - samples_[0].time;
  if (age > window_) {
    samples_[0] = samples_[1];
    samples_[1] = samples_[2];
    samples_[2] = sample;
    if (time - samples_[0].time > window_) {
      samples_[0] = samples_[1];
      samples_[1] = samples_[2];
    }
  } else if (samples_[1].time == samples_[0].time && age > window_ / 4) {
    samples_[1] = sample;
    samples_[2] = sample;
  } else if (samples_[2].time == samples_[1].time && age > window_ / 2) {
    samples_[2] = sample;
  }
}

// --------------------------------------------------------------------------------------
// BbrController

const char* congestionModeName(CongestionMode mode) {
  switch (mode) {
    case CongestionMode::kStartup:
      return "startup";
    case CongestionMode::kDrain:
      return "drain";
    case CongestionMode::kProbeBw:
      return "probe_bw";
    case CongestionMode::kProbeRtt:
      return "probe_rtt";
  }
  return "unknown";
}

BbrController::BbrController(uint64_t min_bytes_per_sec, uint64_t max_bytes_per_sec)
    : min_rate_(kDefaultSendRateMinBytesPerSec),
      max_rate_(kDefaultSendRateMaxBytesPerSec),
      cwnd_bytes_(kInitialCwndPackets * kCongestionPacketBytes),
      bandwidth_filter_(kBandwidthWindowRounds),
      extra_acked_filter_(kAckAggregationWindowRounds) {
  setRateLimits(min_bytes_per_sec, max_bytes_per_sec);
}

void BbrController::setRateLimits(uint64_t min_bytes_per_sec, uint64_t max_bytes_per_sec) {
  max_rate_ =
      std::clamp(max_bytes_per_sec, kSendRateConfigMinBytesPerSec, kSendRateConfigMaxBytesPerSec);
  min_rate_ = std::clamp(min_bytes_per_sec, kSendRateConfigMinBytesPerSec, max_rate_);
  cwnd_bytes_ = std::max(cwnd_bytes_, cwndFloorBytes());
  updatePacingRate();
}

double BbrController::clampRate(double bytes_per_sec) const {
  double rate = std::min(bytes_per_sec, kMaxRepresentableRate);
  if (hasMaxClamp()) rate = std::min(rate, static_cast<double>(max_rate_));
  return std::max(rate, static_cast<double>(min_rate_));
}

Usec BbrController::minRttOrInitial() const {
  if (min_rtt_usec_ == kNever) return kInitialRttUsec;
  return std::max<Usec>(min_rtt_usec_, 1);
}

double BbrController::deliveryRate() const {
  if (has_bandwidth_) return bandwidth_filter_.best();
  // Before any delivery sample: the initial window per RTT (the assumed 200 ms until the
  // first RTT sample, §3.7), as BBR's initial pacing rate.
  return static_cast<double>(kInitialCwndPackets) * kPacketBytesD * kUsecPerSecD /
         static_cast<double>(minRttOrInitial());
}

double BbrController::bandwidth() const {
  return deliveryRate() / (1.0 - random_loss_rate_);
}

double BbrController::bdpBytes(double gain) const {
  if (min_rtt_usec_ == kNever) {
    return static_cast<double>(kInitialCwndPackets) * kPacketBytesD;
  }
  return gain * bandwidth() * static_cast<double>(minRttOrInitial()) / kUsecPerSecD;
}

uint64_t BbrController::cwndFloorBytes() const {
  const uint64_t packets_floor = kMinCwndPackets * kCongestionPacketBytes;
  // SendRateMin must be reachable even when acks are held by the peer.
  const double rate_floor = static_cast<double>(min_rate_) *
                            static_cast<double>(2 * minRttOrInitial() + kPeerAckHoldUsec) /
                            kUsecPerSecD;
  return std::max(packets_floor, static_cast<uint64_t>(rate_floor));
}

uint64_t BbrController::congestionWindowBytes() const {
  if (rto_collapsed_ || mode_ == CongestionMode::kProbeRtt) return cwndFloorBytes();
  return std::max(cwnd_bytes_, cwndFloorBytes());
}

void BbrController::onPacketSent(Usec /*now*/, uint32_t /*bytes*/,
                                 uint64_t bytes_in_flight_before) {
  // A round is "clean" if nothing in it was sent faster than the measured delivery rate:
  // such packets cannot overflow a queue, so whatever of them is lost was lost at random.
  if (!has_bandwidth_ || static_cast<double>(pacing_rate_bytes_per_sec_) >
                             deliveryRate() * (1 + kCleanRateTolerance)) {
    current_round_clean_ = false;
  }
  // After an idle period acks restart from nothing: a new aggregation epoch.
  if (bytes_in_flight_before == 0) {
    ack_epoch_start_ = kNever;
    ack_epoch_acked_bytes_ = 0;
  }
}

void BbrController::onLoss(Usec /*now*/, uint64_t lost_bytes, uint64_t /*bytes_in_flight*/) {
  round_lost_bytes_ += lost_bytes;
  if (lost_bytes > 0) {
    seen_loss_ = true;
    last_loss_round_ = round_count_;
  }
}

void BbrController::onRtoExpired(Usec /*now*/) {
  ++rto_count_;
  ++consecutive_rtos_;
  rto_collapsed_ = true;
  if (consecutive_rtos_ >= 2 && has_bandwidth_) {
    // Nothing came back for two timeouts: the path may have lost capacity.
    bandwidth_filter_.reset(round_count_, bandwidth_filter_.best() / 2);
  }
  updatePacingRate();
}

void BbrController::onAck(Usec now, const AckEvent& ack) {
  if (ack.acked_bytes > 0) {
    rto_collapsed_ = false;
    consecutive_rtos_ = 0;
  }
  round_acked_bytes_ += ack.acked_bytes;

  bool min_rtt_expired = false;
  if (ack.rtt_usec.has_value()) {
    const Usec rtt = std::max<Usec>(*ack.rtt_usec, 0);
    min_rtt_expired = min_rtt_usec_ != kNever && now > min_rtt_stamp_ + kMinRttWindowUsec;
    if (min_rtt_usec_ == kNever || rtt <= min_rtt_usec_ || min_rtt_expired) {
      min_rtt_usec_ = rtt;
      min_rtt_stamp_ = now;
    }
    round_min_rtt_usec_ = std::min(round_min_rtt_usec_, rtt);
  }

  round_start_ = false;
  if (ack.rate_sample.has_value()) {
    updateRound(*ack.rate_sample);
    updateBandwidth(*ack.rate_sample);
  }
  updateAckAggregation(now, ack.acked_bytes);
  if (ack.rate_sample.has_value()) checkFullBandwidth(*ack.rate_sample);

  if (min_rtt_expired && mode_ != CongestionMode::kProbeRtt) {
    mode_before_probe_rtt_ = filled_pipe_ ? CongestionMode::kProbeBw : CongestionMode::kStartup;
    mode_ = CongestionMode::kProbeRtt;
    pacing_gain_ = 1.0;
    probe_rtt_done_stamp_ = kNever;
  }
  updateMode(now, ack.bytes_in_flight);
  updatePacingRate();
  updateCwnd(ack.acked_bytes);
}

void BbrController::updateRound(const RateSample& sample) {
  if (sample.prior_delivered < next_round_delivered_) return;
  next_round_delivered_ = sample.total_delivered;
  ++round_count_;
  round_start_ = true;
  endRound();
}

void BbrController::endRound() {
  const uint64_t resolved = round_acked_bytes_ + round_lost_bytes_;
  const double loss_rate =
      resolved == 0 ? 0 : static_cast<double>(round_lost_bytes_) / static_cast<double>(resolved);
  const Usec queue_threshold =
      std::max<Usec>(static_cast<Usec>(static_cast<double>(min_rtt_usec_) * kQueueDelayFraction),
                     kQueueDelayFloorUsec);
  const bool queueing = min_rtt_usec_ != kNever && round_min_rtt_usec_ != kNever &&
                        round_min_rtt_usec_ > min_rtt_usec_ + queue_threshold;
  // The packets resolved in this round were (mostly) sent in the round before it.
  const bool sent_clean = previous_round_clean_;
  previous_round_clean_ = current_round_clean_;
  last_round_clean_ = current_round_clean_;
  current_round_clean_ = true;

  if (sent_clean && !queueing && resolved > 0) {
    // Sent no faster than the path delivers, and no queue: the loss is random. Both
    // weights decay alike, so their ratio is a byte-weighted average of recent clean
    // rounds.
    loss_acked_weight_ =
        loss_acked_weight_ * kLossDecayPerRound + static_cast<double>(round_acked_bytes_);
    loss_lost_weight_ =
        loss_lost_weight_ * kLossDecayPerRound + static_cast<double>(round_lost_bytes_);
    random_loss_rate_ = std::min(kMaxCompensatedLossRate,
                                 loss_lost_weight_ / (loss_acked_weight_ + loss_lost_weight_));
  } else if (resolved > 0 && round_lost_bytes_ >= 2 * kCongestionPacketBytes) {
    // Loss beyond the random rate is congestion. With a standing queue, 2 % excess is
    // enough; without one, the excess must also stand out of the round's binomial noise.
    const double packets = static_cast<double>(resolved) / kPacketBytesD;
    const double noise =
        3 * std::sqrt(random_loss_rate_ * (1 - random_loss_rate_) / std::max(packets, 1.0));
    const double excess = loss_rate - random_loss_rate_;
    if (excess > kCongestiveLossRate && (queueing || excess > kCongestiveLossRate + noise)) {
      ++congestive_loss_rounds_;
      if (has_bandwidth_) {
        // The round's best delivery rate is what the full bottleneck passed.
        const double best = bandwidth_filter_.best();
        const double cut =
            std::min(best, std::max(round_max_delivery_rate_, kCongestionBeta * best));
        bandwidth_filter_.reset(round_count_, cut);
      }
      filled_pipe_ = true;
      end_probe_phase_ = true;
    }
  }
  round_acked_bytes_ = 0;
  round_lost_bytes_ = 0;
  round_min_rtt_usec_ = kNever;
  round_max_delivery_rate_ = 0;
}

void BbrController::updateBandwidth(const RateSample& sample) {
  if (sample.interval_usec <= 0) return;
  // A sample over less than one RTT comes from compressed acks: it would overstate.
  if (min_rtt_usec_ != kNever && sample.interval_usec < min_rtt_usec_) return;
  const double rate = sample.delivery_rate_bytes_per_sec;
  round_max_delivery_rate_ = std::max(round_max_delivery_rate_, rate);
  if (!has_bandwidth_) {
    bandwidth_filter_.reset(round_count_, rate);
    has_bandwidth_ = true;
    return;
  }
  // An app-limited sample says only "at least this much". So does one of ProbeRtt's
  // small window, or of the round after it (its packets were sent under that window).
  const bool window_limited =
      mode_ == CongestionMode::kProbeRtt || round_count_ <= probe_rtt_exit_round_ + 1;
  if ((sample.is_app_limited || window_limited) && rate < bandwidth_filter_.best()) return;
  bandwidth_filter_.update(round_count_, rate);
}

void BbrController::updateAckAggregation(Usec now, uint64_t acked_bytes) {
  if (!has_bandwidth_ || acked_bytes == 0) return;
  // What the model says should have been acked since the epoch began (acked bytes
  // exclude random loss: the delivery rate, not the compensated bandwidth).
  const double ack_rate = deliveryRate();
  double expected = 0;
  if (ack_epoch_start_ != kNever) {
    expected = ack_rate * static_cast<double>(now - ack_epoch_start_) / kUsecPerSecD;
  }
  if (ack_epoch_start_ == kNever || static_cast<double>(ack_epoch_acked_bytes_) <= expected) {
    // Acks are not ahead of the model: a new epoch starts here.
    ack_epoch_start_ = now;
    ack_epoch_acked_bytes_ = 0;
    expected = 0;
  }
  ack_epoch_acked_bytes_ += acked_bytes;
  const double extra = std::min(static_cast<double>(ack_epoch_acked_bytes_) - expected,
                                static_cast<double>(cwnd_bytes_));
  extra_acked_filter_.update(round_count_, std::max(extra, 0.0));
}

void BbrController::checkFullBandwidth(const RateSample& sample) {
  if (filled_pipe_ || !round_start_ || sample.is_app_limited || !has_bandwidth_) return;
  const double bw = deliveryRate();
  if (bw >= full_bandwidth_ * kFullBandwidthGrowth) {
    full_bandwidth_ = bw;
    full_bandwidth_count_ = 0;
    return;
  }
  if (++full_bandwidth_count_ >= kFullBandwidthRounds) filled_pipe_ = true;
}

void BbrController::setPacingGainPhase(Usec now, size_t phase) {
  cycle_phase_ = phase;
  cycle_stamp_ = now;
  phase_start_round_ = round_count_;
  pacing_gain_ = kPacingGainCycle[phase];
  if (pacing_gain_ > 1.0) probe_rate_sent_ = clampRate(pacing_gain_ * bandwidth());
}

void BbrController::enterProbeBw(Usec now) {
  mode_ = CongestionMode::kProbeBw;
  cwnd_gain_ = kProbeBwCwndGain;
  end_probe_phase_ = false;
  setPacingGainPhase(now, 0);
}

void BbrController::updateMode(Usec now, uint64_t bytes_in_flight) {
  const double in_flight = static_cast<double>(bytes_in_flight);
  if (mode_ == CongestionMode::kStartup && filled_pipe_) {
    mode_ = CongestionMode::kDrain;
    pacing_gain_ = kDrainGain;
    cwnd_gain_ = kHighGain;
  }
  if (mode_ == CongestionMode::kDrain && in_flight <= bdpBytes(1.0)) enterProbeBw(now);

  if (mode_ == CongestionMode::kProbeBw) {
    const Usec elapsed = now - cycle_stamp_;
    const Usec min_rtt = minRttOrInitial();
    bool next = false;
    if (pacing_gain_ > 1.0) {
      // Probe until the extra inflight is really out, or a congestive round stops it.
      // The time limit keeps a probe that cannot fill the pipe (acks held by the peer)
      // from lasting forever.
      next = end_probe_phase_ || (elapsed > min_rtt && in_flight >= bdpBytes(pacing_gain_)) ||
             elapsed > 2 * min_rtt;
    } else if (pacing_gain_ < 1.0) {
      // Drain until the pipe holds one BDP, not just for one min RTT: the bandwidth
      // filter keeps the largest of noisy samples, so cruising at gain 1 slowly builds a
      // queue that a fixed-length phase would never remove (up to the window: one BDP
      // of standing queue). The time limit covers a pipe that cannot get there (acks
      // held by the peer).
      const bool drained = in_flight <= bdpBytes(1.0) || elapsed > kMaxDrainPhaseRtts * min_rtt;
      // With loss around, this phase (sent no faster than the delivery rate) also lasts
      // one whole clean round, which measures the random loss rate (endRound()).
      const bool measuring = random_loss_rate_ > 0 ||
                             (seen_loss_ && round_count_ <= last_loss_round_ + kLossMemoryRounds);
      const bool measured =
          round_start_ && last_round_clean_ && round_count_ >= phase_start_round_ + 2;
      next = drained &&
             (!measuring || measured || round_count_ >= phase_start_round_ + kMaxMeasureRounds);
    } else {
      next = elapsed > min_rtt;
    }
    end_probe_phase_ = false;
    if (next) setPacingGainPhase(now, (cycle_phase_ + 1) % kPacingGainCycle.size());
  }

  if (mode_ == CongestionMode::kProbeRtt) {
    if (probe_rtt_done_stamp_ == kNever) {
      if (bytes_in_flight <= cwndFloorBytes()) {
        probe_rtt_done_stamp_ = now + kProbeRttDurationUsec;
        probe_rtt_start_round_ = round_count_;
      }
    } else if (now >= probe_rtt_done_stamp_ && round_count_ > probe_rtt_start_round_) {
      min_rtt_stamp_ = now;
      probe_rtt_exit_round_ = round_count_;
      if (mode_before_probe_rtt_ == CongestionMode::kProbeBw) {
        enterProbeBw(now);
      } else {
        mode_ = CongestionMode::kStartup;
        pacing_gain_ = kHighGain;
        cwnd_gain_ = kHighGain;
      }
    }
  }
}

void BbrController::updatePacingRate() {
  const double bw = bandwidth();
  double target = pacing_gain_ * bw;
  if (mode_ == CongestionMode::kProbeBw && pacing_gain_ < 1.0) {
    // Drain what the last probe really sent above the estimate: if SendRateMax held the
    // probe at the estimate, there is no queue to drain.
    const double base = hasMaxClamp() ? std::min(bw, static_cast<double>(max_rate_)) : bw;
    const double overshoot = std::max(0.0, probe_rate_sent_ - base);
    target = std::max(target, base - overshoot);
    // Never above the delivery rate: this phase's rounds are the clean ones.
    target = std::min(target, deliveryRate());
  }
  double rate = clampRate(target);
  // In Startup the rate only grows once samples arrive: a small early sample (one packet
  // per RTT) must not slow the ramp down.
  if (mode_ == CongestionMode::kStartup && has_bandwidth_) {
    rate = std::max(rate, clampRate(static_cast<double>(pacing_rate_bytes_per_sec_)));
  }
  pacing_rate_bytes_per_sec_ = static_cast<uint64_t>(rate);
}

void BbrController::updateCwnd(uint64_t acked_bytes) {
  double target = bdpBytes(cwnd_gain_);
  if (has_bandwidth_ && min_rtt_usec_ != kNever) {
    const double aggregation_cap =
        bandwidth() * static_cast<double>(kMaxAckAggregationUsec) / kUsecPerSecD;
    target += std::min(extra_acked_filter_.best(), aggregation_cap);
  }
  const double cwnd = static_cast<double>(cwnd_bytes_);
  const double grown = cwnd + static_cast<double>(acked_bytes);
  double next = cwnd;
  if (filled_pipe_) {
    next = std::min(grown, target);
  } else if (cwnd < target || !has_bandwidth_) {
    // Startup: grow with every ack (doubling per round), up to the target.
    next = grown;
  }
  next = std::min(next, kMaxRepresentableRate);
  cwnd_bytes_ = std::max(static_cast<uint64_t>(next), cwndFloorBytes());
}

CongestionState BbrController::state() const {
  CongestionState state;
  state.mode = mode_;
  state.pacing_rate_bytes_per_sec = pacing_rate_bytes_per_sec_;
  state.cwnd_bytes = congestionWindowBytes();
  state.send_rate_bytes_per_sec = static_cast<uint64_t>(clampRate(bandwidth()));
  state.bandwidth_bytes_per_sec =
      has_bandwidth_ ? static_cast<uint64_t>(std::min(bandwidth(), kMaxRepresentableRate)) : 0;
  state.min_rtt_usec = min_rtt_usec_;
  state.pacing_gain = pacing_gain_;
  state.random_loss_rate = random_loss_rate_;
  state.delivery_rate_bytes_per_sec =
      has_bandwidth_ ? static_cast<uint64_t>(std::min(deliveryRate(), kMaxRepresentableRate)) : 0;
  state.round_count = round_count_;
  state.congestive_loss_rounds = congestive_loss_rounds_;
  state.rto_count = rto_count_;
  state.filled_pipe = filled_pipe_;
  return state;
}

std::unique_ptr<CongestionController> makeDefaultCongestionController(uint64_t min_bytes_per_sec,
                                                                      uint64_t max_bytes_per_sec) {
  return std::make_unique<BbrController>(min_bytes_per_sec, max_bytes_per_sec);
}

}  // namespace opengns::snp
