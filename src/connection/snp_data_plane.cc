// SnpSession as a DataPlane (see snp_data_plane.h).
#include "connection/snp_data_plane.h"

#include <string>
#include <utility>

namespace opengns::connection {

SnpDataPlane::SnpDataPlane(snp::SnpConfig config, AppQueueProbe app_queue)
    : session_(std::move(config)), app_queue_(std::move(app_queue)) {}

absl::StatusOr<int64_t> SnpDataPlane::sendMessage(snp::Usec now, ByteSpan payload, int send_flags,
                                                  int lane) {
  if (lane < 0) return absl::InvalidArgumentError("send: negative lane");
  return session_.sendMessage(now, static_cast<uint32_t>(lane), payload, send_flags);
}

DataPlaneReceiveResult SnpDataPlane::receivePacket(snp::Usec now, uint64_t packet_number,
                                                   ByteSpan plaintext, snp::AckUrgency urgency,
                                                   std::vector<snp::ReceivedMessage>& delivered) {
  const snp::ReceiveQueueState queue =
      app_queue_ && !discarding_ ? app_queue_() : snp::ReceiveQueueState{};
  snp::ReceiveOutcome outcome =
      session_.receivePacket(now, packet_number, plaintext, urgency, queue, delivered);
  DataPlaneReceiveResult result;
  switch (outcome.action) {
    case snp::ReceiveOutcome::Action::kAcked:
      result.kind = DataPlaneReceiveResult::Kind::kProcessed;
      break;
    case snp::ReceiveOutcome::Action::kNotAcked:
    case snp::ReceiveOutcome::Action::kDropped:
      result.kind = DataPlaneReceiveResult::Kind::kRefused;
      break;
    case snp::ReceiveOutcome::Action::kClose:
      result.kind = DataPlaneReceiveResult::Kind::kFatal;
      result.end_reason = static_cast<int>(outcome.end_reason);
      result.debug = std::move(outcome.debug);
      break;
  }
  return result;
}

bool SnpDataPlane::wantsToSend(snp::Usec now) {
  session_.onWake(now);
  return session_.wantsToSend(now);
}

std::optional<BuiltPacket> SnpDataPlane::buildPacket(snp::Usec now, size_t max_plaintext_bytes,
                                                     size_t stats_total_bytes, bool must_send) {
  if (!must_send && !wantsToSend(now)) return std::nullopt;
  snp::BuildOptions options;
  options.stats_total_bytes = static_cast<uint32_t>(stats_total_bytes);
  std::optional<snp::OutgoingPacket> packet = session_.buildPacket(now, options);
  if (!packet) return std::nullopt;
  if (packet->plaintext.size() > max_plaintext_bytes) {
    // Budgets disagree (a bug on one side): refuse rather than send an oversized packet.
    return std::nullopt;
  }
  BuiltPacket built;
  built.packet_number = packet->packet_number;
  built.plaintext = std::move(packet->plaintext);
  built.carries_reliable = packet->carries_reliable_data;
  return built;
}

std::optional<DataPlaneFailure> SnpDataPlane::onConnected(const DataPlaneParams& params) {
  absl::Status status = session_.onConnected(params.now, params.peer_protocol_version,
                                             params.mtu_bytes, params.cipher_tag_bytes);
  if (status.ok()) return std::nullopt;
  return DataPlaneFailure{static_cast<int>(ConnectionEnd::kRemoteBadProtocolVersion),
                          std::string(status.message())};
}

snp::Usec SnpDataPlane::nextWakeTime(snp::Usec now) {
  return session_.nextWakeTime(now);
}

bool SnpDataPlane::hasPendingReliableData(snp::Usec now) {
  const RealTimeStatus status = session_.realTimeStatus(now);
  return status.pending_reliable > 0 || status.send_unacknowledged_reliable > 0;
}

std::optional<snp::Usec> SnpDataPlane::smoothedRttUsec(snp::Usec now) {
  const int ping_ms = session_.realTimeStatus(now).ping;
  if (ping_ms < 0) return std::nullopt;
  return static_cast<snp::Usec>(ping_ms) * snp::kUsecPerMsec;
}

DataPlaneFactory snpDataPlaneFactory(snp::SnpConfig base, AppQueueProbe app_queue) {
  return [base = std::move(base), app_queue = std::move(app_queue)](const DataPlaneParams& params) {
    snp::SnpConfig config = base;
    config.peer_protocol_version = params.peer_protocol_version;
    config.mtu_bytes = params.mtu_bytes;
    config.cipher_tag_bytes = params.cipher_tag_bytes;
    config.connected = params.connected;
    return std::make_unique<SnpDataPlane>(std::move(config), app_queue);
  };
}

}  // namespace opengns::connection
