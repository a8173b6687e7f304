#include "connection/auth_policy.h"

#include <gtest/gtest.h>

namespace opengns::connection {
namespace {

const PeerAddress kLoopbackV4 = NetworkingIPAddr::fromIPv4(0x7f000001, 27020);
const PeerAddress kLoopbackV4Other = NetworkingIPAddr::fromIPv4(0x7f0a0b0c, 1);  // 127/8
const PeerAddress kLoopbackV6 = NetworkingIPAddr::localHost(27020);
const PeerAddress kRemoteV4 = NetworkingIPAddr::fromIPv4(0xc0000202, 27020);  // 192.0.2.2

TEST(AuthPolicyTest, LoopbackAddresses) {
  EXPECT_TRUE(isLoopbackAddress(kLoopbackV4));
  EXPECT_TRUE(isLoopbackAddress(kLoopbackV4Other));
  EXPECT_TRUE(isLoopbackAddress(kLoopbackV6));
  EXPECT_FALSE(isLoopbackAddress(kRemoteV4));
  std::array<uint8_t, 16> ula{0xfd};
  ula[15] = 1;
  EXPECT_FALSE(isLoopbackAddress(NetworkingIPAddr::fromIPv6(ula, 1)));
  EXPECT_FALSE(isLoopbackAddress(NetworkingIPAddr()));  // :: is not loopback
}

// crypto.md §2.7: IPLocalHost_AllowWithoutAuth only counts for a loopback peer, and the
// larger of the two wins there.
TEST(AuthPolicyTest, EffectiveValue) {
  struct Row {
    int ip, localhost;
    PeerAddress peer;
    int effective;
  };
  const Row rows[] = {
      {0, 0, kLoopbackV4, 0}, {0, 2, kLoopbackV4, 2},      {0, 1, kLoopbackV6, 1},
      {2, 0, kLoopbackV4, 2}, {1, 2, kLoopbackV4Other, 2}, {0, 2, kRemoteV4, 0},
      {1, 2, kRemoteV4, 1},   {2, 0, kRemoteV4, 2},        {1, 1, kLoopbackV4, 1},
  };
  for (const Row& row : rows) {
    AuthPolicy policy{row.ip, row.localhost, kDefaultAppId};
    EXPECT_EQ(effectiveAllowWithoutAuth(policy, row.peer), row.effective)
        << row.ip << "/" << row.localhost << " " << row.peer.toString();
  }
}

// README consistency log: only 2 lets us use our own unsigned cert; 1 and 0 fail with
// 5002 (Misc_InternalError).
TEST(AuthPolicyTest, OwnUnsignedCertNeedsTwo) {
  auto creds = LocalCredentials::createUnsigned(NetworkingIdentity());
  ASSERT_TRUE(creds.ok());
  for (int value = 0; value <= 2; ++value) {
    AuthPolicy policy{value, 0, kDefaultAppId};
    HandshakeCheck check = checkOwnCredentialsAllowed(*creds, policy, kRemoteV4);
    if (value == 2) {
      EXPECT_FALSE(check.has_value());
    } else {
      ASSERT_TRUE(check.has_value()) << value;
      EXPECT_EQ(check->end_reason, 5002);
      EXPECT_FALSE(check->drop_packet);
      EXPECT_NE(check->debug.find("IP_AllowWithoutAuth"), std::string::npos);
    }
  }
  // The localhost setting rescues a loopback peer.
  EXPECT_FALSE(checkOwnCredentialsAllowed(*creds, AuthPolicy{1, 2, 0}, kLoopbackV4).has_value());
  EXPECT_TRUE(checkOwnCredentialsAllowed(*creds, AuthPolicy{1, 2, 0}, kRemoteV4).has_value());
}

}  // namespace
}  // namespace opengns::connection
