// One end of an in-process socket pair (lifecycle.md §9.1, "pipe"): no socket, no packet,
// no crypto. What is left of a connection is kept here: the state (Connected, then
// ClosedByPeer when the partner closes, Dead once the application closes it), the end
// reason, the remote identity, the lanes and their message numbers, and faked traffic
// numbers (each message counts as one packet) for the status queries. The instance moves
// messages between the two ends (instance_pairs.cc); the ends know each other only by ID.
//
// Pipes have "effectively unlimited buffers" (§9.1): nothing is ever pending, so the
// status reports empty queues, ping 0 and the unlimited send rate, and linger never
// applies.
//
// Not thread-safe: guarded by the instance lock like the rest of the connection record.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "opengns/types.h"
#include "snp/snp_session.h"
#include "snp/time.h"
#include "snp/traffic_stats.h"

namespace opengns::api {

// lifecycle.md §9.1: send rate, receive buffer size / count and max message size of a pipe.
inline constexpr int32_t kPipeUnlimited = 0x10000000;

class PipeConnection {
 public:
  // Connected from the start (T21: no event for it). `remote_identity` must be valid.
  PipeConnection(uint32_t local_id, uint32_t partner_id, NetworkingIdentity remote_identity);

  uint32_t partnerId() const { return partner_id_; }
  const NetworkingIdentity& remoteIdentity() const { return remote_identity_; }
  // Connected, ClosedByPeer, or Dead once the application closed it.
  ConnectionState state() const { return state_; }
  ConnectionEnd endReason() const { return end_reason_; }
  const std::string& endDebug() const { return end_debug_; }

  // Sending (Connected only, the caller checks): the next message number of `lane`,
  // counted as one packet of `bytes` out. InvalidArgument if the lane is not configured.
  absl::StatusOr<int64_t> numberOutgoing(snp::Usec now, int lane, size_t bytes, bool reliable);
  // The partner handed this end a message of `bytes`.
  void countIncoming(snp::Usec now, size_t bytes, bool reliable);

  // configureConnectionLanes after the caller's range checks (lanes 1..kMaxLanes, span
  // sizes): as on a UDP connection, lanes are only added and a weight must not be 0.
  Result configureLanes(int lanes, std::span<const uint16_t> weights);
  size_t laneCount() const { return next_message_number_.size(); }

  // The partner closed (any reason): Connected -> ClosedByPeer with its reason and text.
  // False if this end was not Connected.
  bool closedByPeer(ConnectionEnd reason, std::string_view debug);
  // The application closed this end: Dead at once. While Connected, `reason` / `debug`
  // (already mapped by appCloseReason) become the end reason; otherwise the recorded
  // one stays (lifecycle.md §2.2).
  void closeByApp(ConnectionEnd reason, std::string_view debug);

  // lifecycle.md §8.1 / §9.1: listen socket 0, remote address zero, flags
  // LoopbackBuffers | Fast, description "#<id> pipe" plus the app's name. user_data is
  // left at its default (the record owns it).
  ConnectionInfo info(std::string_view app_name) const;
  RealTimeStatus realTimeStatus(snp::Usec now) const;
  LaneStatus laneStatus() const;
  // The lifetime numbers of the detailed status, faked as one packet per message.
  const snp::SnpSessionCounters& counters() const { return counters_; }

 private:
  const uint32_t local_id_;
  const uint32_t partner_id_;
  const NetworkingIdentity remote_identity_;
  ConnectionState state_ = ConnectionState::kConnected;
  ConnectionEnd end_reason_ = ConnectionEnd::kInvalid;
  std::string end_debug_;
  std::vector<int64_t> next_message_number_ = {1};  // per lane, from 1 (snp.md §2.1)
  snp::TrafficStats traffic_;
  snp::SnpSessionCounters counters_;
};

}  // namespace opengns::api
