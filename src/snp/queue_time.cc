#include "snp/queue_time.h"

#include <algorithm>
#include <map>

namespace opengns::snp {
namespace {

constexpr double kUsecPerSecD = 1e6;

int64_t bytesToUsec(double bytes, uint64_t rate_bytes_per_sec) {
  if (rate_bytes_per_sec == 0) return kUnknownQueueTimeUsec;
  const double usec = bytes * kUsecPerSecD / static_cast<double>(rate_bytes_per_sec);
  if (usec >= static_cast<double>(kUnknownQueueTimeUsec)) return kUnknownQueueTimeUsec;
  return static_cast<int64_t>(usec);
}

}  // namespace

int64_t singleLaneQueueTimeUsec(uint64_t pending_bytes, uint64_t packet_payload_bytes,
                                uint64_t send_rate_bytes_per_sec) {
  if (packet_payload_bytes == 0) return 0;
  const uint64_t whole_packets_bytes = pending_bytes / packet_payload_bytes * packet_payload_bytes;
  return bytesToUsec(static_cast<double>(whole_packets_bytes), send_rate_bytes_per_sec);
}

std::vector<int64_t> laneQueueTimesUsec(std::span<const LaneBacklog> lanes,
                                        uint64_t send_rate_bytes_per_sec) {
  std::vector<int64_t> times(lanes.size(), 0);
  // Lanes with data, by priority class (lowest number first).
  std::map<int, std::vector<size_t>> classes;
  for (size_t i = 0; i < lanes.size(); ++i) {
    if (lanes[i].pending_bytes != 0) classes[lanes[i].priority].push_back(i);
  }
  double before_class_bytes = 0;  // bytes of the higher-priority classes
  for (auto& [priority, members] : classes) {
    (void)priority;
    // Under fair sharing lanes finish in the order of pending / weight.
    auto finish = [&](size_t i) {
      return static_cast<double>(lanes[i].pending_bytes) / std::max<uint16_t>(lanes[i].weight, 1);
    };
    std::sort(members.begin(), members.end(),
              [&](size_t a, size_t b) { return finish(a) < finish(b); });
    double class_bytes = 0;
    for (size_t i : members)
      class_bytes += static_cast<double>(lanes[i].pending_bytes);
    for (size_t k = 0; k < members.size(); ++k) {
      const double lane_finish = finish(members[k]);
      // By the time lane k is done, every lane j has sent min(its bytes, finish_k x w_j).
      double sent = 0;
      for (size_t j : members) {
        sent += std::min(static_cast<double>(lanes[j].pending_bytes),
                         lane_finish * std::max<uint16_t>(lanes[j].weight, 1));
      }
      times[members[k]] = bytesToUsec(before_class_bytes + sent, send_rate_bytes_per_sec);
    }
    before_class_bytes += class_bytes;
  }
  return times;
}

}  // namespace opengns::snp
