// The challenge MAC of challenge.h. The hashed input is 20 bytes: tick, port, address.
#include "connection/challenge.h"

#include <algorithm>
#include <array>

#include "crypto/secure_random.h"

namespace opengns::connection {
namespace {

constexpr size_t kChallengeInputBytes = 2 + 2 + 16;

}  // namespace

absl::StatusOr<ChallengeGenerator> ChallengeGenerator::create() {
  crypto::SecretArray<kSipHashKeyBytes> secret;
  if (absl::Status s = crypto::secureRandom(secret.mutableSpan()); !s.ok()) return s;
  return ChallengeGenerator(
      std::span<const uint8_t, kSipHashKeyBytes>(secret.data(), kSipHashKeyBytes));
}

ChallengeGenerator::ChallengeGenerator(std::span<const uint8_t, kSipHashKeyBytes> secret)
    : secret_(secret) {}

uint64_t ChallengeGenerator::makeForTick(uint16_t tick, const PeerAddress& address) const {
  std::array<uint8_t, kChallengeInputBytes> input{};
  input[0] = static_cast<uint8_t>(tick);
  input[1] = static_cast<uint8_t>(tick >> 8);
  input[2] = static_cast<uint8_t>(address.port());
  input[3] = static_cast<uint8_t>(address.port() >> 8);
  std::copy(address.ipv6().begin(), address.ipv6().end(), input.begin() + 4);
  const uint64_t mac = sipHash24(
      std::span<const uint8_t, kSipHashKeyBytes>(secret_.data(), kSipHashKeyBytes), input);
  return (mac & ~kChallengeTickMask) | tick;
}

uint64_t ChallengeGenerator::make(uint64_t now_usec, const PeerAddress& address) const {
  return makeForTick(tickOf(now_usec), address);
}

bool ChallengeGenerator::verify(uint64_t challenge, uint64_t now_usec,
                                const PeerAddress& address) const {
  const uint16_t issued_tick = static_cast<uint16_t>(challenge & kChallengeTickMask);
  // Modulo 2^16, so a tick from the future reads as very old and is refused too.
  const uint16_t age_ticks = static_cast<uint16_t>(tickOf(now_usec) - issued_tick);
  if (age_ticks > kChallengeMaxAgeTicks) return false;
  // Whole-value compare; the MAC is recomputed, so timing reveals nothing about the secret.
  return makeForTick(issued_tick, address) == challenge;
}

}  // namespace opengns::connection
