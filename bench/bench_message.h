// The application-level header opengns-bench puts at the front of every message (both
// libraries carry the same bytes): a kind, a sequence number and the sender's monotonic send
// time, so the receiver can measure one-way delivery latency (same machine, same clock).
#pragma once

#include <cstdint>
#include <cstring>
#include <span>

namespace opengns::bench {

enum class MessageKind : uint8_t {
  kData = 1,   // payload of the workload
  kEnd = 2,    // client: no more data; answered with kDone
  kReady = 3,  // server: connection accepted, start the workload
  kDone = 4,   // server: everything up to kEnd arrived
  kPing = 5,   // client: echo this
  kPong = 6,   // server: the echo
};

struct MessageHeader {
  MessageKind kind = MessageKind::kData;
  uint64_t sequence = 0;
  int64_t send_time_ns = 0;
};

// kind (1) + padding (7) + sequence (8) + send time (8).
inline constexpr size_t kMessageHeaderBytes = 24;
// Control messages (kEnd, kReady, kDone) are this small.
inline constexpr size_t kControlMessageBytes = kMessageHeaderBytes;

// Writes the header into the first kMessageHeaderBytes of `buffer` (which must be that big).
inline void writeHeader(std::span<uint8_t> buffer, const MessageHeader& header) {
  buffer[0] = static_cast<uint8_t>(header.kind);
  std::memset(buffer.data() + 1, 0, 7);
  std::memcpy(buffer.data() + 8, &header.sequence, 8);
  std::memcpy(buffer.data() + 16, &header.send_time_ns, 8);
}

// False when the message is too short to carry a header.
inline bool readHeader(std::span<const uint8_t> data, MessageHeader* header) {
  if (data.size() < kMessageHeaderBytes) return false;
  header->kind = static_cast<MessageKind>(data[0]);
  std::memcpy(&header->sequence, data.data() + 8, 8);
  std::memcpy(&header->send_time_ns, data.data() + 16, 8);
  return true;
}

}  // namespace opengns::bench
