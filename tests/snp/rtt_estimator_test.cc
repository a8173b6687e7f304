// RttEstimator and rttSampleFromAck: the initial assumptions of snp.md §3.7, RFC 6298's
// SRTT/RTTVAR arithmetic, our RTO formula, the windowed minimum, and the sample sanity
// rules (delay subtraction in 32 us units, 0xFFFF, the [-1 ms, 2000 ms] range).
#include "snp/rtt_estimator.h"

#include <gtest/gtest.h>

namespace opengns::snp {
namespace {

constexpr Usec kMs = kUsecPerMsec;

TEST(RttSampleFromAckTest, SubtractsThePeersHoldTimeIn32UsecUnits) {
  // Sent at 1 s, ack received 30 ms later, the peer held it 500 x 32 us = 16 ms.
  EXPECT_EQ(rttSampleFromAck(1000 * kMs, 1030 * kMs, 500), 14 * kMs);
  EXPECT_EQ(rttSampleFromAck(0, 5 * kMs, 0), 5 * kMs);
  // The largest real delay value, 0xFFFE x 32 us = 2,097,088 us.
  EXPECT_EQ(rttSampleFromAck(0, 2097088 + 7 * kMs, 0xFFFE), 7 * kMs);
}

TEST(RttSampleFromAckTest, NoTimingGivesNoSample) {
  EXPECT_EQ(rttSampleFromAck(0, 40 * kMs, 0xFFFF), std::nullopt);
}

TEST(RttSampleFromAckTest, SanityRange) {
  // Up to 2000 ms is a sample; above is dropped.
  EXPECT_EQ(rttSampleFromAck(0, 2000 * kMs, 0), 2000 * kMs);
  EXPECT_EQ(rttSampleFromAck(0, 2000 * kMs + 1, 0), std::nullopt);
  // Between -1 ms and 0 (the peer's hold time rounded up): counts as 0. Below: dropped.
  EXPECT_EQ(rttSampleFromAck(0, 0, 15), 0);  // -480 us
  EXPECT_EQ(rttSampleFromAck(0, 1 * kMs - 2 * kMs, 0), 0);
  EXPECT_EQ(rttSampleFromAck(0, -kMs - 1, 0), std::nullopt);
  EXPECT_EQ(rttSampleFromAck(0, 10 * kMs, 1000), std::nullopt);  // 10 ms - 32 ms
}

TEST(RttEstimatorTest, InitialAssumptions) {
  const RttEstimator rtt;
  EXPECT_FALSE(rtt.hasSample());
  EXPECT_EQ(rtt.smoothed(), 200 * kMs);
  EXPECT_EQ(rtt.variance(), 100 * kMs);
  EXPECT_EQ(rtt.minRtt(), 200 * kMs);
  EXPECT_EQ(rtt.latest(), 200 * kMs);
  EXPECT_EQ(rtt.latestSampleTime(), kNever);
  EXPECT_EQ(rtt.rto(), 1000 * kMs);
  EXPECT_EQ(rtt.pingMs(), -1);
}

TEST(RttEstimatorTest, Rfc6298Smoothing) {
  RttEstimator rtt;
  rtt.onSample(100 * kMs, 5 * kMs);
  EXPECT_TRUE(rtt.hasSample());
  EXPECT_EQ(rtt.smoothed(), 100 * kMs);  // SRTT = R
  EXPECT_EQ(rtt.variance(), 50 * kMs);   // RTTVAR = R / 2
  EXPECT_EQ(rtt.latest(), 100 * kMs);
  EXPECT_EQ(rtt.latestSampleTime(), 5 * kMs);
  EXPECT_EQ(rtt.pingMs(), 100);
  // RTO = SRTT + 4 RTTVAR + 60 ms.
  EXPECT_EQ(rtt.rto(), 100 * kMs + 200 * kMs + 60 * kMs);

  rtt.onSample(60 * kMs, 6 * kMs);
  // RTTVAR = 3/4 x 50 + 1/4 x |100 - 60| = 47.5 ms, then SRTT = 7/8 x 100 + 1/8 x 60 = 95 ms.
  EXPECT_EQ(rtt.variance(), 47500);
  EXPECT_EQ(rtt.smoothed(), 95 * kMs);
  EXPECT_EQ(rtt.latest(), 60 * kMs);
  EXPECT_EQ(rtt.minRtt(), 60 * kMs);
  EXPECT_EQ(rtt.rto(), 95 * kMs + 4 * 47500 + 60 * kMs);
}

TEST(RttEstimatorTest, VarianceTermHasAFloor) {
  RttEstimator rtt;
  for (int i = 0; i < 100; ++i)
    rtt.onSample(20 * kMs, i * kMs);
  EXPECT_EQ(rtt.smoothed(), 20 * kMs);
  EXPECT_LT(4 * rtt.variance(), kRttVarianceFloorUsec);
  EXPECT_EQ(rtt.rto(), 20 * kMs + kRttVarianceFloorUsec + kPeerAckDelayAllowanceUsec);
  // Faster than the reference's 3 x RTT + 60 ms on a steady path.
  EXPECT_LT(rtt.rto(), 3 * 20 * kMs + 60 * kMs);
}

TEST(RttEstimatorTest, NegativeSampleCountsAsZero) {
  RttEstimator rtt;
  rtt.onSample(-300, 0);
  EXPECT_EQ(rtt.smoothed(), 0);
  EXPECT_EQ(rtt.latest(), 0);
  EXPECT_EQ(rtt.pingMs(), 0);
}

TEST(RttEstimatorTest, PingRoundsToWholeMilliseconds) {
  RttEstimator a;
  a.onSample(1499, 0);
  EXPECT_EQ(a.pingMs(), 1);
  RttEstimator b;
  b.onSample(1500, 0);
  EXPECT_EQ(b.pingMs(), 2);
}

TEST(RttEstimatorTest, MinRttIsWindowed) {
  const Usec window = 10 * kUsecPerSec;
  RttEstimator rtt(window);
  rtt.onSample(10 * kMs, 0);
  // Larger samples inside the window leave the minimum alone.
  for (int s = 1; s <= 10; ++s) {
    rtt.onSample(50 * kMs + s * kMs, s * kUsecPerSec);
    EXPECT_EQ(rtt.minRtt(), 10 * kMs) << "at " << s << " s";
  }
  // Once the 10 ms sample is older than the window it is gone; what remains is a sample
  // from inside the window, never one older than it.
  rtt.onSample(70 * kMs, 10 * kUsecPerSec + 1);
  EXPECT_GT(rtt.minRtt(), 10 * kMs);
  EXPECT_LE(rtt.minRtt(), 70 * kMs);
  rtt.onSample(80 * kMs, 25 * kUsecPerSec);  // everything else aged out
  EXPECT_EQ(rtt.minRtt(), 80 * kMs);
  // A new lowest sample takes over at once.
  rtt.onSample(5 * kMs, 25 * kUsecPerSec + 1);
  EXPECT_EQ(rtt.minRtt(), 5 * kMs);
  // The smoothed value is unaffected by the window.
  EXPECT_GT(rtt.smoothed(), 5 * kMs);
}

TEST(RttEstimatorTest, MinRttFollowsARisingPathWithinAWindow) {
  const Usec window = 1 * kUsecPerSec;
  RttEstimator rtt(window);
  // The path's RTT rises by 1 ms every 100 ms; the filter's minimum must never be a
  // sample older than the window.
  for (int i = 0; i < 100; ++i) {
    const Usec now = i * 100 * kMs;
    rtt.onSample((10 + i) * kMs, now);
    const Usec oldest_allowed = std::max<Usec>(0, now - window);
    EXPECT_GE(rtt.minRtt(), (10 + oldest_allowed / (100 * kMs)) * kMs) << "at " << i;
    EXPECT_LE(rtt.minRtt(), (10 + i) * kMs);
  }
}

}  // namespace
}  // namespace opengns::snp
