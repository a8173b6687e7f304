// Instance: sending, flushing, lanes, receiving and the status queries (snp.md §5.3, §6,
// §7; lifecycle.md §6.4, §7, §8.4, §8.5; config.md §2.1). Every method takes the
// instance lock (instance.h).
#include <algorithm>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "api/detailed_status.h"
#include "api/instance.h"
#include "connection/connection_state.h"

namespace opengns::api {
namespace {

// lifecycle.md §8.4: queue time when not Connected.
constexpr int64_t kUnknownQueueTime = std::numeric_limits<int64_t>::max();

bool isClosedVisible(ConnectionState state) {
  return state == ConnectionState::kClosedByPeer ||
         state == ConnectionState::kProblemDetectedLocally;
}

bool isConnecting(ConnectionState state) {
  return state == ConnectionState::kConnecting || state == ConnectionState::kFindingRoute;
}

// Sends that ask for immediacy (no Nagle, no delay, use-current-thread) leave on the
// caller's thread: waking the service thread to write them would add a thread hop to every
// such message's latency. Nagle-delayed sends accept latency, so a packet they fill is
// written by the service thread and the caller's thread does no socket write.
bool sendsOnCallerThread(int flags) {
  return (flags & (kSendNoNagle | kSendNoDelay | kSendUseCurrentThread)) != 0;
}

SendMessageResult failed(Result result) {
  SendMessageResult out;
  out.result = result;
  out.message_number = -1;
  return out;
}

}  // namespace

// ---- sending ----------------------------------------------------------------------------------

SendMessageResult Instance::sendLocked(ConnectionRecord& record, std::span<const std::byte> data,
                                       int flags, int lane) {
  if (record.pipe != nullptr) return pipeSend(record, data, flags, lane);  // its own limits
  if (data.size() > static_cast<size_t>(kMaxMessageSizeSend)) {
    deferLog(DebugOutputType::kWarning,
             absl::StrCat("connection #", record.id, ": message of ", data.size(),
                          " bytes refused: the largest message one send accepts is ",
                          kMaxMessageSizeSend, " bytes"));
    return failed(Result::kInvalidParam);
  }
  if (lane < 0) return failed(Result::kInvalidParam);
  connection::UdpConnection* wire = wireOf(record);
  if (wire == nullptr) return failed(Result::kInvalidState);
  const ConnectionState state = wire->state();
  if (isClosedVisible(state)) return failed(Result::kNoConnection);
  if (!isConnecting(state) && state != ConnectionState::kConnected) {
    return failed(Result::kInvalidState);
  }
  // While Connecting the message is numbered now and waits for the connection; NoDelay is
  // refused then with Ignored (snp.md §6.1).
  const ByteSpan payload(reinterpret_cast<const uint8_t*>(data.data()), data.size());
  absl::StatusOr<int64_t> number = wire->sendMessage(now_usec_, payload, flags, lane);
  if (!number.ok()) return failed(snp::sendResultFromStatus(number.status()));
  SendMessageResult out;
  out.result = Result::kOK;
  out.message_number = *number;
  return out;
}

SendMessageResult Instance::send(ConnectionHandle connection, std::span<const std::byte> data,
                                 int flags, int lane) {
  Locked lock(this);
  ConnectionRecord* record = findVisible(connection);
  if (record == nullptr) return failed(Result::kInvalidParam);
  SendMessageResult result = sendLocked(*record, data, flags, lane);
  if (result.result == Result::kOK) {
    afterApiSend(*record, sendsOnCallerThread(flags));
  }
  return result;
}

std::vector<int64_t> Instance::sendMessages(std::vector<MessagePtr> messages,
                                            ConnectionHandle connection, int flags) {
  std::vector<int64_t> results(messages.size(), -static_cast<int64_t>(Result::kInvalidParam));
  {
    Locked lock(this);
    ConnectionRecord* record = findVisible(connection);
    if (record != nullptr) {
      bool stopped = false;  // config.md §2.1: after the first failure, 0 for the rest
      bool sent_any = false;
      for (size_t i = 0; i < messages.size(); ++i) {
        if (messages[i] == nullptr) continue;  // -InvalidParam, not a failure of the connection
        if (stopped) {
          results[i] = 0;
          continue;
        }
        SendMessageResult result =
            sendLocked(*record, messages[i]->payload(), flags, messages[i]->lane);
        if (result.result == Result::kOK) {
          results[i] = result.message_number;
          sent_any = true;
        } else {
          results[i] = -static_cast<int64_t>(result.result);
          stopped = true;
        }
      }
      if (sent_any) afterApiSend(*record, sendsOnCallerThread(flags));
    }
  }
  // The library owns the messages from the call on; they are freed here, unlocked.
  messages.clear();
  return results;
}

Result Instance::flush(ConnectionHandle connection) {
  Locked lock(this);
  ConnectionRecord* record = findVisible(connection);
  if (record == nullptr) return Result::kInvalidParam;
  if (record->pipe != nullptr) return pipeFlush(*record);
  connection::UdpConnection* wire = wireOf(*record);
  if (wire == nullptr) return Result::kInvalidState;
  const ConnectionState state = wire->state();
  if (isClosedVisible(state)) return Result::kNoConnection;
  snp::SnpSession* session = sessionOf(*record);
  if (session == nullptr) return Result::kInvalidState;
  // snp.md §6.2: clears every Nagle timer; while Connecting that is Ignored and the data
  // goes once connected.
  const absl::Status flushed = session->flush(now_usec_);
  if (state == ConnectionState::kConnected) wire->onTimer(now_usec_);  // sends what may go now
  afterApiSend(*record, true);  // the application wants it out now
  return snp::sendResultFromStatus(flushed);
}

Result Instance::configureLanes(ConnectionHandle connection, int lanes,
                                std::span<const int> priorities,
                                std::span<const uint16_t> weights) {
  Locked lock(this);
  ConnectionRecord* record = findVisible(connection);
  if (record == nullptr) return Result::kNoConnection;
  connection::UdpConnection* wire = wireOf(*record);
  if (wire == nullptr && record->pipe == nullptr) return Result::kNoConnection;
  const ConnectionState state = wire != nullptr ? wire->state() : record->pipe->state();
  if (!isConnecting(state) && state != ConnectionState::kConnected) return Result::kInvalidState;
  if (lanes < 1 || lanes > kMaxLanes) return Result::kInvalidParam;
  if ((!priorities.empty() && priorities.size() != static_cast<size_t>(lanes)) ||
      (!weights.empty() && weights.size() != static_cast<size_t>(lanes))) {
    return Result::kInvalidParam;
  }
  if (record->pipe != nullptr) return record->pipe->configureLanes(lanes, weights);
  // Lanes configured while Connecting apply once connected (the data plane exists from
  // creation).
  snp::SnpSession* session = sessionOf(*record);
  if (session == nullptr) return Result::kInvalidState;
  return snp::sendResultFromStatus(
      session->configureLanes(static_cast<size_t>(lanes), priorities, weights));
}

// ---- receiving ----------------------------------------------------------------------------

int Instance::receiveOnConnection(ConnectionHandle connection, int max_messages,
                                  std::vector<MessagePtr>* messages) {
  Locked lock(this);
  ConnectionRecord* record = findVisible(connection);
  if (record == nullptr) return -1;
  if (messages == nullptr || max_messages <= 0) return 0;
  if (record->queue.empty()) receiveOnCallerThread();
  int count = 0;
  while (count < max_messages && !record->queue.empty()) {
    messages->push_back(record->queue.popFront());
    ++count;
  }
  // The group still references what was taken here; drop such references once they
  // outnumber the live ones (they are skipped anyway when the group is read).
  if (count > 0 && record->poll_group != 0) {
    if (PollGroup* group = poll_groups_.find(record->poll_group)) {
      size_t live = 0;
      for (uint32_t member : group->members) {
        if (ConnectionRecord* other = findRecord(member)) live += other->queue.size();
      }
      if (group->queue.size() > 2 * live + 64) {
        group->queue.retain([this](const PollGroupEntry& entry) ABSL_NO_THREAD_SAFETY_ANALYSIS {
          ConnectionRecord* owner = findRecord(entry.connection);
          return owner != nullptr && owner->queue.contains(entry.sequence);
        });
      }
    }
  }
  return count;
}

int Instance::receiveOnPollGroup(PollGroupHandle poll_group, int max_messages,
                                 std::vector<MessagePtr>* messages) {
  Locked lock(this);
  const uint32_t group_handle = static_cast<uint32_t>(poll_group);
  PollGroup* group = poll_groups_.find(group_handle);
  if (group == nullptr) return -1;
  if (messages == nullptr || max_messages <= 0) return 0;
  if (group->queue.empty()) receiveOnCallerThread();
  int count = 0;
  while (count < max_messages && !group->queue.empty()) {
    const PollGroupEntry entry = group->queue.popFront();
    ConnectionRecord* record = findRecord(entry.connection);
    if (record == nullptr || record->poll_group != group_handle) continue;
    if (record->queue.frontSequence() != entry.sequence) continue;  // taken on the connection
    messages->push_back(record->queue.popFront());
    ++count;
  }
  return count;
}

// ---- status -------------------------------------------------------------------------------

RealTimeStatusResult Instance::realTimeStatus(ConnectionHandle connection, int lanes,
                                              bool get_status) {
  Locked lock(this);
  RealTimeStatusResult result;
  ConnectionRecord* record = findVisible(connection);
  if (record != nullptr && record->pipe != nullptr) {
    return pipeRealTimeStatus(*record, lanes, get_status);
  }
  connection::UdpConnection* wire = record != nullptr ? wireOf(*record) : nullptr;
  if (wire == nullptr) {
    result.result = Result::kNoConnection;
    return result;
  }
  snp::SnpSession* session = sessionOf(*record);
  const size_t lane_count = session != nullptr ? session->laneCount() : 1;
  if (lanes < 0 || static_cast<size_t>(lanes) > lane_count) {
    result.result = Result::kInvalidParam;
    return result;
  }
  const ConnectionState state = connection::collapseState(wire->state());
  const bool connected = state == ConnectionState::kConnected;
  result.result = Result::kOK;
  if (get_status) {
    RealTimeStatus status =
        session != nullptr ? session->realTimeStatus(now_usec_) : RealTimeStatus{};
    status.state = state;
    if (status.ping < 0) {
      if (std::optional<int> ping = wire->handshakePingMs()) status.ping = *ping;
    }
    if (!connected) status.queue_time = kUnknownQueueTime;
    result.connection_status = status;
  }
  for (int lane = 0; lane < lanes; ++lane) {
    LaneStatus lane_status;
    if (session != nullptr)
      lane_status = session->laneStatus(static_cast<uint32_t>(lane), now_usec_);
    if (!connected) lane_status.queue_time = kUnknownQueueTime;
    result.lanes_status.push_back(lane_status);
  }
  return result;
}

DetailedConnectionStatus Instance::detailedStatus(ConnectionHandle connection) {
  Locked lock(this);
  DetailedConnectionStatus result;
  ConnectionRecord* record = findVisible(connection);
  if (record != nullptr && record->pipe != nullptr) return pipeDetailedStatus(*record);
  connection::UdpConnection* wire = record != nullptr ? wireOf(*record) : nullptr;
  if (wire == nullptr) return result;  // success = -1
  DetailedStatusInputs inputs;
  inputs.info = wire->info();
  inputs.info.user_data = record->user_data;
  snp::SnpSession* session = sessionOf(*record);
  RealTimeStatus status;
  if (session != nullptr) {
    status = session->realTimeStatus(now_usec_);
    status.state = inputs.info.connection_state;
    inputs.status = &status;
    inputs.counters = &session->counters();
  }
  result.success = 0;
  result.buffer = describeConnectionStatus(inputs);
  return result;
}

}  // namespace opengns::api
