// UdpConnection, data part: receiving data packets in the order of crypto.md §5.4 and
// udp.md §10 on_data, and sending them (udp.md §4, §6.1): data header, optional inline
// stats blob for keepalives and urgent pings, optional time-since-previous, the chunk
// sealed with the session's PacketCipher; plus the keepalive / death-rule service loop.
#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "connection/close_packets.h"
#include "connection/connection_state.h"
#include "connection/udp_connection.h"
#include "opengns_stats.pb.h"
#include "wire/data_header.h"
#include "wire/inline_stats.h"
#include "wire/packet_number.h"
#include "wire/udp_constants.h"
#include "wire/varint.h"

namespace opengns::connection {
namespace {

// udp.md §4.6: MTU_PacketSize is clamped to 200..1300.
constexpr int32_t kMinMtuPacketSize = 200;

uint32_t readLe32(ByteSpan bytes, size_t offset) {
  return static_cast<uint32_t>(bytes[offset]) | (static_cast<uint32_t>(bytes[offset + 1]) << 8) |
         (static_cast<uint32_t>(bytes[offset + 2]) << 16) |
         (static_cast<uint32_t>(bytes[offset + 3]) << 24);
}

}  // namespace

size_t UdpConnection::mtuBytes() const {
  return static_cast<size_t>(std::clamp<int32_t>(config_.mtu_packet_size, kMinMtuPacketSize,
                                                 static_cast<int32_t>(wire::kMaxUdpPayloadSize)));
}

size_t UdpConnection::maxPlaintextBytes(size_t stats_total_bytes, size_t time_since_bytes) const {
  return maxPlaintextBytesWithTag(cipher_ ? cipher_->overheadBytes() : 0, stats_total_bytes,
                                  time_since_bytes);
}

size_t UdpConnection::maxPlaintextBytesWithTag(size_t tag, size_t stats_total_bytes,
                                               size_t time_since_bytes) const {
  // udp.md §4.6 payload budget.
  const size_t mtu = mtuBytes();
  const size_t overhead = wire::kDataHeaderSize + stats_total_bytes + time_since_bytes + tag;
  const size_t max_chunk_plain = mtu > overhead ? mtu - overhead : 0;
  const size_t reserved = wire::kReservedHeaderAndStatsRoom + tag;
  const size_t max_reserved_plain = mtu > reserved ? mtu - reserved : 0;
  return std::min(max_chunk_plain, max_reserved_plain);
}

std::optional<snp::Usec> UdpConnection::pingForTimeouts(snp::Usec now) {
  if (data_plane_ != nullptr) {
    if (std::optional<snp::Usec> rtt = data_plane_->smoothedRttUsec(now)) return rtt;
  }
  return handshake_ping_usec_;
}

void UdpConnection::onDataPacket(snp::Usec now, ByteSpan datagram) {
  if (datagram.size() < wire::kDataHeaderSize) return;
  const uint32_t to_id = readLe32(datagram, wire::kDataHeaderConnectionIdOffset);
  if (to_id != local_id_) {  // N3, under the shared spam limit (udp.md §5.6)
    if (env_.spam_limiter != nullptr && env_.spam_limiter->allow(now)) {
      sendControl(now, peer_address_, makeNoConnection(to_id, 0));
    }
    return;
  }
  if (isClosingState(state_)) {  // reactive close repetition, not rate limited
    sendClosingReply(now);
    return;
  }
  if (state_ != ConnectionState::kConnected && state_ != ConnectionState::kLinger) return;
  if (!cipher_ || data_plane_ == nullptr) return;

  absl::StatusOr<wire::DataPacketView> view = wire::decodeDataPacket(datagram);
  if (!view.ok()) return;
  const std::optional<uint64_t> packet_number =
      wire::expandPacketNumber(view->header.wire_packet_number, window_.highest());
  if (!packet_number) return;
  if (window_.check(*packet_number) != snp::PacketNumberWindow::Verdict::kAcceptable) return;
  if (view->chunk.size() > wire::kMaxPlaintextAccepted + cipher_->overheadBytes()) return;
  absl::StatusOr<ByteSpan> plaintext =
      cipher_->decryptChunk(*packet_number, view->chunk, decrypt_buffer_);
  if (!plaintext.ok()) return;  // forged or corrupt: dropped silently, nothing changes
  if (!window_.checkForwardJump(*packet_number).ok()) {
    failLocally(now, static_cast<int>(ConnectionEnd::kMiscGeneric),
                absl::StrCat("pkt number lurch by ", *packet_number - window_.highest()));
    return;
  }
  liveness_->onReceived(now);

  snp::AckUrgency urgency = snp::AckUrgency::kNone;
  if (view->inline_stats) {
    const uint32_t flags = wire::effectiveStatsFlags(*view->inline_stats);
    if (flags & wire::kStatsFlagAckRequestE2E) {
      urgency = (flags & wire::kStatsFlagAckRequestImmediate) ? snp::AckUrgency::kImmediate
                                                              : snp::AckUrgency::kDelayed;
    }
  }
  std::vector<snp::ReceivedMessage> delivered;
  DataPlaneReceiveResult result =
      data_plane_->receivePacket(now, *packet_number, *plaintext, urgency, delivered);
  if (result.kind == DataPlaneReceiveResult::Kind::kFatal) {
    failLocally(now, result.end_reason, result.debug);
    return;
  }
  if (absl::Status marked = window_.markReceived(*packet_number); !marked.ok()) {
    OPENGNS_BUG("connection #", local_id_, ": ", marked.ToString());
  }
  // Messages received during Linger are thrown away, the packet is still acked below
  // (lifecycle.md §4.4, snp.md §2.4).
  if (state_ == ConnectionState::kConnected && !delivered.empty() && env_.events != nullptr) {
    env_.events->onMessagesReceived(local_id_, std::move(delivered));
  }
  service(now);
}

absl::StatusOr<int64_t> UdpConnection::sendMessage(snp::Usec now, ByteSpan payload, int send_flags,
                                                   int lane) {
  // snp.md §2.1 / §6.2: accepted and numbered while connecting too (either role; on the
  // server also before accept), sent once Connected (becomeConnected runs service()).
  const bool open = state_ == ConnectionState::kConnecting || state_ == ConnectionState::kConnected;
  if (!open || data_plane_ == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "send: connection is ", std::string(stateName(state_)), ", not Connecting or Connected"));
  }
  absl::StatusOr<int64_t> number = data_plane_->sendMessage(now, payload, send_flags, lane);
  if (number.ok() && state_ == ConnectionState::kConnected) service(now);
  return number;
}

void UdpConnection::service(snp::Usec now) {
  if (state_ != ConnectionState::kConnected && state_ != ConnectionState::kLinger) return;
  if (!liveness_ || data_plane_ == nullptr) return;
  liveness_->onTimer(now);
  if (liveness_->isDead(now, timeoutConnectedUsec())) {
    failLocally(now, static_cast<int>(ConnectionEnd::kMiscTimeout), kConnectionDroppedDebug);
    return;
  }
  if (state_ == ConnectionState::kLinger && !data_plane_->hasPendingReliableData(now)) {
    enterFinWait(now);  // T15: everything flushed and acknowledged
    return;
  }
  for (int i = 0; i < kMaxPacketsPerService; ++i) {
    uint32_t stats_flags = 0;
    if (liveness_->needsUrgentPing(now)) {
      stats_flags = wire::kStatsFlagAckRequestE2E | wire::kStatsFlagAckRequestImmediate;
    } else if (liveness_->needsKeepalive(now)) {
      stats_flags = wire::kStatsFlagAckRequestE2E;
    }
    const bool must_send = stats_flags != 0;
    if (!must_send && !data_plane_->wantsToSend(now)) break;
    if (!sendDataPacket(now, stats_flags, must_send)) break;
    if (state_ != ConnectionState::kConnected && state_ != ConnectionState::kLinger) break;
  }
}

bool UdpConnection::sendDataPacket(snp::Usec now, uint32_t stats_flags, bool must_send) {
  Bytes stats_blob;
  if (stats_flags != 0) {
    wire::UdpStats stats;
    wire::setStatsFlags(stats, stats_flags);
    stats_blob = wire::serializeInlineStats(stats);
  }
  const size_t stats_total =
      stats_blob.empty() ? 0 : wire::varintSize(stats_blob.size()) + stats_blob.size();
  // udp.md §4.3: only when configured, the peer is >= v12, there was a previous data
  // packet and the gap is <= 250 ms.
  std::optional<uint16_t> time_since;
  if (config_.send_time_since_previous_packet > 0 &&
      peer_protocol_version_ >= wire::kMinVersionTimeSincePrevious && last_data_sent_usec_ &&
      now - *last_data_sent_usec_ <= static_cast<snp::Usec>(wire::kTimeSincePreviousMaxSentUsec)) {
    time_since = wire::timeSincePreviousField(static_cast<uint64_t>(now - *last_data_sent_usec_));
  }
  const size_t extra_header = stats_total + (time_since ? wire::kTimeSincePreviousFieldSize : 0);
  const size_t max_plain =
      maxPlaintextBytes(stats_total, time_since ? wire::kTimeSincePreviousFieldSize : 0);
  std::optional<BuiltPacket> built =
      data_plane_->buildPacket(now, max_plain, extra_header, must_send);
  if (!built) return false;
  const uint64_t packet_number = built->packet_number;
  if (built->plaintext.size() > max_plain || packet_number <= last_sent_packet_number_) {
    OPENGNS_BUG("connection #", local_id_, ": data plane built packet ", packet_number, " of ",
                built->plaintext.size(), " bytes (budget ", max_plain, ", last sent ",
                last_sent_packet_number_, ")");
    failLocally(now, static_cast<int>(ConnectionEnd::kMiscInternalError), "bad packet built");
    return false;
  }
  last_sent_packet_number_ = packet_number;

  Bytes chunk(built->plaintext.size() + cipher_->overheadBytes());
  absl::StatusOr<size_t> sealed = cipher_->encryptChunk(packet_number, built->plaintext, chunk);
  if (!sealed.ok()) {
    failLocally(now, static_cast<int>(ConnectionEnd::kMiscInternalError),
                absl::StrCat("encrypt: ", sealed.status().message()));
    return false;
  }
  chunk.resize(*sealed);
  wire::DataHeader header;
  header.to_connection_id = remote_id_;
  header.wire_packet_number = wire::wirePacketNumber(packet_number);
  if (!stats_blob.empty()) header.inline_stats_blob = ByteSpan(stats_blob);
  header.time_since_previous_16usec = time_since;
  absl::StatusOr<Bytes> datagram = wire::encodeDataPacket(header, chunk);
  if (!datagram.ok()) {
    OPENGNS_BUG("connection #", local_id_, ": data packet: ", datagram.status().ToString());
    return false;
  }
  if (env_.datagrams != nullptr) env_.datagrams->sendDatagram(peer_address_, *datagram);
  last_data_sent_usec_ = now;

  if (stats_flags & wire::kStatsFlagAckRequestImmediate) liveness_->onUrgentPingSent(now);
  if (built->carries_reliable || (stats_flags & wire::kStatsFlagAckRequestE2E)) {
    liveness_->onSentExpectingReply(now, pingForTimeouts(now),
                                    !(stats_flags & wire::kStatsFlagAckRequestImmediate));
  }
  return true;
}

}  // namespace opengns::connection
