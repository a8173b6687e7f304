#include "connection/cipher_negotiation.h"

#include <gtest/gtest.h>

namespace opengns::connection {
namespace {

using crypto::CipherId;
constexpr CipherId A = CipherId::kAes256Gcm;
constexpr CipherId N = CipherId::kNull;

TEST(CipherNegotiationTest, ListsFromUnencrypted) {
  EXPECT_EQ(cipherListForUnencrypted(0), (std::vector<CipherId>{A}));
  EXPECT_EQ(cipherListForUnencrypted(1), (std::vector<CipherId>{A, N}));
  EXPECT_EQ(cipherListForUnencrypted(2), (std::vector<CipherId>{N, A}));
  EXPECT_EQ(cipherListForUnencrypted(3), (std::vector<CipherId>{N}));
  EXPECT_EQ(cipherListForUnencrypted(4), (std::vector<CipherId>{A}));  // GNS: treated as 0
  EXPECT_EQ(cipherListForUnencrypted(-1), (std::vector<CipherId>{A}));
}

// crypto.md §3.6 outcome matrix, both halves of the negotiation for every pair.
TEST(CipherNegotiationTest, OutcomeMatrix) {
  const std::optional<CipherId> F;  // fail (4002)
  const std::optional<CipherId> expected[4][4] = {
      {A, A, A, F},
      {A, A, N, N},
      {A, A, N, N},
      {F, N, N, N},
  };
  for (int client = 0; client < 4; ++client) {
    for (int server = 0; server < 4; ++server) {
      SCOPED_TRACE(testing::Message() << "client " << client << " server " << server);
      const auto client_list = cipherListForUnencrypted(client);
      auto chosen = chooseCipherAsServer(cipherListForUnencrypted(server), client_list);
      if (!expected[client][server]) {
        ASSERT_FALSE(chosen.ok());
        EXPECT_EQ(chosen.error().end_reason, 4002);
        EXPECT_FALSE(chosen.error().drop_packet);
        continue;
      }
      ASSERT_TRUE(chosen.ok()) << chosen.error().debug;
      EXPECT_EQ(*chosen, *expected[client][server]);
      auto accepted = checkServerCipher(client_list, {*chosen});
      ASSERT_TRUE(accepted.ok()) << accepted.error().debug;
      EXPECT_EQ(*accepted, *chosen);
    }
  }
}

TEST(CipherNegotiationTest, EmptyClientListMeansAes) {
  auto aes = chooseCipherAsServer(cipherListForUnencrypted(1), {});
  ASSERT_TRUE(aes.ok());
  EXPECT_EQ(*aes, A);
  EXPECT_FALSE(chooseCipherAsServer(cipherListForUnencrypted(3), {}).ok());
}

TEST(CipherNegotiationTest, ClientRequiresExactlyOneAcceptableCipher) {
  for (const std::vector<CipherId>& reply :
       {std::vector<CipherId>{}, std::vector<CipherId>{A, N}, std::vector<CipherId>{N},
        std::vector<CipherId>{CipherId::kInvalid}}) {
    auto result = checkServerCipher({A}, reply);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().end_reason, 4002);
  }
  auto ok = checkServerCipher({N, A}, {A});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, A);
}

}  // namespace
}  // namespace opengns::connection
