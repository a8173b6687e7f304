#include "snp/lane_scheduler.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace opengns::snp {
namespace {

// A class clock above this is shifted down (see the file comment of the header). Costs are
// at most 2^32 per byte and a lane's queue is bounded by the send buffer (≤ 2^28 bytes),
// so finish times stay below 2^62 + 2^60 between two shifts; the saturating arithmetic
// below is only a last guard.
constexpr uint64_t kRebaseThreshold = uint64_t{1} << 62;

uint64_t addSaturating(uint64_t a, uint64_t b) {
  return a > std::numeric_limits<uint64_t>::max() - b ? std::numeric_limits<uint64_t>::max()
                                                      : a + b;
}

uint64_t mulSaturating(uint64_t a, uint64_t b) {
  if (a != 0 && b > std::numeric_limits<uint64_t>::max() / a) {
    return std::numeric_limits<uint64_t>::max();
  }
  return a * b;
}

}  // namespace

LaneScheduler::LaneScheduler() {
  lanes_.resize(1);
  rebuildClasses();
}

absl::Status LaneScheduler::configure(size_t lane_count, std::span<const int> priorities,
                                      std::span<const uint16_t> weights) {
  if (lane_count == 0 || lane_count > kMaxConfiguredLanes) {
    return absl::InvalidArgumentError(absl::StrCat("configure lanes: lane count ", lane_count,
                                                   " is outside 1-", kMaxConfiguredLanes));
  }
  if (lane_count < lanes_.size()) {
    return absl::InvalidArgumentError(absl::StrCat("configure lanes: lane count ", lane_count,
                                                   " is below the ", lanes_.size(),
                                                   " lanes configured (lanes can only be added)"));
  }
  if (!priorities.empty() && priorities.size() != lane_count) {
    return absl::InvalidArgumentError(absl::StrCat("configure lanes: ", priorities.size(),
                                                   " priorities for ", lane_count, " lanes"));
  }
  if (!weights.empty() && weights.size() != lane_count) {
    return absl::InvalidArgumentError(
        absl::StrCat("configure lanes: ", weights.size(), " weights for ", lane_count, " lanes"));
  }
  for (size_t i = 0; i < weights.size(); ++i) {
    if (weights[i] == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("configure lanes: lane ", i, " has weight 0 (must be at least 1)"));
    }
  }
  lanes_.resize(lane_count);
  for (size_t i = 0; i < lane_count; ++i) {
    Lane& lane = lanes_[i];
    lane.priority = priorities.empty() ? kDefaultLanePriority : priorities[i];
    lane.weight = weights.empty() ? kDefaultLaneWeight : weights[i];
    lane.cost_per_byte = kCostScale / lane.weight;
  }
  rebuildClasses();
  return absl::OkStatus();
}

void LaneScheduler::rebuildClasses() {
  std::vector<int> priorities;
  for (const Lane& lane : lanes_)
    priorities.push_back(lane.priority);
  std::sort(priorities.begin(), priorities.end());
  priorities.erase(std::unique(priorities.begin(), priorities.end()), priorities.end());
  classes_.assign(priorities.size(), PriorityClass{});
  for (size_t i = 0; i < priorities.size(); ++i)
    classes_[i].priority = priorities[i];
  active_classes_.clear();
  for (uint32_t index = 0; index < lanes_.size(); ++index) {
    Lane& lane = lanes_[index];
    lane.class_index = static_cast<size_t>(
        std::lower_bound(priorities.begin(), priorities.end(), lane.priority) - priorities.begin());
    recomputeFinishTimes(index);
    if (!lane.queue.empty()) {
      classes_[lane.class_index].ready.insert({lane.queue.front().finish, index});
      active_classes_.insert(lane.class_index);
    }
  }
}

void LaneScheduler::recomputeFinishTimes(uint32_t index) {
  Lane& lane = lanes_[index];
  uint64_t finish = classes_[lane.class_index].clock;
  for (QueuedEntry& entry : lane.queue) {
    finish = addSaturating(finish, mulSaturating(entry.remaining_bytes, lane.cost_per_byte));
    entry.finish = finish;
  }
}

void LaneScheduler::onQueued(uint32_t index, uint64_t bytes) {
  if (index >= lanes_.size()) {
    OPENGNS_BUG("lane scheduler: message queued on lane ", index, " of ", lanes_.size());
    return;
  }
  Lane& lane = lanes_[index];
  PriorityClass& cls = classes_[lane.class_index];
  const uint64_t start = lane.queue.empty() ? cls.clock : lane.queue.back().finish;
  const uint64_t finish = addSaturating(start, mulSaturating(bytes, lane.cost_per_byte));
  lane.queue.push_back({bytes, finish});
  if (lane.queue.size() == 1) {
    cls.ready.insert({finish, index});
    active_classes_.insert(lane.class_index);
  }
}

void LaneScheduler::onPlaced(uint32_t index, uint64_t bytes, size_t messages_completed) {
  if (index >= lanes_.size() || lanes_[index].queue.empty()) {
    if (bytes != 0 || messages_completed != 0) {
      OPENGNS_BUG("lane scheduler: ", bytes, " bytes placed on lane ", index,
                  " which has no queued message");
    }
    return;
  }
  Lane& lane = lanes_[index];
  PriorityClass& cls = classes_[lane.class_index];
  cls.ready.erase({lane.queue.front().finish, index});
  for (size_t done = 0; done < messages_completed; ++done) {
    if (lane.queue.empty()) {
      OPENGNS_BUG("lane scheduler: ", messages_completed, " messages completed on lane ", index,
                  " but only ", done, " were queued");
      bytes = 0;
      break;
    }
    const QueuedEntry& head = lane.queue.front();
    bytes -= std::min(bytes, head.remaining_bytes);
    cls.clock = std::max(cls.clock, head.finish);
    lane.queue.pop_front();
  }
  if (bytes != 0) {
    if (lane.queue.empty() || bytes >= lane.queue.front().remaining_bytes) {
      OPENGNS_BUG("lane scheduler: ", bytes, " bytes placed on lane ", index,
                  " beyond its queued messages or completing one not reported");
    }
    if (!lane.queue.empty()) {
      QueuedEntry& head = lane.queue.front();
      const uint64_t part = std::min(bytes, head.remaining_bytes);
      head.remaining_bytes -= part;
      cls.clock = addSaturating(cls.clock, mulSaturating(part, lane.cost_per_byte));
    }
  }
  if (!lane.queue.empty()) {
    cls.ready.insert({lane.queue.front().finish, index});
  } else if (cls.ready.empty()) {
    active_classes_.erase(lane.class_index);
  }
  rebaseIfNeeded(lane.class_index);
}

void LaneScheduler::rebaseIfNeeded(size_t class_index) {
  PriorityClass& cls = classes_[class_index];
  if (cls.clock <= kRebaseThreshold) return;
  uint64_t base = cls.clock;
  if (!cls.ready.empty()) base = std::min(base, cls.ready.begin()->first);
  cls.clock -= base;
  std::set<std::pair<uint64_t, uint32_t>> ready;
  for (const auto& [finish, index] : cls.ready) {
    // Within a lane finish times only grow, so every one is >= the head's >= base.
    for (QueuedEntry& entry : lanes_[index].queue)
      entry.finish -= base;
    ready.insert({finish - base, index});
  }
  cls.ready = std::move(ready);
}

std::optional<uint32_t> LaneScheduler::pickLane() const {
  if (active_classes_.empty()) return std::nullopt;
  return classes_[*active_classes_.begin()].ready.begin()->second;
}

}  // namespace opengns::snp
