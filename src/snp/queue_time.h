// Queue-time estimates for the real-time status API (lifecycle.md §8.4): how long the
// data queued on a connection, or on one lane, will take to go out at the current send
// rate.
//
// Rules (lifecycle.md §8.4, API-visible):
//  - one lane: (pending reliable + pending unreliable bytes, rounded DOWN to whole
//    maximum packet payloads) x 1e6 / send_rate; so a queue under one packet reads 0;
//  - several lanes: the connection-wide value is "unknown" (INT64_MAX, as GNS), and each
//    lane's time comes from the lane scheduler's model: priority classes drain from the
//    highest priority (lowest number) down, each adding its bytes to the time of the
//    classes below; inside a class, weighted fair sharing: lanes finish in the order of
//    pending / weight, and a lane's time covers its own bytes plus what the other lanes
//    of its class send meanwhile (all of the lanes that finish before it, a
//    weight-proportional share of those that finish after).
// Not connected: INT64_MAX everywhere (the caller decides that).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace opengns::snp {

// "Unknown" queue time of the status API.
inline constexpr int64_t kUnknownQueueTimeUsec = INT64_MAX;

// lifecycle.md §8.4, single lane. `packet_payload_bytes` is the maximum plaintext of a
// packet; a send rate of 0 gives kUnknownQueueTimeUsec.
int64_t singleLaneQueueTimeUsec(uint64_t pending_bytes, uint64_t packet_payload_bytes,
                                uint64_t send_rate_bytes_per_sec);

struct LaneBacklog {
  int priority = 1;     // lower number = higher priority
  uint16_t weight = 1;  // >= 1
  uint64_t pending_bytes = 0;
};

// lifecycle.md §8.4, several lanes: one time per entry of `lanes` (same order). Lanes with
// nothing pending read 0.
std::vector<int64_t> laneQueueTimesUsec(std::span<const LaneBacklog> lanes,
                                        uint64_t send_rate_bytes_per_sec);

}  // namespace opengns::snp
