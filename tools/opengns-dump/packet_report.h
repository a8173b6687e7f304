// What the dump learned about one datagram: the decoder (session_decoder.h) fills it in,
// the renderer (dump_render.h) turns it into text. Nothing here decodes or prints, so
// both sides can change independently.
//
// A PacketReport owns its bytes; the segment data inside `frames` points into
// `DataReport::plaintext`. Reports are move-only so that those views stay valid (moving
// a vector keeps its buffer).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "crypto/crypto_constants.h"
#include "opengns_stats.pb.h"
#include "session_endpoints.h"
#include "snp/received_message.h"
#include "wire/control_packet.h"
#include "wire/snp_frames.h"

namespace opengns::tools {

// One decoded SNP frame plus what applying it to the receiver's state showed.
struct FrameReport {
  wire::SnpFrame frame;
  // Ack frames: the acked range of the implicit final block (from the ack receiver's
  // stop value up to the end of the explicit blocks).
  std::optional<wire::PacketRange> implicit_acked;
  // Reliable segments that start a message: its number and payload size.
  std::optional<uint64_t> starts_message_number;
  std::optional<uint32_t> starts_message_size_bytes;
  // Remarks that are not errors ("piece stored", "duplicate").
  std::string note;
  // Messages that this frame completed, in delivery order.
  std::vector<snp::ReceivedMessage> completed;
};

// How the chunk of a data packet was (or was not) turned into a plaintext.
enum class ChunkStatus : uint8_t {
  kDecrypted,      // AES-GCM with the key log, tag verified
  kNullCipher,     // NULL cipher: the chunk is the plaintext
  kNoKeys,         // encrypted, but no key log: headers only
  kCipherUnknown,  // no handshake and no key log seen: cipher unknown, headers only
  kNotAttempted,   // header or packet number error, or a datagram of unknown direction
  kDecryptFailed,  // AES-GCM tag did not verify (error)
};

struct DataReport {
  uint8_t flags = 0;
  uint32_t to_connection_id = 0;
  std::string to_connection_owner;  // "client", "server" or empty if unknown
  uint16_t wire_packet_number = 0;
  std::optional<uint64_t> full_packet_number;
  std::optional<uint64_t> highest_before;  // set when the packet came out of order
  std::optional<wire::UdpStats> inline_stats;
  size_t inline_stats_len = 0;
  std::optional<uint16_t> time_since_previous_16usec;
  size_t chunk_offset = 0;
  size_t chunk_len = 0;
  ChunkStatus chunk_status = ChunkStatus::kNotAttempted;
  crypto::CipherId cipher = crypto::CipherId::kInvalid;
  Bytes plaintext;  // valid for kDecrypted and kNullCipher
  std::vector<FrameReport> frames;
};

struct PacketReport {
  PacketReport() = default;
  PacketReport(PacketReport&&) = default;
  PacketReport& operator=(PacketReport&&) = default;
  PacketReport(const PacketReport&) = delete;
  PacketReport& operator=(const PacketReport&) = delete;

  size_t index = 0;         // 0-based among the capture's UDP datagrams
  double time_rel_sec = 0;  // since the first datagram
  Direction direction = Direction::kOther;
  std::string src;
  std::string dst;
  Bytes payload;
  wire::DatagramKind kind = wire::DatagramKind::kUnknown;
  std::optional<wire::ControlPacket> control;
  std::optional<DataReport> data;
  // Decode errors; each one makes the packet count as a decode error in the totals.
  std::vector<std::string> errors;
};

}  // namespace opengns::tools
