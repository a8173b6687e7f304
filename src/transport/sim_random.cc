// xoshiro256** / splitmix64 and integer-only derived draws; see sim_random.h for why.
#include "transport/sim_random.h"

#include <bit>
#include <cmath>
#include <limits>

namespace opengns::transport {
namespace {

// round(ln(2) * 2^32).
constexpr uint64_t kLn2Q32 = 2977044472;
constexpr uint64_t kMaxExponentialMean = 0xffffffff;

}  // namespace

uint64_t splitMix64(uint64_t& state) {
  state += 0x9e3779b97f4a7c15;
  uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
  return z ^ (z >> 31);
}

PercentChance::PercentChance(double percent) {
  if (!(percent > 0.0)) return;  // also NaN
  if (percent >= 100.0) {
    threshold_ = kOne;
    return;
  }
  // Division and a multiplication by a power of two: exact IEEE operations, so the threshold
  // is the same on every platform.
  const double fraction = percent / 100.0;
  threshold_ = static_cast<uint64_t>(std::llround(fraction * 4294967296.0));
  if (threshold_ > kOne) threshold_ = kOne;
}

SimRandom::SimRandom(uint64_t seed) {
  uint64_t expander = seed;
  for (uint64_t& word : state_)
    word = splitMix64(expander);
  // splitmix64 is a bijection of a counter, so four consecutive outputs are never all zero
  // (the one state xoshiro must avoid).
}

uint64_t SimRandom::next() {
  uint64_t s0 = state_[0];
  uint64_t s1 = state_[1];
  uint64_t s2 = state_[2];
  uint64_t s3 = state_[3];
  const uint64_t scrambled = s1 * 5;
  const uint64_t result = ((scrambled << 7) | (scrambled >> 57)) * 9;
  const uint64_t shifted = s1 << 17;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= shifted;
  s3 = (s3 << 45) | (s3 >> 19);
  state_[0] = s0;
  state_[1] = s1;
  state_[2] = s2;
  state_[3] = s3;
  return result;
}

bool SimRandom::chance(const PercentChance& probability) {
  return (next() >> 32) < probability.threshold_;
}

uint64_t SimRandom::uniformUpTo(uint64_t bound_inclusive) {
  const uint64_t bits = next();
  if (bound_inclusive == std::numeric_limits<uint64_t>::max()) return bits;
  return bits % (bound_inclusive + 1);
}

uint64_t SimRandom::negLogQ32(uint64_t bits) {
  if (bits == 0) bits = 1;
  // u = bits / 2^64 = x * 2^-k with x in [1/2, 1), so -ln(u) = k ln 2 - ln(x).
  const int k = std::countl_zero(bits);
  const uint64_t x_q32 = (bits << k) >> 32;  // in [2^31, 2^32)
  // -ln(x) = 2 atanh(z) with z = (1 - x) / (1 + x) in (0, 1/3]: the series
  // 2 (z + z^3/3 + z^5/5 + ...) gains more than 3 bits per term. Every intermediate value is
  // below 2^32, so the Q32 products fit in 64 bits.
  const uint64_t one_q32 = uint64_t{1} << 32;
  const uint64_t z_q32 = ((one_q32 - x_q32) << 32) / (one_q32 + x_q32);
  const uint64_t z_squared_q32 = (z_q32 * z_q32) >> 32;
  uint64_t sum_q32 = 0;
  uint64_t term_q32 = z_q32;
  for (uint64_t divisor = 1; term_q32 != 0; divisor += 2) {
    sum_q32 += term_q32 / divisor;
    term_q32 = (term_q32 * z_squared_q32) >> 32;
  }
  return static_cast<uint64_t>(k) * kLn2Q32 + 2 * sum_q32;
}

uint64_t SimRandom::exponential(uint64_t mean, uint64_t cap) {
  return exponentialFromBits(next(), mean, cap);
}

uint64_t SimRandom::exponentialFromBits(uint64_t bits, uint64_t mean, uint64_t cap) {
  if (mean == 0 || cap == 0) return 0;
  const uint64_t neg_log_q32 = negLogQ32(bits);
  if (mean > kMaxExponentialMean) mean = kMaxExponentialMean;
  // mean * neg_log in two halves: the integer part is at most 45 (64 ln 2), the fraction is
  // below 2^32, so neither product overflows for mean < 2^32.
  const uint64_t whole = (neg_log_q32 >> 32) * mean;
  const uint64_t fraction = ((neg_log_q32 & 0xffffffff) * mean) >> 32;
  const uint64_t value = whole + fraction;
  return value < cap ? value : cap;
}

}  // namespace opengns::transport
