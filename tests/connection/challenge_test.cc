#include "connection/challenge.h"

#include <gtest/gtest.h>

#include <numeric>

#include "support/vectors.h"
#include "wire/control_packet.h"

namespace opengns::connection {
namespace {

constexpr uint64_t kTickUsec = uint64_t{1} << kChallengeTickShift;
// A clock value like GNS's (3e12 us base), in the middle of a tick.
constexpr uint64_t kNow = 3'000'000'014'837ULL;

SipHashKey testSecret(uint8_t seed) {
  SipHashKey key;
  std::iota(key.begin(), key.end(), seed);
  return key;
}

PeerAddress v4(uint32_t ip, uint16_t port) {
  return NetworkingIPAddr::fromIPv4(ip, port);
}

TEST(ChallengeTest, RoundTripAndTickInLowBits) {
  ChallengeGenerator gen(testSecret(1));
  const PeerAddress client = v4(0x7f000001, 50267);
  const uint64_t challenge = gen.make(kNow, client);
  EXPECT_EQ(challenge & 0xffff, (kNow >> 20) & 0xffff);
  EXPECT_EQ(ChallengeGenerator::tickOf(kNow), (kNow >> 20) & 0xffff);
  EXPECT_TRUE(gen.verify(challenge, kNow, client));
  // Deterministic for the same tick and address: a retry within the tick gets the same value
  // (lossy_session: replies 1 and 3 carry the same challenge).
  const uint64_t tick_start = (kNow >> 20) << 20;
  EXPECT_EQ(gen.make(tick_start, client), challenge);
  EXPECT_EQ(gen.make(tick_start + kTickUsec - 1, client), challenge);
}

TEST(ChallengeTest, ExpiresAfterThreeTicks) {
  ChallengeGenerator gen(testSecret(2));
  const PeerAddress client = v4(0xc0000202, 4000);
  const uint64_t tick_start = (kNow >> 20) << 20;
  const uint64_t challenge = gen.make(tick_start, client);
  for (uint64_t age = 0; age <= kChallengeMaxAgeTicks; ++age) {
    EXPECT_TRUE(gen.verify(challenge, tick_start + age * kTickUsec, client)) << "age " << age;
    EXPECT_TRUE(gen.verify(challenge, tick_start + (age + 1) * kTickUsec - 1, client));
  }
  EXPECT_FALSE(gen.verify(challenge, tick_start + 4 * kTickUsec, client));
  EXPECT_FALSE(gen.verify(challenge, tick_start + 100 * kTickUsec, client));
  // From the future (one tick ahead of the verifier's clock) is refused too.
  EXPECT_FALSE(gen.verify(challenge, tick_start - 1, client));
}

TEST(ChallengeTest, SurvivesTickWrap) {
  ChallengeGenerator gen(testSecret(3));
  const PeerAddress client = v4(0x0a000001, 1);
  const uint64_t issued = uint64_t{0xffff} << 20;  // last tick before the 16-bit wrap
  const uint64_t challenge = gen.make(issued, client);
  EXPECT_EQ(challenge & 0xffff, 0xffffu);
  EXPECT_TRUE(gen.verify(challenge, issued + 3 * kTickUsec, client));  // tick 0x0002
  EXPECT_FALSE(gen.verify(challenge, issued + 4 * kTickUsec, client));
}

TEST(ChallengeTest, BoundToAddressAndPort) {
  ChallengeGenerator gen(testSecret(4));
  const PeerAddress client = v4(0x7f000001, 50267);
  const uint64_t challenge = gen.make(kNow, client);
  EXPECT_FALSE(gen.verify(challenge, kNow, v4(0x7f000001, 50268)));
  EXPECT_FALSE(gen.verify(challenge, kNow, v4(0x7f000002, 50267)));
  EXPECT_FALSE(gen.verify(challenge, kNow, NetworkingIPAddr::localHost(50267)));
  // IPv6 addresses differing in one byte.
  std::array<uint8_t, 16> a{0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
  const PeerAddress v6 = NetworkingIPAddr::fromIPv6(a, 27020);
  const uint64_t c6 = gen.make(kNow, v6);
  EXPECT_TRUE(gen.verify(c6, kNow, v6));
  a[15] = 3;
  EXPECT_FALSE(gen.verify(c6, kNow, NetworkingIPAddr::fromIPv6(a, 27020)));
}

TEST(ChallengeTest, ForgedBitsRejected) {
  ChallengeGenerator gen(testSecret(5));
  const PeerAddress client = v4(0x7f000001, 50267);
  const uint64_t challenge = gen.make(kNow, client);
  for (int bit = 0; bit < 64; ++bit) {
    // Flipping a tick bit may still give an in-window tick: the MAC must catch it.
    EXPECT_FALSE(gen.verify(challenge ^ (uint64_t{1} << bit), kNow, client)) << "bit " << bit;
  }
  EXPECT_FALSE(gen.verify(0, kNow, client));
  EXPECT_FALSE(gen.verify(ChallengeGenerator::tickOf(kNow), kNow, client));
  // Another listen socket (another secret) does not accept it.
  ChallengeGenerator other(testSecret(6));
  EXPECT_FALSE(other.verify(challenge, kNow, client));
}

TEST(ChallengeTest, CreateDrawsDistinctSecrets) {
  auto a = ChallengeGenerator::create();
  auto b = ChallengeGenerator::create();
  ASSERT_TRUE(a.ok() && b.ok());
  const PeerAddress client = v4(0x7f000001, 50267);
  EXPECT_NE(a->make(kNow, client), b->make(kNow, client));
  EXPECT_TRUE(a->verify(a->make(kNow, client), kNow, client));
}

// udp.md §3.3 cross-check: in the first captures the server's tick (challenge low 16 bits)
// equals tickOf(the client's ChallengeRequest timestamp) in the two scripted sessions,
// which pins the tick definition (us >> 20, 16 bits) against GNS.
TEST(ChallengeTest, TickMatchesRecordedChallenges) {
  OPENGNS_REQUIRE_SHARED();
  for (const char* name : {"unencrypted_session", "encrypted_session"}) {
    SCOPED_TRACE(name);
    auto doc = testing::loadJson(testing::vectorsDir() / (std::string(name) + ".packets.json"));
    auto request =
        wire::decodeControlPacket(testing::hexBytes(doc["packets"][0]["udp_payload_hex"]));
    auto reply = wire::decodeControlPacket(testing::hexBytes(doc["packets"][1]["udp_payload_hex"]));
    ASSERT_TRUE(request.ok() && reply.ok());
    const auto& req = std::get<wire::ChallengeRequest>(request->message);
    const auto& rep = std::get<wire::ChallengeReply>(reply->message);
    EXPECT_EQ(rep.challenge() & 0xffff, ChallengeGenerator::tickOf(req.my_timestamp()));
  }
}

}  // namespace
}  // namespace opengns::connection
