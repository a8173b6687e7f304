// Connection IDs (lifecycle.md §6.1): both halves non-zero, low halves unique among live
// IDs, recently released low halves avoided, released IDs leave the registry.
#include "api/connection_id_registry.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace opengns::api {
namespace {

TEST(ConnectionIdRegistry, ValidUniqueAndReleased) {
  const size_t live_before = liveConnectionIdCount();
  std::vector<uint32_t> ids;
  std::set<uint32_t> low_halves;
  for (int i = 0; i < 1000; ++i) {
    const uint32_t id = allocateConnectionId();
    ASSERT_NE(id, 0u);
    EXPECT_NE(id & 0xffff, 0u);
    EXPECT_NE(id >> 16, 0u);
    EXPECT_TRUE(low_halves.insert(id & 0xffff).second) << "low half reused while live";
    ids.push_back(id);
  }
  EXPECT_EQ(liveConnectionIdCount(), live_before + 1000);
  // The 256 most recently released low halves are not handed out again.
  std::set<uint32_t> recent;
  for (size_t i = ids.size() - kRecentConnectionIdsAvoided; i < ids.size(); ++i) {
    releaseConnectionId(ids[i]);
    recent.insert(ids[i] & 0xffff);
  }
  // (Held, not released at once: each release would push a newer low half into the list.)
  std::vector<uint32_t> later;
  for (int i = 0; i < 2000; ++i) {
    const uint32_t id = allocateConnectionId();
    ASSERT_NE(id, 0u);
    EXPECT_FALSE(recent.contains(id & 0xffff));
    later.push_back(id);
  }
  for (uint32_t id : later)
    releaseConnectionId(id);
  for (size_t i = 0; i < ids.size() - kRecentConnectionIdsAvoided; ++i)
    releaseConnectionId(ids[i]);
  releaseConnectionId(ids[0]);  // twice: ignored
  EXPECT_EQ(liveConnectionIdCount(), live_before);
}

TEST(ConnectionIdRegistry, ProcessLimit) {
  std::vector<uint32_t> ids;
  while (true) {
    const uint32_t id = allocateConnectionId();
    if (id == 0) break;
    ids.push_back(id);
    ASSERT_LE(ids.size(), kMaxLiveConnectionIds);
  }
  EXPECT_EQ(liveConnectionIdCount(), kMaxLiveConnectionIds);
  releaseConnectionId(ids.back());
  EXPECT_NE(allocateConnectionId(), 0u);  // room again
  for (uint32_t id : ids)
    releaseConnectionId(id);
}

}  // namespace
}  // namespace opengns::api
