// Pacer (snp.md §8.2 shape): exact long-run rate, burst limits (initial, idle, catch-up
// for late wake-ups), never more than one packet negative, precise nextSendTime, rate
// changes. All in virtual time.
#include "snp/pacer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>

namespace opengns::snp {
namespace {

constexpr uint32_t kPacket = 1248;

// A backlogged sender that wakes exactly at nextSendTime() and sends while it may.
// Returns the bytes sent in [0, end].
uint64_t runBacklogged(Pacer& pacer, Usec end, uint32_t packet_bytes) {
  uint64_t sent = 0;
  Usec now = 0;
  while (now <= end) {
    while (pacer.canSend(now)) {
      pacer.onSent(now, packet_bytes);
      sent += packet_bytes;
    }
    now = pacer.nextSendTime(now);
  }
  return sent;
}

TEST(PacerTest, StartsWithASmallBurst) {
  Pacer pacer(262144);
  EXPECT_EQ(pacer.availableBytes(0), 2 * kPacket);
  EXPECT_TRUE(pacer.canSend(0));
  pacer.onSent(0, kPacket);
  EXPECT_TRUE(pacer.canSend(0));
  pacer.onSent(0, kPacket);
  EXPECT_TRUE(pacer.canSend(0));  // exactly 0 left: one more may go, into the negative
  pacer.onSent(0, kPacket);
  EXPECT_FALSE(pacer.canSend(0));
  EXPECT_EQ(pacer.availableBytes(0), -static_cast<int64_t>(kPacket));
}

TEST(PacerTest, NextSendTimeIsExactToTheMicrosecond) {
  // 1,000,000 B/s: one byte per microsecond.
  Pacer pacer(1'000'000, PacerConfig{0, 2 * kPacket, 64 * kPacket, 1000});
  pacer.onSent(100, 1000);
  EXPECT_EQ(pacer.availableBytes(100), -1000);
  EXPECT_EQ(pacer.nextSendTime(100), 1100);
  EXPECT_EQ(pacer.nextSendTime(600), 1100);
  EXPECT_FALSE(pacer.canSend(1099));
  EXPECT_TRUE(pacer.canSend(1100));
  EXPECT_EQ(pacer.nextSendTime(1100), 1100);
  EXPECT_EQ(pacer.nextSendTime(5000), 5000);
  // A rate that does not divide: 1000 bytes at 3 B/s take 333,333,333.3 us, rounded up.
  Pacer slow(3, PacerConfig{0, 2 * kPacket, 64 * kPacket, 1000});
  slow.onSent(0, 1000);
  EXPECT_EQ(slow.nextSendTime(0), 333'333'334);
  EXPECT_FALSE(slow.canSend(333'333'333));
  EXPECT_TRUE(slow.canSend(333'333'334));
}

TEST(PacerTest, LongRunAverageIsExact) {
  for (uint64_t rate : {1024ull, 123'457ull, 262'144ull, 10'000'000ull, 999'999'937ull}) {
    for (uint32_t size : {kPacket, 1000u, 77u}) {
      Pacer pacer(rate);
      const Usec end = rate > 100'000'000 ? 50 * kUsecPerMsec : 20 * kUsecPerSec;
      const uint64_t sent = runBacklogged(pacer, end, size);
      // Allowed: the initial burst + rate x time, plus at most one packet of overdraft.
      const double allowed =
          2.0 * kPacket + static_cast<double>(rate) * static_cast<double>(end) / 1e6;
      EXPECT_LE(static_cast<double>(sent), allowed + size) << rate << " " << size;
      EXPECT_GE(static_cast<double>(sent), allowed - size) << rate << " " << size;
    }
  }
}

TEST(PacerTest, LateWakeUpsCatchUpWithinTheBurstCap) {
  // The service thread wakes up to 1 ms late: at 100 MB/s that is 100 kB, above the
  // 64-packet cap, so bursts are capped; at 10 MB/s (10 kB per ms) the average holds.
  std::mt19937 random(3);
  for (uint64_t rate : {10'000'000ull, 100'000'000ull}) {
    Pacer pacer(rate);
    uint64_t sent = 0;
    Usec now = 0;
    int64_t max_burst = 0;
    const Usec end = 2 * kUsecPerSec;
    while (now <= end) {
      int64_t burst = 0;
      while (pacer.canSend(now)) {
        pacer.onSent(now, kPacket);
        sent += kPacket;
        burst += kPacket;
      }
      max_burst = std::max(max_burst, burst);
      now = pacer.nextSendTime(now) + std::uniform_int_distribution<Usec>(0, 1000)(random);
    }
    EXPECT_LE(max_burst, pacer.burstCapBytes() + kPacket) << rate;
    EXPECT_LE(pacer.burstCapBytes(), 64 * kPacket);
    const double average = static_cast<double>(sent) * 1e6 / static_cast<double>(end);
    if (rate == 10'000'000ull) {
      EXPECT_EQ(pacer.burstCapBytes(), 10'000);  // rate x 1 ms
      EXPECT_NEAR(average, 10e6, 0.01 * 10e6);
    } else {
      EXPECT_EQ(pacer.burstCapBytes(), 64 * kPacket);
      EXPECT_GT(max_burst, 32 * kPacket);  // late wake-ups do get to send a GSO batch
      EXPECT_GE(average, 0.85 * 100e6);    // bursts of 64 packets keep most of the rate
      EXPECT_LE(average, 100e6 * 1.001);
    }
  }
}

TEST(PacerTest, IdleEarnsOnlyTheSmallBurst) {
  Pacer pacer(100'000'000);
  EXPECT_EQ(pacer.idleCapBytes(), 2 * kPacket);
  pacer.onSent(0, kPacket);
  pacer.onIdle(0);  // nothing more to send
  EXPECT_TRUE(pacer.idle());
  // 10 s later: still only the idle burst.
  EXPECT_EQ(pacer.availableBytes(10 * kUsecPerSec), 2 * kPacket);
  // A full window is idle too: the acks that reopen it release no saved-up burst.
  pacer.onSent(10 * kUsecPerSec, kPacket);
  EXPECT_FALSE(pacer.idle());
  pacer.onIdle(10 * kUsecPerSec);
  EXPECT_EQ(pacer.availableBytes(11 * kUsecPerSec), 2 * kPacket);
  // Pacer-limited (no onIdle after the send): a late wake-up earns up to the large cap.
  pacer.onSent(11 * kUsecPerSec, kPacket);
  EXPECT_EQ(pacer.availableBytes(12 * kUsecPerSec), pacer.burstCapBytes());
  // Going idle with a large bucket trims it at once.
  pacer.onIdle(12 * kUsecPerSec);
  EXPECT_EQ(pacer.availableBytes(12 * kUsecPerSec), 2 * kPacket);
}

TEST(PacerTest, NeverMoreThanOnePacketNegative) {
  std::mt19937 random(11);
  Pacer pacer(5'000'000);
  Usec now = 0;
  for (int i = 0; i < 200'000; ++i) {
    const uint32_t size = std::uniform_int_distribution<uint32_t>(20, kPacket)(random);
    if (pacer.canSend(now)) {
      pacer.onSent(now, size);
      ASSERT_GE(pacer.availableBytes(now), -static_cast<int64_t>(size));
    }
    if (std::uniform_int_distribution<int>(0, 9)(random) == 0) pacer.onIdle(now);
    now += std::uniform_int_distribution<Usec>(0, 400)(random);
    ASSERT_GE(pacer.availableBytes(now), -static_cast<int64_t>(kPacket));
    ASSERT_LE(pacer.availableBytes(now), pacer.burstCapBytes());
  }
}

TEST(PacerTest, RateChangeAppliesFromItsTime) {
  Pacer pacer(1'000'000, PacerConfig{0, 2 * kPacket, 64 * kPacket, 1000});
  pacer.onSent(0, 10'000);  // -10,000 bytes
  // 4 ms at 1 MB/s refill 4,000; then 2 MB/s: the remaining 6,000 take 3 ms.
  pacer.setRate(4000, 2'000'000);
  EXPECT_EQ(pacer.availableBytes(4000), -6000);
  EXPECT_EQ(pacer.nextSendTime(4000), 7000);
  // A lower rate lowers the cap and trims the bucket to it.
  Pacer fast(100'000'000);
  fast.onSent(0, kPacket);
  EXPECT_EQ(fast.availableBytes(kUsecPerSec), 64 * kPacket);
  fast.setRate(kUsecPerSec, 262'144);
  EXPECT_EQ(fast.burstCapBytes(), 2 * kPacket);
  EXPECT_EQ(fast.availableBytes(kUsecPerSec), 2 * kPacket);
}

TEST(PacerTest, ZeroRateNeverRefills) {
  Pacer pacer(0);
  pacer.onSent(0, kPacket);
  pacer.onSent(0, kPacket);
  pacer.onSent(0, kPacket);
  EXPECT_FALSE(pacer.canSend(kUsecPerSec));
  EXPECT_EQ(pacer.nextSendTime(kUsecPerSec), kNever);
  pacer.setRate(kUsecPerSec, 1'248'000);  // one packet per ms from now on
  EXPECT_EQ(pacer.nextSendTime(kUsecPerSec), kUsecPerSec + 1000);
}

TEST(PacerTest, TimeGoingBackwardsEarnsNothing) {
  Pacer pacer(1'000'000, PacerConfig{0, 2 * kPacket, 64 * kPacket, 1000});
  pacer.onSent(1000, 500);
  EXPECT_EQ(pacer.availableBytes(500), -500);
  EXPECT_EQ(pacer.nextSendTime(500), 1500);
  pacer.onSent(900, 500);  // an earlier timestamp: counted at the last known time
  EXPECT_EQ(pacer.availableBytes(1000), -1000);
  EXPECT_EQ(pacer.nextSendTime(1000), 2000);
}

}  // namespace
}  // namespace opengns::snp
