#include "api/pipe_connection.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "connection/connection_state.h"

namespace opengns::api {
namespace {

// lifecycle.md §8.4: queue time when not Connected.
constexpr int64_t kUnknownQueueTime = std::numeric_limits<int64_t>::max();

}  // namespace

PipeConnection::PipeConnection(uint32_t local_id, uint32_t partner_id,
                               NetworkingIdentity remote_identity)
    : local_id_(local_id), partner_id_(partner_id), remote_identity_(std::move(remote_identity)) {}

absl::StatusOr<int64_t> PipeConnection::numberOutgoing(snp::Usec now, int lane, size_t bytes,
                                                       bool reliable) {
  if (lane < 0 || static_cast<size_t>(lane) >= next_message_number_.size()) {
    return absl::InvalidArgumentError(absl::StrCat("lane ", lane, " is not configured"));
  }
  traffic_.onDatagramOut(now, bytes);
  ++counters_.messages_queued;
  ++counters_.data_packets_built;
  (reliable ? counters_.reliable_bytes_sent : counters_.unreliable_bytes_sent) += bytes;
  return next_message_number_[static_cast<size_t>(lane)]++;
}

void PipeConnection::countIncoming(snp::Usec now, size_t bytes, bool reliable) {
  traffic_.onDatagramIn(now, bytes);
  ++counters_.packets_received;
  ++(reliable ? counters_.reliable_messages_delivered : counters_.unreliable_messages_delivered);
  counters_.bytes_delivered += bytes;
}

Result PipeConnection::configureLanes(int lanes, std::span<const uint16_t> weights) {
  if (lanes < static_cast<int>(next_message_number_.size())) return Result::kInvalidParam;
  if (std::find(weights.begin(), weights.end(), 0) != weights.end()) return Result::kInvalidParam;
  next_message_number_.resize(static_cast<size_t>(lanes), 1);
  return Result::kOK;
}

bool PipeConnection::closedByPeer(ConnectionEnd reason, std::string_view debug) {
  if (state_ != ConnectionState::kConnected) return false;
  state_ = ConnectionState::kClosedByPeer;
  end_reason_ = reason;
  end_debug_ = connection::truncateEndDebug(debug);
  return true;
}

void PipeConnection::closeByApp(ConnectionEnd reason, std::string_view debug) {
  if (state_ == ConnectionState::kConnected) {
    end_reason_ = reason;
    end_debug_ = connection::truncateEndDebug(debug);
  }
  state_ = ConnectionState::kDead;
}

ConnectionInfo PipeConnection::info(std::string_view app_name) const {
  ConnectionInfo info;
  info.identity = remote_identity_;
  info.connection_state = connection::collapseState(state_);
  info.end_reason = end_reason_;
  info.end_debug = end_debug_;
  info.debug_description = absl::StrCat("#", local_id_, " pipe");
  if (!app_name.empty()) {
    absl::StrAppend(&info.debug_description, " '",
                    absl::string_view(app_name.data(), app_name.size()), "'");
  }
  if (info.debug_description.size() > connection::kMaxDescriptionBytes) {
    info.debug_description.resize(connection::kMaxDescriptionBytes);
  }
  info.info_flags = kConnectionInfoFlagLoopbackBuffers | kConnectionInfoFlagFast;
  return info;
}

RealTimeStatus PipeConnection::realTimeStatus(snp::Usec now) const {
  RealTimeStatus status;
  status.state = connection::collapseState(state_);
  status.ping = 0;
  // LOCAL: nothing is ever lost or reordered in process.
  status.local_quality = 1;
  status.remote_quality = 1;
  const snp::TrafficRates rates = traffic_.rates(now);
  status.packets_out_per_second = static_cast<float>(rates.packets_out_per_sec);
  status.bytes_out_per_second = static_cast<float>(rates.bytes_out_per_sec);
  status.packets_in_per_second = static_cast<float>(rates.packets_in_per_sec);
  status.bytes_in_per_second = static_cast<float>(rates.bytes_in_per_sec);
  status.send_rate = kPipeUnlimited;
  status.queue_time = state_ == ConnectionState::kConnected ? 0 : kUnknownQueueTime;
  return status;
}

LaneStatus PipeConnection::laneStatus() const {
  LaneStatus status;
  status.queue_time = state_ == ConnectionState::kConnected ? 0 : kUnknownQueueTime;
  return status;
}

}  // namespace opengns::api
