#include "transport/sim_random.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>

namespace opengns::transport {
namespace {

// The expected outputs below were computed with an independent Python transcription of the
// published splitmix64 and xoshiro256** algorithms (splitmix64 from state 0 giving
// 0xe220a8397b1dcdaf is the widely quoted first output). They pin the stream: a change
// here would silently change every simulated trace.
TEST(SimRandomTest, SplitMix64MatchesTheReferenceAlgorithm) {
  uint64_t state = 0;
  EXPECT_EQ(splitMix64(state), 0xe220a8397b1dcdafu);
  EXPECT_EQ(state, 0x9e3779b97f4a7c15u);
}

TEST(SimRandomTest, XoshiroSeededThroughSplitMixMatchesTheReferenceAlgorithm) {
  SimRandom zero(0);
  EXPECT_EQ(zero.next(), 0x99ec5f36cb75f2b4u);
  EXPECT_EQ(zero.next(), 0xbf6e1f784956452au);
  EXPECT_EQ(zero.next(), 0x1a5f849d4933e6e0u);
  SimRandom other(12345);
  EXPECT_EQ(other.next(), 0xbe6a36374160d49bu);
  EXPECT_EQ(other.next(), 0x214aaa0637a688c6u);
  EXPECT_EQ(other.next(), 0xf69d16de9954d388u);
}

TEST(SimRandomTest, PercentChanceThresholds) {
  EXPECT_TRUE(PercentChance(0).never());
  EXPECT_TRUE(PercentChance(-5).never());
  EXPECT_TRUE(PercentChance(std::nan("")).never());
  EXPECT_TRUE(PercentChance(100).always());
  EXPECT_TRUE(PercentChance(250).always());
  EXPECT_EQ(PercentChance(50).threshold(), uint64_t{1} << 31);
  EXPECT_EQ(PercentChance(25).threshold(), uint64_t{1} << 30);

  SimRandom random(7);
  int never_hits = 0;
  int always_hits = 0;
  for (int i = 0; i < 10000; ++i) {
    never_hits += random.chance(PercentChance(0)) ? 1 : 0;
    always_hits += random.chance(PercentChance(100)) ? 1 : 0;
  }
  EXPECT_EQ(never_hits, 0);
  EXPECT_EQ(always_hits, 10000);
}

TEST(SimRandomTest, ChanceHitsTheConfiguredFraction) {
  SimRandom random(99);
  const PercentChance three_percent(3);
  const int draws = 200000;
  int hits = 0;
  for (int i = 0; i < draws; ++i)
    hits += random.chance(three_percent) ? 1 : 0;
  // Binomial: mean 6000, sigma ~76; 5 sigma.
  EXPECT_NEAR(hits, 6000, 380);
}

TEST(SimRandomTest, UniformUpToStaysInRangeAndCoversIt) {
  SimRandom random(3);
  int counts[11] = {};
  for (int i = 0; i < 110000; ++i) {
    const uint64_t value = random.uniformUpTo(10);
    ASSERT_LE(value, 10u);
    ++counts[value];
  }
  // Each bucket expects 10000, sigma ~95; 5 sigma.
  for (int count : counts)
    EXPECT_NEAR(count, 10000, 480);
  EXPECT_EQ(random.uniformUpTo(0), 0u);
}

TEST(SimRandomTest, NegLogMatchesTheMathWithinAFewUnitsOfTwoToTheMinus32) {
  for (uint64_t bits :
       {uint64_t{1} << 63, uint64_t{1} << 62, uint64_t{3} << 62, uint64_t{0x123456789abcdef0},
        uint64_t{0xfedcba9876543210}, uint64_t{0xffffffffffffffff}, uint64_t{1}, uint64_t{12345}}) {
    const double exact =
        -std::log(static_cast<double>(bits) / 18446744073709551616.0) * 4294967296.0;
    // The mantissa keeps 32 bits of u (error below 2 units) and each series term rounds
    // down (below 1 unit each, about a dozen terms, doubled): 64 units = 1.5e-8 absolute.
    EXPECT_NEAR(static_cast<double>(SimRandom::negLogQ32(bits)), exact, 64.0) << bits;
  }
  // u -> 0 is the largest value: 64 ln 2.
  EXPECT_EQ(SimRandom::negLogQ32(0), SimRandom::negLogQ32(1));
}

TEST(SimRandomTest, ExponentialHasTheRequestedMeanAndCap) {
  SimRandom random(2024);
  const int draws = 100000;
  double sum = 0;
  uint64_t largest = 0;
  for (int i = 0; i < draws; ++i) {
    const uint64_t value = random.exponential(10000, 1000000);
    sum += static_cast<double>(value);
    largest = std::max(largest, value);
  }
  // Exponential: sigma of the mean = 10000 / sqrt(100000) ~ 32; 5 sigma.
  EXPECT_NEAR(sum / draws, 10000.0, 160.0);
  // P(X > 8 * mean) = e^-8: about 34 of 100000 draws, so the tail is reached.
  EXPECT_GT(largest, 80000u);

  for (int i = 0; i < 1000; ++i)
    EXPECT_LE(random.exponential(10000, 2500), 2500u);
  EXPECT_EQ(random.exponential(0, 100), 0u);
}

}  // namespace
}  // namespace opengns::transport
