#include "session_decoder.h"

#include <algorithm>
#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "opengns_crypto.pb.h"
#include "wire/data_header.h"
#include "wire/packet_number.h"
#include "wire/snp_frame_decoder.h"

namespace opengns::tools {

absl::StatusOr<SessionDecoder> SessionDecoder::create(SessionEndpoints endpoints,
                                                      const KeyLog* key_log) {
  SessionDecoder decoder(std::move(endpoints));
  if (key_log == nullptr) return decoder;
  decoder.key_log_cipher_ = key_log->cipher;
  if (key_log->client) {
    decoder.key_log_client_connection_id_ = key_log->client->connection_id_local;
    decoder.client_connection_id_ = key_log->client->connection_id_local;
    decoder.server_connection_id_ = key_log->client->connection_id_remote;
  } else if (key_log->server) {
    decoder.server_connection_id_ = key_log->server->connection_id_local;
    decoder.key_log_client_connection_id_ = key_log->server->connection_id_remote;
    decoder.client_connection_id_ = key_log->server->connection_id_remote;
  }
  for (const crypto::Role sender : {crypto::Role::kClient, crypto::Role::kServer}) {
    const std::optional<SenderKeys> keys = key_log->keysOfSender(sender);
    if (!keys) continue;
    // Only the receive half is used: it opens what `sender` sealed.
    crypto::EndpointKeys endpoint_keys{keys->key, keys->key, keys->iv, keys->iv};
    auto cipher = crypto::PacketCipher::create(key_log->cipher, endpoint_keys);
    if (!cipher.ok()) return cipher.status();
    decoder
        .state(sender == crypto::Role::kClient ? Direction::kClientToServer
                                               : Direction::kServerToClient)
        .cipher.emplace(std::move(*cipher));
  }
  return decoder;
}

PacketReport SessionDecoder::decode(size_t index, double time_rel_sec,
                                    const CapturedDatagram& datagram) {
  PacketReport report;
  report.index = index;
  report.time_rel_sec = time_rel_sec;
  report.direction = endpoints_.directionOf(datagram);
  report.src = datagram.src;
  report.dst = datagram.dst;
  report.payload = datagram.payload;
  report.kind = wire::classifyDatagram(report.payload);
  if (report.kind == wire::DatagramKind::kControl) decodeControl(report);
  if (report.kind == wire::DatagramKind::kData) decodeData(report);
  return report;
}

void SessionDecoder::decodeControl(PacketReport& report) {
  auto packet = wire::decodeControlPacket(report.payload);
  if (!packet.ok()) {
    report.errors.push_back(std::string(packet.status().message()));
    return;
  }
  // Learn the connection ids and offered ciphers, to label and open later packets.
  if (const auto* request = std::get_if<wire::ChallengeRequest>(&packet->message)) {
    if (request->has_connection_id()) noteClientConnectionId(request->connection_id());
  } else if (const auto* connect = std::get_if<wire::ConnectRequest>(&packet->message)) {
    if (connect->has_client_connection_id()) {
      noteClientConnectionId(connect->client_connection_id());
    }
    if (connect->has_crypt()) noteCryptInfo(connect->crypt());
  } else if (const auto* ok = std::get_if<wire::ConnectOK>(&packet->message)) {
    if (ok->has_server_connection_id() && !server_connection_id_) {
      server_connection_id_ = ok->server_connection_id();
    }
    if (ok->has_crypt()) noteCryptInfo(ok->crypt());
  }
  report.control = std::move(*packet);
}

void SessionDecoder::noteClientConnectionId(uint32_t connection_id) {
  if (!client_connection_id_) client_connection_id_ = connection_id;
  if (key_log_client_connection_id_ && *key_log_client_connection_id_ != connection_id) {
    foreign_key_log_ = true;
  }
}

void SessionDecoder::noteCryptInfo(const wire::SessionCryptInfoSigned& signed_info) {
  saw_crypt_info_ = true;
  wire::SessionCryptInfo info;
  if (!info.ParseFromString(signed_info.info()) || info.ciphers_size() == 0) {
    crypt_info_only_null_ = false;
    return;
  }
  for (int i = 0; i < info.ciphers_size(); ++i) {
    if (info.ciphers(i) != wire::CIPHER_NULL) crypt_info_only_null_ = false;
  }
}

std::string SessionDecoder::connectionOwner(uint32_t connection_id) const {
  if (client_connection_id_ == connection_id) return "client";
  if (server_connection_id_ == connection_id) return "server";
  return "";
}

void SessionDecoder::decodeData(PacketReport& report) {
  auto view = wire::decodeDataPacket(report.payload);
  if (!view.ok()) {
    report.errors.push_back(std::string(view.status().message()));
    return;
  }
  DataReport& data = report.data.emplace();
  data.flags = view->flags;
  data.to_connection_id = view->header.to_connection_id;
  data.to_connection_owner = connectionOwner(data.to_connection_id);
  data.wire_packet_number = view->header.wire_packet_number;
  data.inline_stats = view->inline_stats;
  if (view->header.inline_stats_blob)
    data.inline_stats_len = view->header.inline_stats_blob->size();
  data.time_since_previous_16usec = view->header.time_since_previous_16usec;
  data.chunk_offset = view->chunk_offset;
  data.chunk_len = view->chunk.size();
  if (report.direction == Direction::kOther) return;  // no receiver state to use

  DirectionState& own = state(report.direction);
  DirectionState& peer =
      state(report.direction == Direction::kClientToServer ? Direction::kServerToClient
                                                           : Direction::kClientToServer);
  const std::optional<uint64_t> full =
      wire::expandPacketNumber(data.wire_packet_number, own.highest_received);
  if (!full) {
    report.errors.push_back(
        absl::StrFormat("packet number: wire value 0x%04x cannot follow the highest number %d",
                        data.wire_packet_number, own.highest_received));
    return;
  }
  data.full_packet_number = *full;
  if (*full <= own.highest_received) data.highest_before = own.highest_received;

  openChunk(report, own, view->chunk);
  if (data.chunk_status == ChunkStatus::kDecryptFailed) return;  // never moves the window
  own.highest_received = std::max(own.highest_received, *full);
  if (data.chunk_status == ChunkStatus::kDecrypted ||
      data.chunk_status == ChunkStatus::kNullCipher) {
    decodeFrames(report, own, peer);
  }
}

void SessionDecoder::openChunk(PacketReport& report, DirectionState& state, ByteSpan chunk) {
  DataReport& data = *report.data;
  crypto::CipherId cipher = crypto::CipherId::kInvalid;
  if (key_log_cipher_) {
    cipher = *key_log_cipher_;
  } else if (saw_crypt_info_) {
    cipher = crypt_info_only_null_ ? crypto::CipherId::kNull : crypto::CipherId::kAes256Gcm;
  }
  data.cipher = cipher;
  if (cipher == crypto::CipherId::kNull) {
    data.plaintext.assign(chunk.begin(), chunk.end());
    data.chunk_status = ChunkStatus::kNullCipher;
    return;
  }
  if (cipher == crypto::CipherId::kInvalid) {
    data.chunk_status = ChunkStatus::kCipherUnknown;
    return;
  }
  if (!state.cipher) {
    data.chunk_status = ChunkStatus::kNoKeys;
    return;
  }
  data.plaintext.resize(chunk.size());
  auto opened = state.cipher->decryptChunk(*data.full_packet_number, chunk, data.plaintext);
  if (!opened.ok()) {
    data.plaintext.clear();
    data.chunk_status = ChunkStatus::kDecryptFailed;
    std::string error = absl::StrCat("decryption failed: ", opened.status().message());
    if (foreign_key_log_) {
      absl::StrAppend(
          &error, absl::StrFormat(" (the key log is for client connection 0x%08x, the capture's "
                                  "handshake has another one)",
                                  *key_log_client_connection_id_));
    }
    report.errors.push_back(std::move(error));
    return;
  }
  data.plaintext.resize(opened->size());
  data.chunk_status = ChunkStatus::kDecrypted;
}

void SessionDecoder::decodeFrames(PacketReport& report, DirectionState& own, DirectionState& peer) {
  DataReport& data = *report.data;
  wire::SnpDecodeContext context;
  context.packet_number = *data.full_packet_number;
  // The acks in this packet are about the peer direction's packets; the receiver
  // expands them against its own next packet number.
  context.ack_reference_packet_number = peer.highest_received + 1;
  context.lane_references = [&own](uint32_t lane) { return own.snp.referencesFor(lane); };
  auto frames = wire::decodeSnpFrames(data.plaintext, context);
  if (!frames.ok()) {
    report.errors.push_back(absl::StrCat("SNP frames: ", frames.status().message()));
    return;
  }
  data.frames.reserve(frames->size());
  for (wire::SnpFrame& frame : *frames) {
    FrameReport& added = data.frames.emplace_back();
    added.frame = std::move(frame);
  }
  own.snp.apply(data.frames, report.errors);
  for (FrameReport& frame : data.frames) {
    const auto* ack = std::get_if<wire::AckFrame>(&frame.frame);
    if (ack != nullptr && ack->latest_packet_number > peer.highest_received) {
      // The reference drops the whole packet then (snp.md §1.8); the capture may also
      // just have missed the packet.
      frame.note = absl::StrCat("acks packet ", ack->latest_packet_number,
                                ", beyond the highest packet seen the other way (",
                                peer.highest_received, ")");
    }
  }
}

}  // namespace opengns::tools
