// SimRandom: the pseudo-random source of the network simulator.
//
// Why it exists: a simulated run must be reproducible from its seed on every platform and
// standard library. std::mt19937 is portable but std::*_distribution is not (libstdc++ and
// libc++ map the same bits to different values), and floating-point formulas can differ in
// the last bit between targets (FMA contraction, libm). So this generator is xoshiro256**
// seeded through splitmix64 (both public-domain algorithms by Blackman and Vigna), and every
// derived draw (percent chance, bounded uniform, exponential) uses integer arithmetic only.
// Guarantee: the same seed gives the same sequence of every draw on every platform.
// Threading: a plain value; one thread at a time.
#pragma once

#include <cstdint>

namespace opengns::transport {

// splitmix64 step: advances `state` and returns the next output. Used to expand one 64-bit
// seed into a full xoshiro state (and usable as a tiny generator of its own).
uint64_t splitMix64(uint64_t& state);

// A probability as a threshold on 32 random bits: chance(p) is true for p / 2^32 of draws.
// Built once from a percentage so the per-datagram decision is an integer compare.
class PercentChance {
 public:
  // `percent` is clamped to [0, 100]; NaN counts as 0.
  explicit PercentChance(double percent = 0.0);

  bool never() const { return threshold_ == 0; }
  bool always() const { return threshold_ == kOne; }
  // The threshold out of 2^32 (for tests and logs).
  uint64_t threshold() const { return threshold_; }

 private:
  friend class SimRandom;
  static constexpr uint64_t kOne = uint64_t{1} << 32;
  uint64_t threshold_ = 0;  // 0 .. 2^32 inclusive
};

class SimRandom {
 public:
  explicit SimRandom(uint64_t seed);

  // Next 64 uniformly distributed bits (xoshiro256**).
  uint64_t next();

  // True with the given probability; always consumes exactly one draw.
  bool chance(const PercentChance& probability);

  // Uniform integer in [0, bound_inclusive]; consumes exactly one draw. The modulo bias is
  // below 2^-40 for every bound the simulator uses (up to a few seconds in microseconds).
  uint64_t uniformUpTo(uint64_t bound_inclusive);

  // An exponentially distributed value with the given mean (rounded down to an integer),
  // capped at `cap`. Consumes exactly one draw. Means above 2^32 - 1 are clamped to it so
  // the fixed-point product cannot overflow.
  uint64_t exponential(uint64_t mean, uint64_t cap);

  // The same value computed from one draw `bits` taken earlier with next(): lets a caller
  // keep its draw count fixed and skip the math when the value is not needed.
  static uint64_t exponentialFromBits(uint64_t bits, uint64_t mean, uint64_t cap);

  // -ln(u) for u = bits / 2^64 in fixed point with 32 fraction bits (bits == 0 is treated as
  // the smallest non-zero u). Exposed so the tests can check the math directly.
  static uint64_t negLogQ32(uint64_t bits);

 private:
  uint64_t state_[4];  // a plain array: next() stays cheap in unoptimized test builds
};

}  // namespace opengns::transport
