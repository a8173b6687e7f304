// LaneScheduler (snp.md §7.1, §7.3): strict priority (lower number first, lower classes
// starve), weighted fair queueing inside a class at message granularity, configuration
// rules (lanes only added, weights ≥ 1, at most 255), reconfiguration recomputing costs,
// and clock shifting on very long runs. Also drives real SendLanes through the scheduler.
#include "snp/lane_scheduler.h"

#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "common/log.h"
#include "snp/send_lane.h"

namespace opengns::snp {
namespace {

// Picks and places whole messages `count` times; returns bytes placed per lane.
std::map<uint32_t, uint64_t> placeMessages(LaneScheduler& scheduler,
                                           std::map<uint32_t, std::vector<uint64_t>>& sizes,
                                           int count, std::vector<uint32_t>* order = nullptr) {
  std::map<uint32_t, uint64_t> bytes;
  for (int i = 0; i < count; ++i) {
    const std::optional<uint32_t> lane = scheduler.pickLane();
    if (!lane) break;
    std::vector<uint64_t>& queue = sizes[*lane];
    EXPECT_FALSE(queue.empty());
    if (queue.empty()) break;
    const uint64_t size = queue.front();
    queue.erase(queue.begin());
    scheduler.onPlaced(*lane, size, 1);
    bytes[*lane] += size;
    if (order) order->push_back(*lane);
  }
  return bytes;
}

void queueMany(LaneScheduler& scheduler, std::map<uint32_t, std::vector<uint64_t>>& sizes,
               uint32_t lane, int count, uint64_t size) {
  for (int i = 0; i < count; ++i) {
    scheduler.onQueued(lane, size);
    sizes[lane].push_back(size);
  }
}

TEST(LaneSchedulerTest, SingleDefaultLane) {
  LaneScheduler scheduler;
  EXPECT_EQ(scheduler.laneCount(), 1u);
  EXPECT_EQ(scheduler.pickLane(), std::nullopt);
  EXPECT_FALSE(scheduler.hasQueuedMessages());
  scheduler.onQueued(0, 100);
  scheduler.onQueued(0, 0);  // a 0-byte message counts as a message too
  EXPECT_EQ(scheduler.pickLane(), 0u);
  scheduler.onPlaced(0, 40, 0);  // part of the first
  EXPECT_EQ(scheduler.queuedMessageCount(0), 2u);
  scheduler.onPlaced(0, 60, 2);  // the rest of it and the empty one
  EXPECT_EQ(scheduler.queuedMessageCount(0), 0u);
  EXPECT_EQ(scheduler.pickLane(), std::nullopt);
}

TEST(LaneSchedulerTest, StrictPriorityLowerNumberFirstAndStarvation) {
  LaneScheduler scheduler;
  const std::vector<int> priorities = {5, 2, 5};
  ASSERT_TRUE(scheduler.configure(3, priorities, {}).ok());
  std::map<uint32_t, std::vector<uint64_t>> sizes;
  queueMany(scheduler, sizes, 0, 50, 10);
  queueMany(scheduler, sizes, 2, 50, 10);
  queueMany(scheduler, sizes, 1, 50, 1000);  // big messages, but the higher priority
  std::vector<uint32_t> order;
  placeMessages(scheduler, sizes, 50, &order);
  EXPECT_EQ(order, std::vector<uint32_t>(50, 1u));  // lanes 0 and 2 starve
  // More data on lane 1 keeps them starving.
  queueMany(scheduler, sizes, 1, 1, 5);
  EXPECT_EQ(scheduler.pickLane(), 1u);
  placeMessages(scheduler, sizes, 1);
  // Then the class of priority 5 shares: equal weights and sizes alternate.
  order.clear();
  placeMessages(scheduler, sizes, 100, &order);
  ASSERT_EQ(order.size(), 100u);
  for (size_t i = 0; i < order.size(); ++i)
    EXPECT_EQ(order[i], i % 2 == 0 ? 0u : 2u) << i;
  EXPECT_FALSE(scheduler.hasQueuedMessages());
}

TEST(LaneSchedulerTest, WeightsShareBandwidthWithinTenPercent) {
  LaneScheduler scheduler;
  const std::vector<int> priorities = {0, 0, 1};
  const std::vector<uint16_t> weights = {4, 1, 100};
  ASSERT_TRUE(scheduler.configure(3, priorities, weights).ok());
  std::map<uint32_t, std::vector<uint64_t>> sizes;
  // Different message sizes per lane: the share is by bytes, not by messages.
  queueMany(scheduler, sizes, 0, 3000, 300);
  queueMany(scheduler, sizes, 1, 3000, 120);
  const auto bytes = placeMessages(scheduler, sizes, 2000);
  const double share0 = double(bytes.at(0)) / double(bytes.at(0) + bytes.at(1));
  EXPECT_NEAR(share0, 0.8, 0.08) << bytes.at(0) << " vs " << bytes.at(1);
  EXPECT_EQ(bytes.count(2), 0u);
}

TEST(LaneSchedulerTest, FinishTimesCountWholeMessages) {
  LaneScheduler scheduler;
  ASSERT_TRUE(scheduler.configure(2, {}, {}).ok());
  std::map<uint32_t, std::vector<uint64_t>> sizes;
  queueMany(scheduler, sizes, 0, 1, 10000);
  queueMany(scheduler, sizes, 1, 200, 100);
  // F(lane 0) = 10000 k; F(lane 1, i-th) = 100 i k: 99 small ones finish first, the
  // 100th ties (the lower lane number wins the tie).
  std::vector<uint32_t> order;
  placeMessages(scheduler, sizes, 101, &order);
  ASSERT_EQ(order.size(), 101u);
  for (size_t i = 0; i < 99; ++i)
    EXPECT_EQ(order[i], 1u) << i;
  EXPECT_EQ(order[99], 0u);
  EXPECT_EQ(order[100], 1u);
}

TEST(LaneSchedulerTest, PartialPlacementKeepsTheHeadAndAdvancesTheClock) {
  LaneScheduler scheduler;
  ASSERT_TRUE(scheduler.configure(2, {}, {}).ok());
  scheduler.onQueued(0, 3000);
  EXPECT_EQ(scheduler.pickLane(), 0u);
  scheduler.onPlaced(0, 1000, 0);  // part placed: the class clock moves to 1000 k
  scheduler.onQueued(1, 1500);     // F = 1000 k + 1500 k = 2500 k < 3000 k
  EXPECT_EQ(scheduler.pickLane(), 1u);
  scheduler.onPlaced(1, 1500, 1);
  EXPECT_EQ(scheduler.pickLane(), 0u);
  scheduler.onPlaced(0, 2000, 1);
  EXPECT_FALSE(scheduler.hasQueuedMessages());
}

TEST(LaneSchedulerTest, ConfigurationRules) {
  LaneScheduler scheduler;
  const std::vector<int> p3 = {0, 1, 1};
  const std::vector<uint16_t> w3 = {1, 2, 3};
  ASSERT_TRUE(scheduler.configure(3, p3, w3).ok());
  EXPECT_EQ(scheduler.weight(2), 3u);
  EXPECT_EQ(scheduler.priority(0), 0);

  EXPECT_EQ(scheduler.configure(2, {}, {}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(scheduler.configure(0, {}, {}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(scheduler.configure(256, {}, {}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(scheduler.configure(3, std::vector<int>{0, 1}, {}).code(),
            absl::StatusCode::kInvalidArgument);
  const std::vector<uint16_t> zero = {1, 0, 1};
  const absl::Status weight_zero = scheduler.configure(3, {}, zero);
  EXPECT_EQ(weight_zero.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(weight_zero.message().find("lane 1"), absl::string_view::npos) << weight_zero;
  // Failed calls changed nothing.
  EXPECT_EQ(scheduler.laneCount(), 3u);
  EXPECT_EQ(scheduler.weight(2), 3u);
  EXPECT_EQ(scheduler.priority(1), 1);

  EXPECT_TRUE(scheduler.configure(3, {}, {}).ok());  // same count is fine; defaults
  EXPECT_EQ(scheduler.priority(0), kDefaultLanePriority);
  EXPECT_EQ(scheduler.weight(2), 1u);
  EXPECT_TRUE(scheduler.configure(255, {}, {}).ok());
  EXPECT_EQ(scheduler.laneCount(), 255u);
}

TEST(LaneSchedulerTest, ReconfigurationRecomputesCosts) {
  LaneScheduler scheduler;
  ASSERT_TRUE(scheduler.configure(2, {}, {}).ok());
  std::map<uint32_t, std::vector<uint64_t>> sizes;
  queueMany(scheduler, sizes, 0, 2000, 100);
  queueMany(scheduler, sizes, 1, 2000, 100);
  auto bytes = placeMessages(scheduler, sizes, 200);
  EXPECT_EQ(bytes[0], bytes[1]);
  // Now lane 1 weighs 3 and a new lane 2 (weight 4) joins the class with its own data.
  const std::vector<int> priorities = {0, 0, 0};
  const std::vector<uint16_t> weights = {1, 3, 4};
  ASSERT_TRUE(scheduler.configure(3, priorities, weights).ok());
  EXPECT_EQ(scheduler.queuedMessageCount(0), 1900u);
  queueMany(scheduler, sizes, 2, 2000, 100);
  bytes = placeMessages(scheduler, sizes, 1600);
  const double total = double(bytes[0] + bytes[1] + bytes[2]);
  EXPECT_NEAR(bytes[0] / total, 1.0 / 8, 0.0125);
  EXPECT_NEAR(bytes[1] / total, 3.0 / 8, 0.0375);
  EXPECT_NEAR(bytes[2] / total, 4.0 / 8, 0.05);
  // A priority change moves a lane into its own class, ahead of the others.
  const std::vector<int> lane2_first = {1, 1, 0};
  ASSERT_TRUE(scheduler.configure(3, lane2_first, weights).ok());
  std::vector<uint32_t> order;
  placeMessages(scheduler, sizes, 10, &order);
  EXPECT_EQ(order, std::vector<uint32_t>(10, 2u));
}

// Virtual time grows by 2^32 / weight per byte: 30000 messages of 512 KiB push a class
// clock far past 2^64 (it would saturate and turn every decision into a tie without the
// shift), yet the 1:2 weights still hold at the end.
TEST(LaneSchedulerTest, LongRunsStayFair) {
  LaneScheduler scheduler;
  const std::vector<uint16_t> weights = {1, 2};
  ASSERT_TRUE(scheduler.configure(2, {}, weights).ok());
  const uint64_t bugs = bugCount();
  constexpr uint64_t kMessage = 512 * 1024;
  std::map<uint32_t, uint64_t> window;
  for (int placement = 0; placement < 30000; ++placement) {
    for (uint32_t lane = 0; lane < 2; ++lane) {
      while (scheduler.queuedMessageCount(lane) < 2)
        scheduler.onQueued(lane, kMessage);
    }
    const auto lane = scheduler.pickLane();
    ASSERT_TRUE(lane.has_value());
    scheduler.onPlaced(*lane, kMessage, 1);
    if (placement >= 27000) ++window[*lane];
  }
  EXPECT_NEAR(double(window[1]) / double(window[0]), 2.0, 0.05);
  EXPECT_EQ(bugCount(), bugs);
}

TEST(LaneSchedulerTest, MisreportedPlacementsAreBugsNotCrashes) {
  LaneScheduler scheduler;
  const uint64_t bugs = bugCount();
  scheduler.onQueued(7, 10);     // no lane 7
  scheduler.onPlaced(0, 10, 1);  // nothing queued
  EXPECT_EQ(bugCount(), bugs + 2);
  scheduler.onQueued(0, 10);
  scheduler.onPlaced(0, 10, 3);  // only one queued
  EXPECT_EQ(bugCount(), bugs + 3);
  EXPECT_FALSE(scheduler.hasQueuedMessages());
}

// Two real lanes behind the scheduler, filling NULL-sized packets: lane 0 (weight 3) and
// lane 1 (weight 1) of one class share the bytes 3:1; a partly placed message closes
// the packet, as in the reference.
TEST(LaneSchedulerTest, DrivesSendLanes) {
  LaneScheduler scheduler;
  const std::vector<uint16_t> weights = {3, 1};
  ASSERT_TRUE(scheduler.configure(2, {}, weights).ok());
  std::vector<SendLane> lanes;
  for (uint32_t i = 0; i < 2; ++i) {
    SendLaneConfig config;
    config.lane = i;
    lanes.emplace_back(config);
  }
  for (int i = 0; i < 400; ++i) {
    for (uint32_t lane = 0; lane < 2; ++lane) {
      const int flags = i % 3 == 0 ? kSendUnreliable : kSendReliable;
      auto queued = lanes[lane].queueMessage(0, Bytes(200 + 37 * lane, 1), flags, {1u << 30, 0});
      ASSERT_TRUE(queued.ok());
      scheduler.onQueued(lane, queued->queued_bytes);
    }
  }
  std::map<uint32_t, uint64_t> placed;
  // 60 packets carry about 74 KB, less than either lane has queued (80 and 95 KB).
  for (int packet = 0; packet < 60; ++packet) {
    size_t budget = 1241;
    std::map<uint32_t, SegmentContext> contexts;  // (lane switches: select-lane frames)
    while (auto lane = scheduler.pickLane()) {
      const auto segment = lanes[*lane].nextSegment(budget, contexts[*lane]);
      if (!segment) break;  // does not fit: close the packet
      contexts[*lane].noteSegment(*segment);
      scheduler.onPlaced(*lane, segment->scheduled_bytes, segment->messages_completed);
      placed[*lane] += segment->scheduled_bytes;
      if (segment->fills_budget) break;
      budget -= segment->header_bytes + 1 + segment->dataBytes();
      if (segment->messages_completed == 0) break;  // a partial message closes the packet
    }
    for (SendLane& lane : lanes)
      lane.releasePlacedPayloads();
  }
  const double share0 = double(placed[0]) / double(placed[0] + placed[1]);
  EXPECT_NEAR(share0, 0.75, 0.075);
  for (uint32_t lane = 0; lane < 2; ++lane) {
    EXPECT_GT(lanes[lane].queuedMessageCount(), 0u);
    EXPECT_EQ(scheduler.queuedMessageCount(lane), lanes[lane].queuedMessageCount());
  }
}

}  // namespace
}  // namespace opengns::snp
