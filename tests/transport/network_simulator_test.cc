#include "transport/network_simulator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <tuple>
#include <vector>

namespace opengns::transport {
namespace {

constexpr MonotonicUsec kMs = 1000;
constexpr MonotonicUsec kSec = 1000 * kMs;

// Bytes that identify datagram `tag`: the tag's low bytes, then a tag-dependent ramp.
Bytes payloadFor(uint64_t tag, size_t size) {
  Bytes bytes(size);
  for (size_t i = 0; i < size; ++i) {
    bytes[i] =
        i < 8 ? static_cast<uint8_t>(tag >> (8 * i)) : static_cast<uint8_t>(tag * 31u + i * 7u);
  }
  return bytes;
}

struct Record {
  uint64_t tag;
  MonotonicUsec submit_usec;
  MonotonicUsec deliver_usec;
  MonotonicUsec now_usec;  // when deliverDue handed it out
  bool duplicate;
  Bytes bytes;

  bool operator==(const Record& other) const {
    return std::tie(tag, submit_usec, deliver_usec, now_usec, duplicate, bytes) ==
           std::tie(other.tag, other.submit_usec, other.deliver_usec, other.now_usec,
                    other.duplicate, other.bytes);
  }
};

void drainInto(NetworkSimulator& sim, MonotonicUsec now_usec, std::vector<Record>& out) {
  sim.deliverDue(now_usec, [&](const SimulatedDelivery& d) {
    out.push_back(Record{d.tag, d.submit_usec, d.deliver_usec, now_usec, d.duplicate,
                         Bytes(d.payload.begin(), d.payload.end())});
  });
}

// Submits `count` datagrams of `size` bytes, one every `spacing_usec` from time 0 (tags
// 0..count-1), delivering what is due before each submit, then drains everything by
// jumping from event to event. Returns the deliveries in order.
std::vector<Record> runTraffic(NetworkSimulator& sim, uint64_t count, MonotonicUsec spacing_usec,
                               size_t size) {
  std::vector<Record> out;
  for (uint64_t tag = 0; tag < count; ++tag) {
    const MonotonicUsec now = static_cast<MonotonicUsec>(tag) * spacing_usec;
    drainInto(sim, now, out);
    sim.submit(now, payloadFor(tag, size), tag);
  }
  while (std::optional<MonotonicUsec> next = sim.nextDeliveryTime())
    drainInto(sim, *next, out);
  return out;
}

// submitted + duplicated = dropped + delivered + discarded + queued, always.
void expectConservation(const NetworkSimulator& sim) {
  const NetworkSimulator::Stats s = sim.stats();
  EXPECT_EQ(
      s.submitted_datagrams + s.duplicated_datagrams,
      s.droppedDatagrams() + s.delivered_datagrams + s.discarded_datagrams + s.queued_datagrams);
}

TEST(NetworkSimulatorTest, DefaultsImpairNothing) {
  EXPECT_FALSE(NetworkConditions{}.impairs());
  const NetworkConditions from_options = networkConditionsFromOptions(FakeNetworkOptions{});
  EXPECT_FALSE(from_options.impairs());
  // The documented defaults of the parameters (config.md §1.4.7), in simulator units.
  EXPECT_EQ(from_options.reorder_time_usec, 15 * kMs);
  EXPECT_EQ(from_options.dup_time_max_usec, 10 * kMs);
  EXPECT_EQ(from_options.jitter_max_usec, 100 * kMs);
  EXPECT_EQ(from_options.jitter_percent, 75.0);
  EXPECT_EQ(from_options.rate_limit_burst_bytes, 16384);
  EXPECT_EQ(from_options.rate_limit_bytes_per_sec, 0);
  EXPECT_EQ(from_options.rate_limit_queue_bytes, 0);

  NetworkSimulator sim(1);
  EXPECT_TRUE(sim.transparent());
  sim.submit(0, payloadFor(1, 10), 1);
  EXPECT_FALSE(sim.transparent());  // something in flight
  EXPECT_EQ(sim.deliverDue(0, [](const SimulatedDelivery&) {}), 1u);
  EXPECT_TRUE(sim.transparent());
}

TEST(NetworkSimulatorTest, OptionsAreClampedToTheirDocumentedRangesAndConverted) {
  FakeNetworkOptions options;
  options.packet_loss_percent = 150;
  options.packet_lag_ms = 99999;
  options.packet_reorder_percent = -3;
  options.packet_reorder_time_ms = -1;
  options.packet_dup_percent = std::nanf("");
  options.packet_dup_time_max_ms = 6000;
  options.packet_jitter_avg_ms = 2.5f;
  options.packet_jitter_max_ms = 9000;
  options.packet_jitter_percent = 101;
  options.rate_limit_bytes_per_sec = -10;
  options.rate_limit_burst_bytes = 5 << 20;
  const NetworkConditions c = networkConditionsFromOptions(options);
  EXPECT_EQ(c.loss_percent, 100.0);
  EXPECT_EQ(c.lag_usec, 5000 * kMs);
  EXPECT_EQ(c.reorder_percent, 0.0);
  EXPECT_EQ(c.reorder_time_usec, 0);
  EXPECT_EQ(c.dup_percent, 0.0);
  EXPECT_EQ(c.dup_time_max_usec, 5000 * kMs);
  EXPECT_EQ(c.jitter_avg_usec, 2500);  // float milliseconds keep their fraction
  EXPECT_EQ(c.jitter_max_usec, 5000 * kMs);
  EXPECT_EQ(c.jitter_percent, 100.0);
  EXPECT_EQ(c.rate_limit_bytes_per_sec, 0);
  EXPECT_EQ(c.rate_limit_burst_bytes, 1 << 20);
}

TEST(NetworkSimulatorTest, ZeroImpairmentDeliversEverythingInOrderAtExactlyNowPlusLag) {
  for (MonotonicUsec lag_usec : {MonotonicUsec{0}, 40 * kMs}) {
    NetworkConditions conditions;
    conditions.lag_usec = lag_usec;
    NetworkSimulator sim(5, conditions);
    std::vector<Record> out;
    // Bursts of three datagrams at the same instant, bursts 7 ms apart.
    for (uint64_t tag = 0; tag < 3000; ++tag) {
      const MonotonicUsec now = static_cast<MonotonicUsec>(tag / 3) * 7 * kMs;
      drainInto(sim, now, out);
      EXPECT_EQ(sim.submit(now, payloadFor(tag, 100), tag), SubmitOutcome::kScheduled);
    }
    while (std::optional<MonotonicUsec> next = sim.nextDeliveryTime()) {
      // Nothing is handed out a microsecond early.
      EXPECT_EQ(sim.deliverDue(*next - 1, [](const SimulatedDelivery&) {}), 0u);
      drainInto(sim, *next, out);
    }
    ASSERT_EQ(out.size(), 3000u);
    for (uint64_t i = 0; i < out.size(); ++i) {
      EXPECT_EQ(out[i].tag, i);
      EXPECT_EQ(out[i].deliver_usec, out[i].submit_usec + lag_usec);
      EXPECT_FALSE(out[i].duplicate);
      EXPECT_EQ(out[i].bytes, payloadFor(i, 100));
    }
    const NetworkSimulator::Stats s = sim.stats();
    EXPECT_EQ(s.submitted_datagrams, 3000u);
    EXPECT_EQ(s.delivered_datagrams, 3000u);
    EXPECT_EQ(s.delivered_bytes, 300000u);
    EXPECT_EQ(s.droppedDatagrams() + s.duplicated_datagrams + s.reordered_datagrams, 0u);
    EXPECT_EQ(s.queued_datagrams, 0u);
    EXPECT_EQ(s.queued_bytes, 0u);
    if (lag_usec > 0) {
      // Up to lag / spacing bursts of three are in flight at once.
      EXPECT_EQ(s.peak_queued_datagrams, 3u * (40 / 7 + 1));
    }
  }
}

TEST(NetworkSimulatorTest, LossRateMatchesTheConfiguredPercentage) {
  struct Case {
    double percent;
    uint64_t datagrams;
    uint64_t expected_drops;
    uint64_t tolerance;  // about 4.5 binomial standard deviations
  };
  for (const Case& c : {Case{0, 10000, 0, 0}, Case{100, 10000, 10000, 0},
                        Case{10, 100000, 10000, 430}, Case{1.5, 100000, 1500, 175}}) {
    NetworkConditions conditions;
    conditions.loss_percent = c.percent;
    NetworkSimulator sim(42, conditions);
    uint64_t delivered = 0;
    auto count = [&](const SimulatedDelivery&) { ++delivered; };
    for (uint64_t tag = 0; tag < c.datagrams; ++tag) {
      sim.submit(static_cast<MonotonicUsec>(tag), {}, tag);
      sim.deliverDue(static_cast<MonotonicUsec>(tag), count);
    }
    sim.deliverDue(static_cast<MonotonicUsec>(c.datagrams), count);
    const NetworkSimulator::Stats s = sim.stats();
    EXPECT_NEAR(static_cast<double>(s.dropped_loss_datagrams),
                static_cast<double>(c.expected_drops), static_cast<double>(c.tolerance))
        << c.percent << "%";
    EXPECT_EQ(delivered, c.datagrams - s.dropped_loss_datagrams);
    EXPECT_EQ(s.dropped_rate_limit_datagrams, 0u);
    expectConservation(sim);
  }
}

TEST(NetworkSimulatorTest, DuplicationRateAndDuplicatesAreByteIdenticalWithinTimeMax) {
  NetworkConditions conditions;
  conditions.dup_percent = 5;
  conditions.dup_time_max_usec = 10 * kMs;
  conditions.lag_usec = 3 * kMs;
  NetworkSimulator sim(7, conditions);
  const uint64_t count = 100000;
  // Checked as they come out (no copies kept: the test stays fast under ASan).
  std::vector<MonotonicUsec> original_time(count, -1);
  uint64_t originals = 0;
  uint64_t duplicates = 0;
  double delay_sum_usec = 0;
  Bytes scratch;
  auto check = [&](const SimulatedDelivery& d) {
    ASSERT_LT(d.tag, count);
    scratch = payloadFor(d.tag, 64);
    EXPECT_TRUE(std::equal(d.payload.begin(), d.payload.end(), scratch.begin(), scratch.end()))
        << d.tag;
    if (!d.duplicate) {
      EXPECT_EQ(original_time[d.tag], -1) << "original delivered twice: " << d.tag;
      original_time[d.tag] = d.deliver_usec;
      ++originals;
      return;
    }
    // The copy comes after its original, at most dup_time_max later.
    ASSERT_NE(original_time[d.tag], -1) << d.tag;
    const MonotonicUsec delay_usec = d.deliver_usec - original_time[d.tag];
    EXPECT_GE(delay_usec, 0);
    EXPECT_LE(delay_usec, 10 * kMs);
    delay_sum_usec += static_cast<double>(delay_usec);
    ++duplicates;
  };
  for (uint64_t tag = 0; tag < count; ++tag) {
    const MonotonicUsec now = static_cast<MonotonicUsec>(tag) * 100;
    sim.deliverDue(now, check);
    sim.submit(now, payloadFor(tag, 64), tag);
  }
  while (std::optional<MonotonicUsec> next = sim.nextDeliveryTime())
    sim.deliverDue(*next, check);

  EXPECT_EQ(originals, count);
  // Binomial mean 5000, sigma ~69; 4.5 sigma.
  EXPECT_NEAR(static_cast<double>(duplicates), 5000.0, 310.0);
  EXPECT_EQ(sim.stats().duplicated_datagrams, duplicates);
  // The extra delay is uniform on 0..10 ms: mean 5 ms, sigma of the mean ~41 usec.
  EXPECT_NEAR(delay_sum_usec / static_cast<double>(duplicates), 5000.0, 200.0);
  expectConservation(sim);
}

TEST(NetworkSimulatorTest, ReorderingReordersTheConfiguredFractionByAtMostReorderTime) {
  NetworkConditions conditions;
  conditions.reorder_percent = 10;
  conditions.reorder_time_usec = 15 * kMs;
  conditions.lag_usec = 5 * kMs;
  NetworkSimulator sim(11, conditions);
  const uint64_t count = 20000;
  const std::vector<Record> out = runTraffic(sim, count, 1 * kMs, 32);
  ASSERT_EQ(out.size(), count);

  uint64_t delayed = 0;
  for (const Record& r : out) {
    const MonotonicUsec delay_usec = r.deliver_usec - r.submit_usec;
    // In order: exactly the lag; reordered: exactly lag + reorder time, never more.
    if (delay_usec == 5 * kMs + 15 * kMs) {
      ++delayed;
    } else {
      EXPECT_EQ(delay_usec, 5 * kMs) << r.tag;
    }
  }
  // A datagram is out of order if one submitted after it was delivered before it.
  uint64_t overtaken = 0;
  uint64_t highest_tag_seen = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    if (i > 0 && out[i].tag < highest_tag_seen) ++overtaken;
    highest_tag_seen = std::max(highest_tag_seen, out[i].tag);
  }
  // Binomial mean 2000, sigma ~42; 4.5 sigma.
  EXPECT_NEAR(static_cast<double>(delayed), 2000.0, 190.0);
  EXPECT_EQ(sim.stats().reordered_datagrams, delayed);
  // Datagrams 1 ms apart and a 15 ms hold: the first datagram after a held one that is not
  // held itself overtakes it, and an in-order datagram overtakes nobody. So exactly the
  // held datagrams come out of order.
  EXPECT_EQ(overtaken, delayed);
}

TEST(NetworkSimulatorTest, JitterStaysWithinItsCapAndHasTheConfiguredShape) {
  NetworkConditions conditions;
  conditions.lag_usec = 20 * kMs;
  conditions.jitter_avg_usec = 10 * kMs;
  conditions.jitter_max_usec = 30 * kMs;
  conditions.jitter_percent = 75;
  NetworkSimulator sim(13, conditions);
  // 50 ms apart: no datagram ever waits behind the previous one, so each delay is the
  // datagram's own jitter.
  const uint64_t count = 20000;
  const std::vector<Record> out = runTraffic(sim, count, 50 * kMs, 16);
  ASSERT_EQ(out.size(), count);
  uint64_t without_jitter = 0;
  double jitter_sum_usec = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].tag, i);
    const MonotonicUsec jitter_usec = out[i].deliver_usec - out[i].submit_usec - 20 * kMs;
    EXPECT_GE(jitter_usec, 0);
    EXPECT_LE(jitter_usec, 30 * kMs);
    if (jitter_usec == 0) ++without_jitter;
    jitter_sum_usec += static_cast<double>(jitter_usec);
  }
  // 25% get none (binomial sigma ~61; 4.5 sigma).
  EXPECT_NEAR(static_cast<double>(without_jitter), 5000.0, 280.0);
  // Mean of min(Exp(10 ms), 30 ms) = 10 (1 - e^-3) ms, over the 75% that get jitter.
  const double jittered = static_cast<double>(count - without_jitter);
  const double expected_mean_usec = 10000.0 * (1.0 - std::exp(-3.0));
  EXPECT_NEAR(jitter_sum_usec / jittered, expected_mean_usec, 0.03 * expected_mean_usec);
  EXPECT_EQ(sim.stats().jittered_datagrams, count - without_jitter);
}

TEST(NetworkSimulatorTest, JitterNeverReorders) {
  NetworkConditions conditions;
  conditions.jitter_avg_usec = 20 * kMs;
  conditions.jitter_max_usec = 60 * kMs;
  conditions.jitter_percent = 50;
  NetworkSimulator sim(17, conditions);
  const std::vector<Record> out = runTraffic(sim, 5000, 1 * kMs, 16);
  ASSERT_EQ(out.size(), 5000u);
  for (size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].tag, i);
    const MonotonicUsec delay_usec = out[i].deliver_usec - out[i].submit_usec;
    EXPECT_GE(delay_usec, 0);
    // Waiting behind an earlier datagram never pushes past that one's own cap.
    EXPECT_LE(delay_usec, 60 * kMs);
  }
}

// Delivered payload bytes per whole virtual second of a run of `seconds`.
std::vector<uint64_t> bytesPerSecond(const std::vector<Record>& out, int seconds) {
  std::vector<uint64_t> bins(static_cast<size_t>(seconds), 0);
  for (const Record& r : out) {
    const MonotonicUsec second = r.deliver_usec / kSec;
    if (second < seconds) bins[static_cast<size_t>(second)] += r.bytes.size();
  }
  return bins;
}

TEST(NetworkSimulatorTest, RateLimitPolicesToTheConfiguredRate) {
  NetworkConditions conditions;
  conditions.rate_limit_bytes_per_sec = 100000;
  conditions.rate_limit_burst_bytes = 16384;
  NetworkSimulator sim(19, conditions);
  // Offer 1000-byte datagrams every 5 ms (200 kB/s, twice the rate) for 10 s.
  const std::vector<Record> out = runTraffic(sim, 2000, 5 * kMs, 1000);
  uint64_t delivered_bytes = 0;
  for (const Record& r : out) {
    delivered_bytes += r.bytes.size();
    // Policing drops; it never delays.
    EXPECT_EQ(r.deliver_usec, r.submit_usec);
  }
  // Exactly what the bucket allows: the rate times the run, plus the initial burst, plus
  // at most one datagram taken on credit.
  const double allowed = 100000.0 * 10 + 16384;
  EXPECT_LE(static_cast<double>(delivered_bytes), allowed + 1000);
  EXPECT_GE(static_cast<double>(delivered_bytes), allowed - 2000);
  // Each second after the first (which also carries the burst) within 2% of the rate.
  const std::vector<uint64_t> bins = bytesPerSecond(out, 10);
  for (size_t second = 1; second < bins.size(); ++second) {
    EXPECT_NEAR(static_cast<double>(bins[second]), 100000.0, 2000.0) << second;
  }
  const NetworkSimulator::Stats s = sim.stats();
  EXPECT_EQ(s.dropped_rate_limit_datagrams, 2000u - out.size());
  EXPECT_EQ(s.rate_limit_delayed_datagrams, 0u);
  expectConservation(sim);
}

TEST(NetworkSimulatorTest, RateLimitShaperPacesAtTheRateAndTailDropsBeyondItsQueue) {
  NetworkConditions conditions;
  conditions.rate_limit_bytes_per_sec = 100000;
  conditions.rate_limit_burst_bytes = 0;
  conditions.rate_limit_queue_bytes = 20000;
  conditions.lag_usec = 10 * kMs;
  NetworkSimulator sim(23, conditions);
  const std::vector<Record> out = runTraffic(sim, 2000, 5 * kMs, 1000);
  // Paced: datagrams leave exactly 10 ms apart (1000 bytes at 100 kB/s), in order.
  for (size_t i = 1; i < out.size(); ++i) {
    EXPECT_GT(out[i].tag, out[i - 1].tag);
    EXPECT_EQ(out[i].deliver_usec - out[i - 1].deliver_usec, 10 * kMs) << i;
  }
  // A datagram waits at most for the queue ahead of it (20000 bytes = 200 ms) plus the
  // one on credit (10 ms).
  for (const Record& r : out) {
    EXPECT_LE(r.deliver_usec - r.submit_usec, 10 * kMs + 210 * kMs);
  }
  const std::vector<uint64_t> bins = bytesPerSecond(out, 10);
  for (size_t second = 1; second < bins.size(); ++second) {
    EXPECT_EQ(bins[second], 100000u) << second;
  }
  const NetworkSimulator::Stats s = sim.stats();
  EXPECT_GT(s.dropped_rate_limit_datagrams, 900u);  // half the offered load is excess
  EXPECT_EQ(s.dropped_rate_limit_datagrams + out.size(), 2000u);
  EXPECT_GT(s.rate_limit_delayed_datagrams, 900u);
  expectConservation(sim);
}

TEST(NetworkSimulatorTest, RateLimitBelowTheRateNeitherDropsNorDelays) {
  NetworkConditions conditions;
  conditions.rate_limit_bytes_per_sec = 100000;
  conditions.rate_limit_burst_bytes = 16384;
  NetworkSimulator sim(29, conditions);
  const std::vector<Record> out = runTraffic(sim, 1000, 20 * kMs, 1300);  // 65 kB/s
  ASSERT_EQ(out.size(), 1000u);
  for (const Record& r : out)
    EXPECT_EQ(r.deliver_usec, r.submit_usec);
}

NetworkConditions everything() {
  NetworkConditions c;
  c.loss_percent = 5;
  c.lag_usec = 30 * kMs;
  c.jitter_avg_usec = 5 * kMs;
  c.jitter_max_usec = 25 * kMs;
  c.reorder_percent = 7;
  c.reorder_time_usec = 12 * kMs;
  c.dup_percent = 4;
  c.dup_time_max_usec = 8 * kMs;
  c.rate_limit_bytes_per_sec = 300000;
  c.rate_limit_burst_bytes = 4000;
  c.rate_limit_queue_bytes = 8000;
  return c;
}

TEST(NetworkSimulatorTest, SameSeedGivesTheSameTraceAndAnotherSeedAnotherOne) {
  NetworkSimulator first(1234, everything());
  NetworkSimulator second(1234, everything());
  NetworkSimulator third(1235, everything());
  // 400 kB/s offered to a 300 kB/s limiter.
  const std::vector<Record> a = runTraffic(first, 3000, 2 * kMs, 800);
  const std::vector<Record> b = runTraffic(second, 3000, 2 * kMs, 800);
  const std::vector<Record> c = runTraffic(third, 3000, 2 * kMs, 800);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  // Every impairment was exercised, so the comparison covers all of them.
  const NetworkSimulator::Stats s = first.stats();
  EXPECT_GT(s.dropped_loss_datagrams, 0u);
  EXPECT_GT(s.dropped_rate_limit_datagrams, 0u);
  EXPECT_GT(s.duplicated_datagrams, 0u);
  EXPECT_GT(s.reordered_datagrams, 0u);
  EXPECT_GT(s.jittered_datagrams, 0u);
  EXPECT_GT(s.rate_limit_delayed_datagrams, 0u);
}

TEST(NetworkSimulatorTest, EachImpairmentDrawsFromItsOwnStream) {
  // Turning duplication and reordering on does not change which datagrams are lost.
  NetworkConditions loss_only;
  loss_only.loss_percent = 20;
  NetworkConditions loss_and_more = loss_only;
  loss_and_more.dup_percent = 30;
  loss_and_more.reorder_percent = 30;
  NetworkSimulator plain(77, loss_only);
  NetworkSimulator busy(77, loss_and_more);
  for (uint64_t tag = 0; tag < 5000; ++tag) {
    const bool lost_plain = plain.submit(0, {}, tag) == SubmitOutcome::kDroppedLoss;
    const bool lost_busy = busy.submit(0, {}, tag) == SubmitOutcome::kDroppedLoss;
    ASSERT_EQ(lost_plain, lost_busy) << tag;
  }
}

TEST(NetworkSimulatorTest, ZeroLengthAndFullSizeDatagramsSurviveEveryPath) {
  NetworkConditions conditions;
  conditions.dup_percent = 50;
  conditions.reorder_percent = 50;
  conditions.lag_usec = 1 * kMs;
  NetworkSimulator sim(31, conditions);
  std::vector<Record> out;
  for (uint64_t tag = 0; tag < 200; ++tag) {
    const size_t size = tag % 2 == 0 ? 0 : 1300;
    sim.submit(static_cast<MonotonicUsec>(tag) * 100, payloadFor(tag, size), tag);
  }
  while (std::optional<MonotonicUsec> next = sim.nextDeliveryTime())
    drainInto(sim, *next, out);
  EXPECT_EQ(out.size(), 200u + sim.stats().duplicated_datagrams);
  EXPECT_GT(sim.stats().duplicated_datagrams, 0u);
  for (const Record& r : out) {
    EXPECT_EQ(r.bytes, payloadFor(r.tag, r.tag % 2 == 0 ? 0 : 1300)) << r.tag;
  }
  EXPECT_EQ(sim.stats().delivered_bytes,
            1300u * (out.size() - std::count_if(out.begin(), out.end(),
                                                [](const Record& r) { return r.tag % 2 == 0; })));
}

TEST(NetworkSimulatorTest, ChangingConditionsMidRunLosesOnlyWhatTheNewConditionsDrop) {
  NetworkConditions slow;
  slow.lag_usec = 200 * kMs;
  slow.jitter_avg_usec = 20 * kMs;
  slow.jitter_percent = 100;
  NetworkSimulator sim(37, slow);
  std::vector<Record> out;
  std::vector<bool> expected(3000, true);
  for (uint64_t tag = 0; tag < 3000; ++tag) {
    const MonotonicUsec now = static_cast<MonotonicUsec>(tag) * kMs;
    if (tag == 1000) {
      sim.setConditions(NetworkConditions{});  // lag drops from 200 ms to nothing
    } else if (tag == 2000) {
      NetworkConditions lossy;
      lossy.loss_percent = 50;
      lossy.rate_limit_bytes_per_sec = 50000;
      lossy.rate_limit_burst_bytes = 2000;
      sim.setConditions(lossy);
    }
    drainInto(sim, now, out);
    const SubmitOutcome outcome = sim.submit(now, payloadFor(tag, 100), tag);
    if (outcome == SubmitOutcome::kDroppedLoss || outcome == SubmitOutcome::kDroppedRateLimit) {
      expected[tag] = false;
    }
  }
  while (std::optional<MonotonicUsec> next = sim.nextDeliveryTime())
    drainInto(sim, *next, out);

  std::vector<int> arrivals(3000, 0);
  for (const Record& r : out)
    ++arrivals[r.tag];
  uint64_t kept = 0;
  for (uint64_t tag = 0; tag < 3000; ++tag) {
    EXPECT_EQ(arrivals[tag], expected[tag] ? 1 : 0) << tag;
    kept += expected[tag] ? 1 : 0;
  }
  // The first 2000 all arrive; the lossy phase drops some (loss and rate).
  EXPECT_EQ(std::count(expected.begin(), expected.begin() + 2000, false), 0);
  EXPECT_LT(kept, 2900u);
  // No reordering knob was set: order holds across the changes, including the lag drop.
  for (size_t i = 1; i < out.size(); ++i)
    EXPECT_GT(out[i].tag, out[i - 1].tag);
  expectConservation(sim);
}

TEST(NetworkSimulatorTest, DiscardAllEmptiesThePathAndRecyclesStorage) {
  NetworkConditions conditions;
  conditions.lag_usec = 50 * kMs;
  NetworkSimulator sim(41, conditions);
  for (uint64_t tag = 0; tag < 10; ++tag)
    sim.submit(0, payloadFor(tag, 500), tag);
  EXPECT_EQ(sim.stats().queued_datagrams, 10u);
  EXPECT_EQ(sim.stats().queued_bytes, 5000u);
  EXPECT_EQ(sim.discardAll(), 10u);
  EXPECT_TRUE(sim.empty());
  EXPECT_FALSE(sim.nextDeliveryTime().has_value());
  EXPECT_EQ(sim.stats().queued_bytes, 0u);
  EXPECT_EQ(sim.stats().discarded_datagrams, 10u);
  expectConservation(sim);
  std::vector<Record> out;
  sim.submit(kMs, payloadFor(99, 20), 99);
  drainInto(sim, kSec, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].bytes, payloadFor(99, 20));
}

TEST(NetworkSimulatorTest, CallbackMaySubmitAgainToTheSamePath) {
  NetworkSimulator sim(43);
  sim.submit(0, payloadFor(0, 1300), 0);
  std::vector<uint64_t> tags;
  // Each delivery submits the next (bigger storage needs, same instant): all in one call.
  const size_t delivered = sim.deliverDue(0, [&](const SimulatedDelivery& d) {
    tags.push_back(d.tag);
    if (d.tag == 1000) return;
    EXPECT_EQ(Bytes(d.payload.begin(), d.payload.end()), payloadFor(d.tag, 1300));
    if (d.tag < 50) {
      for (int i = 0; i < 3 && d.tag == 0; ++i)
        sim.submit(0, payloadFor(1000 + i, 10), 1000);
      sim.submit(0, payloadFor(d.tag + 1, 1300), d.tag + 1);
      EXPECT_EQ(Bytes(d.payload.begin(), d.payload.end()), payloadFor(d.tag, 1300));
    }
  });
  EXPECT_EQ(delivered, 54u);
  EXPECT_EQ(std::count(tags.begin(), tags.end(), 1000u), 3);
}

TEST(NetworkSimulatorTest, BadConditionsAndTimesAreClampedNotTrusted) {
  NetworkConditions bad;
  bad.loss_percent = std::nan("");
  bad.lag_usec = -5;
  bad.jitter_avg_usec = std::numeric_limits<int64_t>::max();
  bad.jitter_max_usec = std::numeric_limits<int64_t>::max();
  bad.reorder_percent = 1e300;
  bad.reorder_time_usec = std::numeric_limits<int64_t>::max();
  bad.dup_percent = -1;
  bad.rate_limit_bytes_per_sec = std::numeric_limits<int64_t>::max();
  bad.rate_limit_burst_bytes = -1;
  bad.rate_limit_queue_bytes = std::numeric_limits<int64_t>::max();
  NetworkSimulator sim(47, bad);
  EXPECT_EQ(sim.conditions().loss_percent, 0.0);
  EXPECT_EQ(sim.conditions().lag_usec, 0);
  EXPECT_EQ(sim.conditions().reorder_percent, 100.0);
  EXPECT_EQ(sim.conditions().reorder_time_usec, kMaxSimulatedDelayUsec);
  EXPECT_EQ(sim.conditions().dup_percent, 0.0);
  EXPECT_EQ(sim.conditions().rate_limit_burst_bytes, 0);
  // Huge times near the end of the clock saturate instead of overflowing.
  const MonotonicUsec late = std::numeric_limits<MonotonicUsec>::max() - 10;
  sim.submit(late, payloadFor(1, 100), 1);
  sim.submit(0, payloadFor(2, 100), 2);  // time went backwards: treated as `late`
  std::vector<Record> out;
  drainInto(sim, std::numeric_limits<MonotonicUsec>::max(), out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].submit_usec, late);
  EXPECT_EQ(out[1].submit_usec, late);
  expectConservation(sim);
}

// --- SimulatedLink -------------------------------------------------------------------------

TEST(SimulatedLinkTest, PingPongRunsUntilIdleInVirtualTime) {
  NetworkConditions a_to_b;
  a_to_b.lag_usec = 30 * kMs;
  NetworkConditions b_to_a;
  b_to_a.lag_usec = 20 * kMs;
  SimulatedLink link(1, a_to_b, b_to_a, /*start_usec=*/5 * kSec);
  std::vector<MonotonicUsec> a_received;
  link.setEndpoint(LinkEnd::kB, {.on_datagram = [&](MonotonicUsec, const SimulatedDelivery& d) {
                     link.send(LinkEnd::kB, d.payload, d.tag + 1);  // echo
                   }});
  link.setEndpoint(LinkEnd::kA, {.on_datagram = [&](MonotonicUsec now, const SimulatedDelivery& d) {
                     a_received.push_back(now);
                     if (d.tag < 10) link.send(LinkEnd::kA, d.payload, d.tag + 1);
                   }});
  link.send(LinkEnd::kA, payloadFor(0, 40), 0);
  EXPECT_TRUE(link.runUntilIdle());
  // Tags go 0 (A) 1 (B) 2 (A) ... A receives odd tags 1..11 and stops echoing at 11.
  ASSERT_EQ(a_received.size(), 6u);
  for (size_t i = 0; i < a_received.size(); ++i) {
    EXPECT_EQ(a_received[i], 5 * kSec + static_cast<MonotonicUsec>(i + 1) * 50 * kMs);
  }
  EXPECT_EQ(link.nowUsec(), 5 * kSec + 300 * kMs);
  EXPECT_EQ(link.path(LinkEnd::kA).stats().delivered_datagrams, 6u);
  EXPECT_EQ(link.path(LinkEnd::kB).stats().delivered_datagrams, 6u);
}

TEST(SimulatedLinkTest, EndpointTimersDriveTheClock) {
  SimulatedLink link(2);
  std::optional<MonotonicUsec> a_wake = 100 * kMs;
  int wakes = 0;
  uint64_t b_received = 0;
  link.setEndpoint(LinkEnd::kA,
                   {.next_wake_usec = [&] { return a_wake; },
                    .on_wake =
                        [&](MonotonicUsec now) {
                          EXPECT_EQ(now, *a_wake);
                          ++wakes;
                          link.send(LinkEnd::kA, payloadFor(static_cast<uint64_t>(wakes), 8));
                          a_wake = wakes < 5 ? std::optional<MonotonicUsec>(now + 100 * kMs)
                                             : std::nullopt;
                        }});
  link.setEndpoint(LinkEnd::kB, {.on_datagram = [&](MonotonicUsec now, const SimulatedDelivery&) {
                     EXPECT_EQ(now % (100 * kMs), 0);
                     ++b_received;
                   }});
  EXPECT_EQ(link.nextEventUsec(), 100 * kMs);
  EXPECT_TRUE(link.runUntilIdle());
  EXPECT_EQ(wakes, 5);
  EXPECT_EQ(b_received, 5u);
  EXPECT_EQ(link.nowUsec(), 500 * kMs);
}

TEST(SimulatedLinkTest, NeverIdleEndpointsStopAtTheStepBudgetAndRunUntilHonoursDeadlines) {
  SimulatedLink link(3);
  MonotonicUsec wake = 10 * kMs;
  int wakes = 0;
  link.setEndpoint(LinkEnd::kB, {.next_wake_usec = [&] { return std::optional(wake); },
                                 .on_wake =
                                     [&](MonotonicUsec now) {
                                       ++wakes;
                                       wake = now + 10 * kMs;
                                     }});
  EXPECT_FALSE(link.runUntilIdle(/*max_steps=*/100));
  EXPECT_EQ(wakes, 100);
  EXPECT_TRUE(link.runUntil(2 * kSec + 5 * kMs));
  EXPECT_EQ(wakes, 200);
  EXPECT_EQ(link.nowUsec(), 2 * kSec + 5 * kMs);
  EXPECT_FALSE(link.runUntil(10 * kSec, /*max_steps=*/3));
  EXPECT_EQ(wakes, 203);
}

TEST(SimulatedLinkTest, ImpairedLinkIsDeterministic) {
  auto run = [](uint64_t seed) {
    SimulatedLink link(seed, everything(), everything());
    std::vector<std::pair<MonotonicUsec, uint64_t>> trace;
    int sent = 0;
    MonotonicUsec wake = 0;
    link.setEndpoint(
        LinkEnd::kA,
        {.next_wake_usec = [&] { return sent < 500 ? std::optional(wake) : std::nullopt; },
         .on_wake =
             [&](MonotonicUsec now) {
               link.send(LinkEnd::kA, payloadFor(sent, 700), static_cast<uint64_t>(sent));
               ++sent;
               wake = now + 3 * kMs;
             }});
    link.setEndpoint(LinkEnd::kB,
                     {.on_datagram = [&](MonotonicUsec now, const SimulatedDelivery& d) {
                       trace.emplace_back(now, d.tag);
                       link.send(LinkEnd::kB, d.payload, d.tag);
                     }});
    EXPECT_TRUE(link.runUntilIdle());
    return trace;
  };
  const auto first = run(9);
  EXPECT_GT(first.size(), 300u);
  EXPECT_EQ(first, run(9));
  EXPECT_NE(first, run(10));
}

}  // namespace
}  // namespace opengns::transport
