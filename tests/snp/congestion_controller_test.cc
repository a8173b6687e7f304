// BbrController and DeliveryRateEstimator (snp.md §8, LOCAL), in virtual time.
//
// The controller is driven through a small packet-level model of one path, written here:
// a bottleneck of rate R with a drop-tail FIFO queue of limited bytes, a fixed base RTT
// split evenly between the two directions, optional random (non-congestive) loss after
// or before the bottleneck, and a receiver that acks every packet at once or holds its
// acks (count / delay), reporting the hold time like the ack delay field (§3.7). The
// sender is always backlogged unless an application rate is set; it sends whenever the
// Pacer and the congestion window allow, detects losses as an in-order link shows them
// (an unacked packet below an acked one is lost) and by RTO, and feeds everything to the
// controller exactly as the session will (DeliveryRateEstimator stamps, AckEvent).
#include "snp/congestion_controller.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <optional>
#include <random>
#include <vector>

#include "snp/pacer.h"
#include "snp/rtt_estimator.h"

namespace opengns::snp {
namespace {

constexpr uint32_t kPacketBytes = 1248;

// ---------------------------------------------------------------------------------------
// The path model.

struct PathConfig {
  double rate_bytes_per_sec = 10e6;
  Usec base_rtt_usec = 20 * kUsecPerMsec;
  int64_t queue_limit_bytes = 0;  // 0: one BDP (at least 8 packets)
  double random_loss = 0;         // probability per packet
  bool loss_before_bottleneck = false;
  int ack_every_packets = 1;          // the receiver acks after this many packets ...
  Usec ack_hold_usec = 0;             // ... or this long after the first unacked one
  double app_rate_bytes_per_sec = 0;  // 0: bulk (always backlogged)
  uint64_t min_rate = kDefaultSendRateMinBytesPerSec;
  uint64_t max_rate = kDefaultSendRateMaxBytesPerSec;
  uint32_t seed = 1;
};

class PathModel {
 public:
  explicit PathModel(const PathConfig& config)
      : config_(config),
        controller_(config.min_rate, config.max_rate),
        pacer_(controller_.pacingRateBytesPerSec()),
        random_(config.seed) {
    queue_limit_bytes_ = config.queue_limit_bytes;
    if (queue_limit_bytes_ == 0) {
      queue_limit_bytes_ = std::max<int64_t>(
          8 * kPacketBytes, static_cast<int64_t>(config.rate_bytes_per_sec *
                                                 static_cast<double>(config.base_rtt_usec) / 1e6));
    }
  }

  // Runs the model up to virtual time `end`. `observe` (if any) is called after every
  // event with the current time.
  template <typename Observer>
  void runUntil(Usec end, Observer&& observe) {
    while (true) {
      Usec next = std::min({sender_wake_, ack_timer_, rto_time_, nextArrival(), nextAck()});
      if (next > end) break;
      now_ = std::max(now_, next);
      while (!arrivals_.empty() && arrivals_.front().time <= now_)
        receive();
      if (ack_timer_ <= now_) sendAck();
      while (!acks_.empty() && acks_.front().time <= now_)
        processAck();
      if (rto_time_ <= now_) checkRto();
      trySend();
      observe(now_);
    }
    now_ = end;
  }
  void runUntil(Usec end) {
    runUntil(end, [](Usec) {});
  }

  BbrController& controller() { return controller_; }
  const Pacer& pacer() const { return pacer_; }
  Usec now() const { return now_; }
  double capacity() const { return config_.rate_bytes_per_sec; }
  double bdpBytes() const {
    return config_.rate_bytes_per_sec * static_cast<double>(config_.base_rtt_usec) / 1e6;
  }

  // Bytes that reached the receiver (every copy, retransmissions included) in [from, to).
  uint64_t receivedBytesBetween(Usec from, Usec to) const {
    uint64_t sum = 0;
    for (size_t i = static_cast<size_t>(from / kBinUsec);
         i < received_bins_.size() && static_cast<Usec>(i) * kBinUsec < to; ++i) {
      sum += received_bins_[i];
    }
    return sum;
  }
  double receivedRate(Usec from, Usec to) const {
    return static_cast<double>(receivedBytesBetween(from, to)) * 1e6 /
           static_cast<double>(to - from);
  }

  // Queueing delay of each packet that entered the bottleneck, with its entry time.
  struct QueueSample {
    Usec time;
    double delay_usec;
    uint64_t in_flight;
  };
  const std::vector<QueueSample>& queueSamples() const { return queue_samples_; }
  uint64_t sentPackets() const { return next_number_; }
  uint64_t queueDrops() const { return queue_drops_; }
  uint64_t randomDrops() const { return random_drops_; }
  uint64_t lostDetected() const { return lost_detected_; }
  uint64_t rtos() const { return rto_events_; }

  // The test controls the link: a blackout drops everything that enters the bottleneck;
  // the bottleneck rate may change (packets already queued keep their departure times).
  void setBlackout(bool on) { blackout_ = on; }
  void setLinkRate(double bytes_per_sec) { config_.rate_bytes_per_sec = bytes_per_sec; }

  static constexpr Usec kBinUsec = 100;  // resolution of the receive-rate record

 private:
  struct Arrival {
    Usec time;
    uint64_t number;
    uint32_t bytes;
  };
  struct Ack {
    Usec time;
    std::vector<uint64_t> numbers;
    uint64_t latest;
    Usec hold_usec;
  };
  enum class Fate : uint8_t { kInFlight, kAcked, kLost };
  struct Sent {
    DeliverySample stamp;
    Fate fate = Fate::kInFlight;
  };

  Usec nextArrival() const { return arrivals_.empty() ? kNever : arrivals_.front().time; }
  Usec nextAck() const { return acks_.empty() ? kNever : acks_.front().time; }

  bool chance(double p) {
    return p > 0 && std::uniform_real_distribution<double>(0, 1)(random_) < p;
  }

  void enterLink(uint64_t number, uint32_t bytes) {
    if (blackout_) return;
    if (config_.loss_before_bottleneck && chance(config_.random_loss)) {
      ++random_drops_;
      return;
    }
    const double now = static_cast<double>(now_);
    const double queued_bytes =
        std::max(0.0, link_free_at_ - now) * config_.rate_bytes_per_sec / 1e6;
    if (queued_bytes + bytes > static_cast<double>(queue_limit_bytes_)) {
      ++queue_drops_;
      return;
    }
    const double start = std::max(now, link_free_at_);
    queue_samples_.push_back({now_, start - now, bytes_in_flight_});
    link_free_at_ = start + bytes * 1e6 / config_.rate_bytes_per_sec;
    if (!config_.loss_before_bottleneck && chance(config_.random_loss)) {
      ++random_drops_;  // lost on the wire after using the bottleneck
      return;
    }
    const Usec arrival = static_cast<Usec>(std::ceil(link_free_at_)) + config_.base_rtt_usec / 2;
    arrivals_.push_back({std::max(arrival, nextArrivalFloor()), number, bytes});
  }
  Usec nextArrivalFloor() const { return arrivals_.empty() ? 0 : arrivals_.back().time; }

  void receive() {
    const Arrival arrival = arrivals_.front();
    arrivals_.pop_front();
    const size_t bin = static_cast<size_t>(arrival.time / kBinUsec);
    if (received_bins_.size() <= bin) received_bins_.resize(bin + 1, 0);
    received_bins_[bin] += arrival.bytes;
    pending_ack_.push_back(arrival.number);
    latest_received_ = arrival.number;
    latest_arrival_time_ = arrival.time;
    if (static_cast<int>(pending_ack_.size()) >= config_.ack_every_packets) {
      sendAck();
    } else if (ack_timer_ == kNever) {
      ack_timer_ = now_ + config_.ack_hold_usec;
    }
  }

  void sendAck() {
    ack_timer_ = kNever;
    if (pending_ack_.empty()) return;
    acks_.push_back({now_ + config_.base_rtt_usec / 2, pending_ack_, latest_received_,
                     now_ - latest_arrival_time_});
    pending_ack_.clear();
  }

  Sent& record(uint64_t number) { return sent_[number - sent_base_]; }

  void processAck() {
    Ack ack = std::move(acks_.front());
    acks_.pop_front();
    uint64_t acked_bytes = 0;
    for (uint64_t number : ack.numbers) {
      if (number < sent_base_) continue;
      Sent& sent = record(number);
      if (sent.fate == Fate::kAcked) continue;
      if (sent.fate == Fate::kInFlight) {
        bytes_in_flight_ -= sent.stamp.bytes;
        acked_bytes += sent.stamp.bytes;
      }
      sent.fate = Fate::kAcked;
      estimator_.onPacketAcked(now_, sent.stamp);
    }
    AckEvent event;
    event.acked_bytes = acked_bytes;
    if (ack.latest >= sent_base_) {
      const Usec rtt = now_ - record(ack.latest).stamp.sent_time - ack.hold_usec;
      event.rtt_usec = rtt;
      rtt_.onSample(rtt, now_);
    }
    event.rate_sample = estimator_.takeRateSample();
    event.bytes_in_flight = bytes_in_flight_;
    controller_.onAck(now_, event);
    // In-order link: every packet below the newest acked one that is still unacked is lost.
    uint64_t lost_bytes = 0;
    for (uint64_t n = std::max(loss_cursor_, sent_base_); n < ack.latest; ++n) {
      Sent& sent = record(n);
      if (sent.fate == Fate::kInFlight) {
        sent.fate = Fate::kLost;
        bytes_in_flight_ -= sent.stamp.bytes;
        lost_bytes += sent.stamp.bytes;
        ++lost_detected_;
      }
    }
    loss_cursor_ = std::max(loss_cursor_, ack.latest);
    if (lost_bytes > 0) controller_.onLoss(now_, lost_bytes, bytes_in_flight_);
    prune();
    pacer_.setRate(now_, controller_.pacingRateBytesPerSec());
    armRto();
  }

  void prune() {
    while (!sent_.empty() && sent_.front().fate != Fate::kInFlight && sent_base_ < loss_cursor_) {
      sent_.pop_front();
      ++sent_base_;
    }
  }

  uint64_t oldestInFlight() const {
    for (uint64_t n = std::max(sent_base_, loss_cursor_); n < next_number_; ++n) {
      if (sent_[n - sent_base_].fate == Fate::kInFlight) return n;
    }
    return next_number_;
  }

  void armRto() {
    const uint64_t oldest = oldestInFlight();
    rto_time_ = oldest == next_number_ ? kNever : record(oldest).stamp.sent_time + rtt_.rto();
  }

  void checkRto() {
    const uint64_t oldest = oldestInFlight();
    if (oldest == next_number_) {
      rto_time_ = kNever;
      return;
    }
    if (record(oldest).stamp.sent_time + rtt_.rto() > now_) {
      armRto();
      return;
    }
    // Everything sent before now - RTO is lost.
    uint64_t lost_bytes = 0;
    for (uint64_t n = oldest; n < next_number_; ++n) {
      Sent& sent = record(n);
      if (sent.stamp.sent_time + rtt_.rto() > now_) break;
      if (sent.fate != Fate::kInFlight) continue;
      sent.fate = Fate::kLost;
      bytes_in_flight_ -= sent.stamp.bytes;
      lost_bytes += sent.stamp.bytes;
      ++lost_detected_;
    }
    ++rto_events_;
    controller_.onLoss(now_, lost_bytes, bytes_in_flight_);
    controller_.onRtoExpired(now_);
    pacer_.setRate(now_, controller_.pacingRateBytesPerSec());
    armRto();
  }

  bool hasData() {
    if (config_.app_rate_bytes_per_sec <= 0) return true;
    app_budget_ = std::min(
        app_budget_ + config_.app_rate_bytes_per_sec * static_cast<double>(now_ - app_last_) / 1e6,
        4.0 * kPacketBytes);
    app_last_ = now_;
    return app_budget_ >= kPacketBytes;
  }

  void trySend() {
    sender_wake_ = kNever;
    while (true) {
      if (!controller_.canSend(bytes_in_flight_)) {
        pacer_.onIdle(now_);
        return;
      }
      if (!pacer_.canSend(now_)) {
        sender_wake_ = pacer_.nextSendTime(now_);
        return;
      }
      if (!hasData()) {
        estimator_.onAppLimited(bytes_in_flight_);
        pacer_.onIdle(now_);
        sender_wake_ = now_ + static_cast<Usec>(std::ceil((kPacketBytes - app_budget_) * 1e6 /
                                                          config_.app_rate_bytes_per_sec));
        return;
      }
      app_budget_ -= kPacketBytes;
      Sent sent;
      sent.stamp = estimator_.onPacketSent(now_, kPacketBytes, bytes_in_flight_);
      controller_.onPacketSent(now_, kPacketBytes, bytes_in_flight_);
      pacer_.onSent(now_, kPacketBytes);
      bytes_in_flight_ += kPacketBytes;
      sent_.push_back(sent);
      const uint64_t number = next_number_++;
      if (rto_time_ == kNever) rto_time_ = now_ + rtt_.rto();
      enterLink(number, kPacketBytes);
    }
  }

  PathConfig config_;
  BbrController controller_;
  Pacer pacer_;
  DeliveryRateEstimator estimator_;
  RttEstimator rtt_;
  std::mt19937 random_;
  int64_t queue_limit_bytes_;
  bool blackout_ = false;

  Usec now_ = 0;
  Usec sender_wake_ = 0;
  Usec ack_timer_ = kNever;
  Usec rto_time_ = kNever;

  // Sender.
  std::deque<Sent> sent_;
  uint64_t sent_base_ = 0;
  uint64_t next_number_ = 0;
  uint64_t loss_cursor_ = 0;
  uint64_t bytes_in_flight_ = 0;
  double app_budget_ = 2.0 * kPacketBytes;
  Usec app_last_ = 0;

  // Link and receiver.
  double link_free_at_ = 0;
  std::deque<Arrival> arrivals_;
  std::deque<Ack> acks_;
  std::vector<uint64_t> pending_ack_;
  uint64_t latest_received_ = 0;
  Usec latest_arrival_time_ = 0;
  std::vector<uint64_t> received_bins_;
  std::vector<QueueSample> queue_samples_;
  uint64_t queue_drops_ = 0;
  uint64_t random_drops_ = 0;
  uint64_t lost_detected_ = 0;
  uint64_t rto_events_ = 0;
};

// The end of the first window of 8 base RTTs (one gain cycle) whose receive rate reaches
// `fraction` of `target`, or kNever.
Usec convergenceTime(const PathModel& model, Usec rtt, Usec end, double target, double fraction) {
  const Usec window = std::max<Usec>(8 * rtt, 2 * PathModel::kBinUsec);
  for (Usec t = 0; t + window <= end; t += std::max<Usec>(rtt / 2, PathModel::kBinUsec)) {
    if (model.receivedRate(t, t + window) >= fraction * target) return t + window;
  }
  return kNever;
}

struct SteadyStats {
  double mean_queue_delay_usec = 0;
  double mean_in_flight = 0;
};
SteadyStats steadyStats(const PathModel& model, Usec from, Usec to) {
  SteadyStats stats;
  uint64_t count = 0;
  for (const auto& sample : model.queueSamples()) {
    if (sample.time < from || sample.time >= to) continue;
    stats.mean_queue_delay_usec += sample.delay_usec;
    stats.mean_in_flight += static_cast<double>(sample.in_flight);
    ++count;
  }
  if (count > 0) {
    stats.mean_queue_delay_usec /= static_cast<double>(count);
    stats.mean_in_flight /= static_cast<double>(count);
  }
  return stats;
}

// ---------------------------------------------------------------------------------------
// DeliveryRateEstimator

TEST(DeliveryRateEstimatorTest, PacedFlightMeasuresTheSendRate) {
  // 1000-byte packets every 100 us (10 MB/s), each acked 10 ms later: every sample after
  // the first flight spans its packets' send and ack intervals and reads 10 MB/s.
  DeliveryRateEstimator estimator;
  std::deque<DeliverySample> in_flight;
  uint64_t bytes_in_flight = 0;
  std::vector<double> rates;
  for (Usec t = 0; t <= 200 * kUsecPerMsec; t += 100) {
    while (!in_flight.empty() && in_flight.front().sent_time + 10 * kUsecPerMsec <= t) {
      estimator.onPacketAcked(t, in_flight.front());
      bytes_in_flight -= in_flight.front().bytes;
      in_flight.pop_front();
      auto sample = estimator.takeRateSample();
      ASSERT_TRUE(sample.has_value());
      rates.push_back(sample->delivery_rate_bytes_per_sec);
    }
    in_flight.push_back(estimator.onPacketSent(t, 1000, bytes_in_flight));
    bytes_in_flight += 1000;
  }
  ASSERT_GT(rates.size(), 1000u);
  for (size_t i = 200; i < rates.size(); ++i)
    EXPECT_NEAR(rates[i], 10e6, 1.0) << i;
  EXPECT_FALSE(estimator.takeRateSample().has_value());  // nothing acked since
}

TEST(DeliveryRateEstimatorTest, OneSamplePerAckFromTheNewestPacket) {
  DeliveryRateEstimator estimator;
  const DeliverySample a = estimator.onPacketSent(0, 1000, 0);
  const DeliverySample b = estimator.onPacketSent(1000, 1000, 1000);
  const DeliverySample c = estimator.onPacketSent(2000, 1000, 2000);
  // One ack frame acks all three (in any order) at t = 10 ms.
  estimator.onPacketAcked(10000, c);
  estimator.onPacketAcked(10000, a);
  estimator.onPacketAcked(10000, b);
  auto sample = estimator.takeRateSample();
  ASSERT_TRUE(sample.has_value());
  EXPECT_EQ(sample->total_delivered, 3000u);
  EXPECT_EQ(sample->prior_delivered, 0u);
  EXPECT_EQ(sample->delivered_bytes, 3000u);
  // Interval: max(send 2000 - 0, ack 10000 - 0) = 10 ms -> 300 kB/s.
  EXPECT_EQ(sample->interval_usec, 10000);
  EXPECT_DOUBLE_EQ(sample->delivery_rate_bytes_per_sec, 300000.0);
}

TEST(DeliveryRateEstimatorTest, IdleTimeIsNotCountedInTheNextFlight) {
  DeliveryRateEstimator estimator;
  const DeliverySample first = estimator.onPacketSent(0, 1000, 0);
  estimator.onPacketAcked(10000, first);
  ASSERT_TRUE(estimator.takeRateSample().has_value());
  // 5 s idle, then a new flight from an empty pipe: measured over its own RTT only.
  const DeliverySample next = estimator.onPacketSent(5 * kUsecPerSec, 1000, 0);
  estimator.onPacketAcked(5 * kUsecPerSec + 10000, next);
  auto sample = estimator.takeRateSample();
  ASSERT_TRUE(sample.has_value());
  EXPECT_EQ(sample->interval_usec, 10000);
  EXPECT_DOUBLE_EQ(sample->delivery_rate_bytes_per_sec, 100000.0);
}

TEST(DeliveryRateEstimatorTest, AppLimitedMarksTheFlightUntilItIsDelivered) {
  DeliveryRateEstimator estimator;
  const DeliverySample a = estimator.onPacketSent(0, 1000, 0);
  estimator.onAppLimited(1000);  // nothing more to send: app-limited until 1000 delivered
  EXPECT_TRUE(estimator.appLimited());
  const DeliverySample b = estimator.onPacketSent(100, 1000, 1000);
  EXPECT_FALSE(a.app_limited_at_send);
  EXPECT_TRUE(b.app_limited_at_send);
  estimator.onPacketAcked(10000, a);
  EXPECT_TRUE(estimator.appLimited());  // delivered == 1000, not beyond
  ASSERT_FALSE(estimator.takeRateSample()->is_app_limited);
  estimator.onPacketAcked(10100, b);
  EXPECT_FALSE(estimator.appLimited());
  EXPECT_TRUE(estimator.takeRateSample()->is_app_limited);
}

// ---------------------------------------------------------------------------------------
// WindowedMaxFilter

TEST(WindowedMaxFilterTest, TracksTheMaximumAndForgetsOldOnes) {
  WindowedMaxFilter filter(10);
  filter.reset(0, 5);
  filter.update(1, 3);
  filter.update(2, 8);
  EXPECT_EQ(filter.best(), 8);
  for (uint64_t t = 3; t <= 12; ++t)
    filter.update(t, 4);
  EXPECT_EQ(filter.best(), 8);  // age 10, still inside
  filter.update(13, 4);
  EXPECT_EQ(filter.best(), 4);  // 8 aged out
  filter.update(14, 2);
  EXPECT_EQ(filter.best(), 4);
  // Decreasing samples: the best follows within the window.
  WindowedMaxFilter decreasing(10);
  decreasing.reset(0, 100);
  for (uint64_t t = 1; t <= 40; ++t) {
    decreasing.update(t, 100.0 - static_cast<double>(t));
    // Never below the true maximum of the last 10 steps, never above that of 10 + 10/4.
    EXPECT_GE(decreasing.best(), 100.0 - static_cast<double>(t)) << t;
    EXPECT_LE(decreasing.best(), 100.0 - static_cast<double>(t) + 10 + 10 / 4 + 1) << t;
  }
}

// ---------------------------------------------------------------------------------------
// Rate limits (no model needed).

TEST(BbrControllerTest, RateLimitsAreClampedToTheConfigRange) {
  BbrController controller(1, 1);  // below the range: both become 1024
  EXPECT_EQ(controller.pacingRateBytesPerSec(), kSendRateConfigMinBytesPerSec);
  controller.setRateLimits(500000, 100000);  // min above max: the cap wins
  EXPECT_EQ(controller.pacingRateBytesPerSec(), 100000u);
  controller.setRateLimits(300000, 300000);
  EXPECT_EQ(controller.pacingRateBytesPerSec(), 300000u);
  EXPECT_EQ(controller.state().send_rate_bytes_per_sec, 300000u);
}

TEST(BbrControllerTest, InitialRateIsTheInitialWindowPerAssumedRttWithinTheLimits) {
  // 10 x 1248 bytes per 200 ms x 2.885 = 180 kB/s: below the default floor of 256 KiB/s.
  BbrController defaults;
  EXPECT_EQ(defaults.pacingRateBytesPerSec(), kDefaultSendRateMinBytesPerSec);
  BbrController low_floor(kSendRateConfigMinBytesPerSec, kDefaultSendRateMaxBytesPerSec);
  EXPECT_NEAR(static_cast<double>(low_floor.pacingRateBytesPerSec()),
              BbrController::kHighGain * 10 * 1248 / 0.2, 2.0);
  EXPECT_EQ(low_floor.state().mode, CongestionMode::kStartup);
  EXPECT_EQ(low_floor.congestionWindowBytes(), 10u * 1248);
  EXPECT_TRUE(low_floor.canSend(9 * 1248));
  EXPECT_FALSE(low_floor.canSend(10 * 1248));
}

TEST(BbrControllerTest, WindowFloorLetsSendRateMinThrough) {
  // min 10 MB/s with a 20 ms min RTT: the window must hold 10 MB/s x (2 x 20 + 50) ms.
  BbrController controller(10'000'000, kDefaultSendRateMaxBytesPerSec);
  AckEvent ack;
  ack.rtt_usec = 20 * kUsecPerMsec;
  controller.onAck(0, ack);
  EXPECT_GE(controller.congestionWindowBytes(), 900'000u);
  controller.onRtoExpired(1000);
  EXPECT_GE(controller.congestionWindowBytes(), 900'000u);
  EXPECT_EQ(controller.pacingRateBytesPerSec(), 10'000'000u);
}

// ---------------------------------------------------------------------------------------
// Convergence from startup on clean paths.

struct ConvergenceCase {
  const char* name;
  double rate;
  Usec rtt;
  Usec duration;
  int max_rtts_to_converge;
};

class ConvergenceTest : public testing::TestWithParam<ConvergenceCase> {};

TEST_P(ConvergenceTest, ReachesTheBottleneckRateWithABoundedQueue) {
  const ConvergenceCase& c = GetParam();
  PathConfig config;
  config.rate_bytes_per_sec = c.rate;
  config.base_rtt_usec = c.rtt;
  config.queue_limit_bytes =
      static_cast<int64_t>(2 * c.rate * static_cast<double>(c.rtt) / 1e6) + 16 * kPacketBytes;
  PathModel model(config);
  uint64_t max_pacing = 0;
  model.runUntil(c.duration, [&](Usec) {
    max_pacing = std::max(max_pacing, model.controller().pacingRateBytesPerSec());
  });
  const Usec converged = convergenceTime(model, c.rtt, c.duration, c.rate, 0.85);
  ASSERT_NE(converged, kNever);
  const double rtts = static_cast<double>(converged) / static_cast<double>(c.rtt);
  const double after = model.receivedRate(converged, c.duration) / c.rate;
  const Usec steady_from = converged + (c.duration - converged) / 3;
  const SteadyStats steady = steadyStats(model, steady_from, c.duration);
  const CongestionState state = model.controller().state();
  std::printf(
      "[%s] converged after %.1f RTTs, then %.1f %% of capacity; steady queue delay %.2f "
      "RTT, in flight %.2f BDP; estimate %.3f of capacity; drops %llu; mode %s\n",
      c.name, rtts, 100 * after, steady.mean_queue_delay_usec / static_cast<double>(c.rtt),
      steady.mean_in_flight / model.bdpBytes(),
      static_cast<double>(state.bandwidth_bytes_per_sec) / c.rate,
      static_cast<unsigned long long>(model.queueDrops()), congestionModeName(state.mode));
  EXPECT_LE(rtts, c.max_rtts_to_converge);
  EXPECT_GE(after, 0.90);
  // Steady state keeps the queue short: on average under 0.3 base RTT of delay (BBR's
  // 2 x BDP window would allow a whole one), inflight near one BDP.
  EXPECT_LE(steady.mean_queue_delay_usec, 0.3 * static_cast<double>(c.rtt));
  EXPECT_LE(steady.mean_in_flight, 1.4 * model.bdpBytes());
  EXPECT_NEAR(static_cast<double>(state.bandwidth_bytes_per_sec) / c.rate, 1.0, 0.15);
  EXPECT_TRUE(state.filled_pipe);
  // SendRateMax at the top of its range is no clamp: 1 GB/s is above it.
  if (c.rate > static_cast<double>(kSendRateConfigMaxBytesPerSec)) {
    EXPECT_GT(max_pacing, kSendRateConfigMaxBytesPerSec);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Paths, ConvergenceTest,
    testing::Values(
        ConvergenceCase{"loopback_1GBps_50us", 1e9, 50, 150 * kUsecPerMsec, 30},
        ConvergenceCase{"lan_100MBps_1ms", 100e6, 1 * kUsecPerMsec, 500 * kUsecPerMsec, 30},
        ConvergenceCase{"mid_10MBps_20ms", 10e6, 20 * kUsecPerMsec, 4 * kUsecPerSec, 30},
        ConvergenceCase{"wan_1MBps_100ms", 1e6, 100 * kUsecPerMsec, 25 * kUsecPerSec, 30}),
    [](const testing::TestParamInfo<ConvergenceCase>& info) {
      return std::string(info.param.name);
    });

// ---------------------------------------------------------------------------------------
// Random (non-congestive) loss.

struct LossCase {
  const char* name;
  double loss;
  bool before_bottleneck;
  double min_fraction;  // of what the path can deliver
};

class RandomLossTest : public testing::TestWithParam<LossCase> {};

TEST_P(RandomLossTest, KeepsMostOfTheCapacity) {
  const LossCase& c = GetParam();
  PathConfig config;
  config.rate_bytes_per_sec = 10e6;
  config.base_rtt_usec = 20 * kUsecPerMsec;
  config.random_loss = c.loss;
  config.loss_before_bottleneck = c.before_bottleneck;
  config.seed = 7;
  PathModel model(config);
  const Usec end = 12 * kUsecPerSec;
  model.runUntil(end);
  // Loss after the bottleneck wastes its capacity: at most C x (1 - p) arrives. Loss
  // before it leaves the bottleneck to the rest: up to C arrives.
  const double deliverable = c.before_bottleneck ? 10e6 : 10e6 * (1 - c.loss);
  const double fraction = model.receivedRate(2 * kUsecPerSec, end) / deliverable;
  const CongestionState state = model.controller().state();
  std::printf(
      "[%s] receive rate %.1f %% of deliverable; loss estimate %.3f; estimate %.3f of "
      "capacity; congestive rounds %llu; queue drops %llu; rtos %llu\n",
      c.name, 100 * fraction, state.random_loss_rate,
      static_cast<double>(state.bandwidth_bytes_per_sec) / 10e6,
      static_cast<unsigned long long>(state.congestive_loss_rounds),
      static_cast<unsigned long long>(model.queueDrops()),
      static_cast<unsigned long long>(model.rtos()));
  EXPECT_GE(fraction, c.min_fraction);
  EXPECT_NEAR(state.random_loss_rate, c.loss, 0.35 * c.loss);
}

INSTANTIATE_TEST_SUITE_P(Losses, RandomLossTest,
                         testing::Values(LossCase{"after_5pct", 0.05, false, 0.9},
                                         LossCase{"after_10pct", 0.10, false, 0.9},
                                         LossCase{"after_30pct", 0.30, false, 0.9},
                                         LossCase{"before_5pct", 0.05, true, 0.9},
                                         LossCase{"before_10pct", 0.10, true, 0.9},
                                         LossCase{"before_30pct", 0.30, true, 0.9}),
                         [](const testing::TestParamInfo<LossCase>& info) {
                           return std::string(info.param.name);
                         });

// ---------------------------------------------------------------------------------------
// Congestive loss.

struct ShallowCase {
  double queue_bdp;
  double min_fraction;
  double max_loss;
};

TEST(BbrControllerTest, CongestiveLossInShallowBuffersIsBounded) {
  // Here loss comes from the queue overflowing with little delay to show it: the clean
  // rounds must find no random loss, so there is no compensation to run away with.
  for (const ShallowCase c : {ShallowCase{0.1, 0.90, 0.04}, ShallowCase{0.25, 0.90, 0.02},
                              ShallowCase{4.0, 0.97, 0.001}}) {
    PathConfig config;
    config.rate_bytes_per_sec = 10e6;
    config.base_rtt_usec = 20 * kUsecPerMsec;
    config.queue_limit_bytes = static_cast<int64_t>(c.queue_bdp * 200000);
    PathModel model(config);
    const Usec end = 10 * kUsecPerSec;
    model.runUntil(end);
    const double fraction = model.receivedRate(2 * kUsecPerSec, end) / 10e6;
    const double loss =
        static_cast<double>(model.queueDrops()) / static_cast<double>(model.sentPackets());
    const CongestionState state = model.controller().state();
    std::printf(
        "[queue %.2f BDP] receive rate %.1f %%, loss %.2f %%, loss estimate %.3f, "
        "congestive rounds %llu\n",
        c.queue_bdp, 100 * fraction, 100 * loss, state.random_loss_rate,
        static_cast<unsigned long long>(state.congestive_loss_rounds));
    EXPECT_GE(fraction, c.min_fraction) << c.queue_bdp;
    EXPECT_LE(loss, c.max_loss) << c.queue_bdp;
    EXPECT_LE(state.random_loss_rate, 0.01) << c.queue_bdp;
  }
}

TEST(BbrControllerTest, FollowsACapacityDrop) {
  PathConfig config;
  config.rate_bytes_per_sec = 10e6;
  config.base_rtt_usec = 20 * kUsecPerMsec;
  PathModel model(config);
  model.runUntil(3 * kUsecPerSec);
  model.setLinkRate(4e6);
  model.runUntil(8 * kUsecPerSec);
  const CongestionState state = model.controller().state();
  EXPECT_NEAR(static_cast<double>(state.bandwidth_bytes_per_sec), 4e6, 0.15 * 4e6);
  EXPECT_GE(model.receivedRate(5 * kUsecPerSec, 8 * kUsecPerSec), 0.9 * 4e6);
  const SteadyStats steady = steadyStats(model, 5 * kUsecPerSec, 8 * kUsecPerSec);
  EXPECT_LE(steady.mean_queue_delay_usec, 0.5 * 20 * kUsecPerMsec);
  // And back up: the probes find the new capacity.
  model.setLinkRate(10e6);
  model.runUntil(12 * kUsecPerSec);
  EXPECT_GE(model.receivedRate(10 * kUsecPerSec, 12 * kUsecPerSec), 0.85 * 10e6);
}

TEST(BbrControllerTest, ProbeRttRefreshesTheMinRttEveryTenSeconds) {
  PathConfig config;
  config.rate_bytes_per_sec = 10e6;
  config.base_rtt_usec = 20 * kUsecPerMsec;
  PathModel model(config);
  Usec entered = kNever;
  Usec left = kNever;
  double max_probe_rtt_window_excess = -1e9;
  model.runUntil(13 * kUsecPerSec, [&](Usec now) {
    const bool in_probe_rtt = model.controller().state().mode == CongestionMode::kProbeRtt;
    if (in_probe_rtt && entered == kNever) entered = now;
    if (!in_probe_rtt && entered != kNever && left == kNever) left = now;
    if (in_probe_rtt) {
      // The window floor: 4 packets, or what SendRateMin needs for 2 x min RTT + 50 ms.
      const Usec min_rtt = model.controller().state().min_rtt_usec;
      max_probe_rtt_window_excess =
          std::max(max_probe_rtt_window_excess,
                   static_cast<double>(model.controller().congestionWindowBytes()) -
                       std::max(4.0 * kPacketBytes,
                                kDefaultSendRateMinBytesPerSec *
                                    static_cast<double>(2 * min_rtt + 50 * kUsecPerMsec) / 1e6));
    }
  });
  ASSERT_NE(entered, kNever);
  ASSERT_NE(left, kNever);
  EXPECT_LE(max_probe_rtt_window_excess, 1.0);
  // The minimum is at most 10 s old when it expires; the window is held >= 200 ms.
  EXPECT_GE(entered, 10 * kUsecPerSec);
  EXPECT_LE(entered, 11 * kUsecPerSec);
  EXPECT_GE(left - entered, 200 * kUsecPerMsec);
  EXPECT_LE(left - entered, 400 * kUsecPerMsec);
  EXPECT_EQ(model.controller().state().mode, CongestionMode::kProbeBw);
  EXPECT_LE(model.controller().state().min_rtt_usec, 20 * kUsecPerMsec + 2000);
  EXPECT_GE(model.receivedRate(9 * kUsecPerSec, 13 * kUsecPerSec), 0.9 * 10e6);
}

TEST(BbrControllerTest, BlackoutCollapsesTheWindowThenRecovers) {
  PathConfig config;
  config.rate_bytes_per_sec = 10e6;
  config.base_rtt_usec = 20 * kUsecPerMsec;
  PathModel model(config);
  model.runUntil(3 * kUsecPerSec);
  model.setBlackout(true);
  model.runUntil(5 * kUsecPerSec);
  EXPECT_GE(model.rtos(), 2u);
  const CongestionState during = model.controller().state();
  EXPECT_GE(during.rto_count, 2u);
  // Nothing acked: the window sits at its floor, the model decays but not below the floor.
  const double min_rtt = static_cast<double>(during.min_rtt_usec);
  EXPECT_NEAR(static_cast<double>(model.controller().congestionWindowBytes()),
              std::max(4.0 * kPacketBytes,
                       kDefaultSendRateMinBytesPerSec * (2 * min_rtt + 50 * kUsecPerMsec) / 1e6),
              1.0);
  EXPECT_GE(model.controller().pacingRateBytesPerSec(), kDefaultSendRateMinBytesPerSec);
  model.setBlackout(false);
  model.runUntil(9 * kUsecPerSec);
  EXPECT_GE(model.receivedRate(7 * kUsecPerSec, 9 * kUsecPerSec), 0.9 * 10e6);
}

TEST(BbrControllerTest, AppLimitedTrafficIsNotHeldBack) {
  // A game-like sender at 1 MB/s on a 10 MB/s path: everything goes out when produced,
  // with no queue, and the model does not sink below what the application sends.
  PathConfig config;
  config.rate_bytes_per_sec = 10e6;
  config.base_rtt_usec = 20 * kUsecPerMsec;
  config.app_rate_bytes_per_sec = 1e6;
  PathModel model(config);
  model.runUntil(10 * kUsecPerSec);
  EXPECT_NEAR(model.receivedRate(1 * kUsecPerSec, 10 * kUsecPerSec), 1e6, 0.02 * 1e6);
  const SteadyStats steady = steadyStats(model, 1 * kUsecPerSec, 10 * kUsecPerSec);
  EXPECT_LE(steady.mean_queue_delay_usec, 1000);
  EXPECT_GE(model.controller().state().bandwidth_bytes_per_sec, 0.95e6);
  EXPECT_GE(model.controller().pacingRateBytesPerSec(), 0.95e6);
}

// ---------------------------------------------------------------------------------------
// Acks held by the receiver (a GNS peer holds acks of reliable data up to 50 ms, §3.2).

struct HeldAckCase {
  const char* name;
  int ack_every_packets;
  Usec hold_usec;
  double min_fraction;
};

class HeldAckTest : public testing::TestWithParam<HeldAckCase> {};

TEST_P(HeldAckTest, AggregatedAcksStillFillThePipe) {
  const HeldAckCase& c = GetParam();
  PathConfig config;
  config.rate_bytes_per_sec = 100e6;
  config.base_rtt_usec = 1 * kUsecPerMsec;
  config.queue_limit_bytes = 10'000'000;
  config.ack_every_packets = c.ack_every_packets;
  config.ack_hold_usec = c.hold_usec;
  PathModel model(config);
  const Usec end = 3 * kUsecPerSec;
  model.runUntil(end);
  const double fraction = model.receivedRate(1 * kUsecPerSec, end) / 100e6;
  const CongestionState state = model.controller().state();
  std::printf("[%s] receive rate %.1f %%, window %.1f BDP, estimate %.3f of capacity\n", c.name,
              100 * fraction, static_cast<double>(state.cwnd_bytes) / model.bdpBytes(),
              static_cast<double>(state.bandwidth_bytes_per_sec) / 100e6);
  EXPECT_GE(fraction, c.min_fraction);
}

INSTANTIATE_TEST_SUITE_P(Receivers, HeldAckTest,
                         testing::Values(HeldAckCase{"every_8_or_1ms", 8, 1 * kUsecPerMsec, 0.95},
                                         HeldAckCase{"every_64_or_5ms", 64, 5 * kUsecPerMsec, 0.95},
                                         HeldAckCase{"gns_50ms", 1 << 30, 50 * kUsecPerMsec, 0.9}),
                         [](const testing::TestParamInfo<HeldAckCase>& info) {
                           return std::string(info.param.name);
                         });

// ---------------------------------------------------------------------------------------
// Rate limits through the model.

TEST(BbrControllerTest, MinEqualsMaxPinsTheRateExactly) {
  for (double capacity : {10e6, 100e3}) {  // above and below the pinned rate
    PathConfig config;
    config.rate_bytes_per_sec = capacity;
    config.base_rtt_usec = 20 * kUsecPerMsec;
    config.min_rate = 262144;
    config.max_rate = 262144;
    PathModel model(config);
    model.runUntil(10 * kUsecPerSec, [&](Usec) {
      ASSERT_EQ(model.controller().pacingRateBytesPerSec(), 262144u);
      ASSERT_EQ(model.pacer().rateBytesPerSec(), 262144u);
    });
    EXPECT_EQ(model.controller().state().send_rate_bytes_per_sec, 262144u);
    if (capacity > 262144) {
      // Every byte the pinned rate allows arrives: exactly 256 KiB/s.
      EXPECT_NEAR(model.receivedRate(1 * kUsecPerSec, 10 * kUsecPerSec), 262144, 0.01 * 262144);
    }
  }
}

TEST(BbrControllerTest, MaxCapsTheRate) {
  PathConfig config;
  config.rate_bytes_per_sec = 10e6;
  config.base_rtt_usec = 20 * kUsecPerMsec;
  config.max_rate = 1'000'000;
  PathModel model(config);
  model.runUntil(10 * kUsecPerSec,
                 [&](Usec) { ASSERT_LE(model.controller().pacingRateBytesPerSec(), 1'000'000u); });
  // The cap is the rate, not a ceiling it oscillates under: no 0.75 phases wasted.
  const double rate = model.receivedRate(2 * kUsecPerSec, 10 * kUsecPerSec);
  std::printf("[max 1 MB/s on 10 MB/s] receive rate %.4f MB/s\n", rate / 1e6);
  EXPECT_GE(rate, 0.98e6);
  EXPECT_LE(rate, 1.0e6 * 1.001);
  EXPECT_EQ(model.controller().state().send_rate_bytes_per_sec, 1'000'000u);
}

TEST(BbrControllerTest, MinFloorsTheRate) {
  for (double capacity : {10e6, 1e6}) {
    PathConfig config;
    config.rate_bytes_per_sec = capacity;
    config.base_rtt_usec = 20 * kUsecPerMsec;
    config.min_rate = 2'000'000;
    PathModel model(config);
    model.runUntil(4 * kUsecPerSec, [&](Usec) {
      ASSERT_GE(model.controller().pacingRateBytesPerSec(), 2'000'000u);
    });
    model.setBlackout(true);  // RTOs do not take it below the floor either
    model.runUntil(6 * kUsecPerSec, [&](Usec) {
      ASSERT_GE(model.controller().pacingRateBytesPerSec(), 2'000'000u);
    });
    EXPECT_GE(model.rtos(), 1u);
    if (capacity > 2e6) {
      EXPECT_GE(model.receivedRate(1 * kUsecPerSec, 4 * kUsecPerSec), 0.9 * capacity);
    } else {
      // Below the floor the path is overrun, as the user asked: it delivers all it can.
      EXPECT_GE(model.receivedRate(1 * kUsecPerSec, 4 * kUsecPerSec), 0.95 * capacity);
    }
  }
}

}  // namespace
}  // namespace opengns::snp
