// Chooses which lane's queued message goes into a packet next (snp.md §7.3, LOCAL):
// strict priority between classes of lanes (LOWER priority number first; a lower class
// starves while a higher one has data), and weighted fair queueing with virtual finish
// times inside a class, at message granularity.
//
// Model (the reference's, §7.3): each class has a virtual clock V. A message queued on a
// lane finishes at F = (F of the lane's previous queued message, or V if none) +
// bytes × cost, with cost = kCostScale / weight. The lane whose head message has the
// smallest F is served first. When a message is completely placed, V := max(V, F); a part
// placed advances V by bytes × cost.
// Differences from the reference, all invisible on the wire:
//  - cost is 2^32 / weight instead of 65536 × (sum of the class's weights) / weight: every
//    cost of a class is scaled by the same factor, which changes no decision (the clock
//    is per class); the rounding error is below 2^-16 relative.
//  - reconfiguring sets every class clock to 0 and recomputes the F of every queued
//    message from the new costs, head first (the reference also recomputes F).
//  - V never goes down (max), and a class whose clock passes 2^62 is shifted down by its
//    smallest value (no decision changes), so the arithmetic cannot overflow.
//  - Ties in F go to the lower lane number.
//
// The scheduler keeps its own per-lane list of queued message sizes; the engine reports
// each queued message (onQueued, with SendLane's QueuedMessage::queued_bytes) and each
// segment of new data placed (onPlaced, with OutgoingSegment::scheduled_bytes and
// messages_completed). Picking is O(log n) over the lanes that have data: it never scans
// idle lanes. Resends are not scheduled here: they go first in every packet (§4.3).
//
// Not thread-safe: owned by the connection's SNP engine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <span>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "opengns/types.h"

namespace opengns::snp {

// §7.1 limits of ConfigureConnectionLanes.
inline constexpr size_t kMaxConfiguredLanes = static_cast<size_t>(kMaxLanes);  // 255
inline constexpr int kDefaultLanePriority = 1;  // null priority array: all lanes 1
inline constexpr uint16_t kDefaultLaneWeight = 1;

class LaneScheduler {
 public:
  // Virtual-time cost of one byte on a lane of weight w is kCostScale / w.
  static constexpr uint64_t kCostScale = uint64_t{1} << 32;

  // One lane (lane 0), default priority and weight.
  LaneScheduler();

  // Sets the lane count and each lane's priority and weight (§7.1). An empty span means
  // the default for every lane; otherwise it must have lane_count entries. Errors
  // (InvalidArgument → public InvalidParam (8)), which change nothing: lane_count 0 or
  // above 255, fewer lanes than configured now (lanes can only be added), a span of the
  // wrong length, a weight of 0.
  absl::Status configure(size_t lane_count, std::span<const int> priorities,
                         std::span<const uint16_t> weights);

  size_t laneCount() const { return lanes_.size(); }
  int priority(uint32_t lane) const { return lanes_.at(lane).priority; }
  uint16_t weight(uint32_t lane) const { return lanes_.at(lane).weight; }

  // A message of `bytes` (reliable: header included) was queued on `lane`.
  void onQueued(uint32_t lane, uint64_t bytes);
  // `bytes` of new data from `lane` went into a packet, completing the first
  // `messages_completed` queued messages of the lane (the last of them possibly only in
  // part before this call); any bytes beyond them are a part of the next message.
  void onPlaced(uint32_t lane, uint64_t bytes, size_t messages_completed);

  // The lane to take new data from: the highest-priority class with queued messages,
  // and in it the lane whose head message has the smallest finish time. nullopt if no
  // lane has a queued message.
  std::optional<uint32_t> pickLane() const;

  bool hasQueuedMessages() const { return !active_classes_.empty(); }
  size_t queuedMessageCount(uint32_t lane) const { return lanes_.at(lane).queue.size(); }

 private:
  struct QueuedEntry {
    uint64_t remaining_bytes = 0;  // not placed yet
    uint64_t finish = 0;           // virtual finish time F
  };
  struct Lane {
    int priority = kDefaultLanePriority;
    uint16_t weight = kDefaultLaneWeight;
    size_t class_index = 0;
    uint64_t cost_per_byte = kCostScale;
    std::deque<QueuedEntry> queue;
  };
  struct PriorityClass {
    int priority = 0;
    uint64_t clock = 0;                             // V
    std::set<std::pair<uint64_t, uint32_t>> ready;  // (head F, lane) of lanes with data
  };

  void rebuildClasses();
  void recomputeFinishTimes(uint32_t lane);
  void rebaseIfNeeded(size_t class_index);

  std::vector<Lane> lanes_;
  std::vector<PriorityClass> classes_;  // sorted by priority, lowest number first
  std::set<size_t> active_classes_;     // indices of classes with a non-empty `ready`
};

}  // namespace opengns::snp
