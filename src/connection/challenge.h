// The server's stateless handshake challenge (udp.md §3.3). A listen socket answers
// every ChallengeRequest with a 64-bit value that the client must echo in its
// ConnectRequest; the server verifies it without having stored anything, which proves
// that the client receives packets at its claimed source address before any connection
// state is created.
//
// Our scheme (LOCAL; the client treats the value as opaque), built to GNS's shape:
//   tick      = (now_usec >> 20) mod 2^16            (one tick = 1.048576 s, in clear)
//   input     = LE16(tick) ‖ LE16(port) ‖ 16-byte IPv6 address (IPv4-mapped)
//   challenge = (SipHash-2-4(secret, input) with the low 16 bits cleared) | tick
// Guarantees: (a) bound to the source IP and port (both are hashed); (b) expires: a
// challenge whose tick is more than 3 ticks old (or from the future) is refused, so it
// lives 3.1 to 4.2 s; (c) verified from the value itself plus the per-socket secret, no
// per-client state; (d) keyed with a 128-bit random secret per listen socket, so a valid
// value cannot be forged without ~2^47 guesses per address and tick window.
// Why SipHash-2-4 and not truncated HMAC-SHA256: a ChallengeRequest costs the sender
// nothing to spoof, so the reply path must be cheap; SipHash is a keyed PRF designed for
// short inputs, runs in tens of ns without any allocation or library context, and is
// what GNS uses.
//
// Threading: const methods, no mutable state; safe to share once constructed.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "connection/peer_address.h"
#include "connection/siphash.h"
#include "crypto/secret_array.h"

namespace opengns::connection {

// udp.md §3.3: the tick is the microsecond clock shifted right by 20, kept to 16 bits.
inline constexpr unsigned kChallengeTickShift = 20;
inline constexpr uint64_t kChallengeTickMask = 0xffff;
// udp.md §3.3: a challenge older than 3 ticks (4'000'000 us >> 20) is refused.
inline constexpr uint64_t kChallengeMaxAgeTicks = 3;

class ChallengeGenerator {
 public:
  // A generator with a fresh random secret (one per listen socket). Fails only if the
  // system DRBG fails.
  static absl::StatusOr<ChallengeGenerator> create();
  // A generator with a given secret (tests, or a restart that must keep old challenges valid).
  explicit ChallengeGenerator(std::span<const uint8_t, kSipHashKeyBytes> secret);

  // The challenge for a ChallengeRequest from `address` at local time `now_usec`.
  uint64_t make(uint64_t now_usec, const PeerAddress& address) const;
  // True if `challenge` was made by this generator for `address` within the last
  // kChallengeMaxAgeTicks ticks of `now_usec`.
  bool verify(uint64_t challenge, uint64_t now_usec, const PeerAddress& address) const;

  static uint16_t tickOf(uint64_t now_usec) {
    return static_cast<uint16_t>((now_usec >> kChallengeTickShift) & kChallengeTickMask);
  }

 private:
  uint64_t makeForTick(uint16_t tick, const PeerAddress& address) const;

  crypto::SecretArray<kSipHashKeyBytes> secret_;
};

}  // namespace opengns::connection
