// Poll groups (lifecycle.md §6.1 handle scheme, §6.4 semantics): pure bookkeeping that works
// before connections exist.
#include <gtest/gtest.h>

#include <memory>
#include <set>

#include "opengns/networking_sockets.h"

namespace opengns {
namespace {

std::unique_ptr<NetworkingSockets> newInstance() {
  absl::StatusOr<std::unique_ptr<NetworkingSockets>> created = NetworkingSockets::create({});
  EXPECT_TRUE(created.ok());
  return std::move(*created);
}

uint32_t raw(PollGroupHandle h) {
  return static_cast<uint32_t>(h);
}

TEST(PollGroupTest, CreateAndDestroy) {
  auto sockets = newInstance();
  PollGroupHandle group = sockets->createPollGroup();
  ASSERT_NE(group, kInvalidPollGroup);
  // Top bit set, sequence in bits 16..27 is 1..0xFFF (lifecycle.md §6.1).
  EXPECT_NE(raw(group) & 0x80000000u, 0u);
  uint32_t sequence = (raw(group) >> 16) & 0xfff;
  EXPECT_GE(sequence, 1u);
  EXPECT_EQ(raw(group) & 0x70000000u, 0u);

  std::vector<MessagePtr> received;
  EXPECT_EQ(sockets->receiveMessagesOnPollGroup(group, 16, &received), 0);
  EXPECT_TRUE(received.empty());
  EXPECT_TRUE(sockets->destroyPollGroup(group));
  EXPECT_FALSE(sockets->destroyPollGroup(group));  // already gone
  EXPECT_EQ(sockets->receiveMessagesOnPollGroup(group, 16, &received), -1);
}

TEST(PollGroupTest, HandlesAreDistinctAndStaleHandlesFail) {
  auto sockets = newInstance();
  std::set<uint32_t> seen;
  std::vector<PollGroupHandle> groups;
  for (int i = 0; i < 50; ++i) {
    PollGroupHandle group = sockets->createPollGroup();
    EXPECT_TRUE(seen.insert(raw(group)).second);
    groups.push_back(group);
  }
  PollGroupHandle stale = groups[7];
  ASSERT_TRUE(sockets->destroyPollGroup(stale));
  // The freed slot is reused with a new sequence number, so the stale handle stays invalid.
  PollGroupHandle reused = sockets->createPollGroup();
  EXPECT_EQ(raw(reused) & 0xffff, raw(stale) & 0xffff);
  EXPECT_NE(reused, stale);
  EXPECT_FALSE(sockets->destroyPollGroup(stale));
  EXPECT_TRUE(sockets->destroyPollGroup(reused));
  for (PollGroupHandle group : groups) {
    if (group != stale) {
      EXPECT_TRUE(sockets->destroyPollGroup(group));
    }
  }
}

TEST(PollGroupTest, ForgedHandlesFail) {
  auto sockets = newInstance();
  PollGroupHandle group = sockets->createPollGroup();
  EXPECT_FALSE(sockets->destroyPollGroup(PollGroupHandle{raw(group) ^ 0x80000000u}));
  EXPECT_FALSE(sockets->destroyPollGroup(PollGroupHandle{raw(group) + 1}));
  EXPECT_FALSE(sockets->destroyPollGroup(PollGroupHandle{raw(group) & 0xffff}));
  EXPECT_TRUE(sockets->destroyPollGroup(group));
}

TEST(PollGroupTest, ConnectionMembershipNeedsAValidConnection) {
  auto sockets = newInstance();
  PollGroupHandle group = sockets->createPollGroup();
  EXPECT_FALSE(sockets->setConnectionPollGroup(kInvalidConnection, group));
  EXPECT_FALSE(sockets->setConnectionPollGroup(ConnectionHandle{77}, kInvalidPollGroup));
}

}  // namespace
}  // namespace opengns
