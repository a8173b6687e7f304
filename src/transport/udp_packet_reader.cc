#include "transport/udp_packet_reader.h"

#include <errno.h>
#include <netinet/udp.h>

#include <algorithm>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "transport/socket_error.h"

namespace opengns::transport {
namespace {

// ICMP errors are cleared as they are reported, so retrying cannot loop forever; the cap
// only keeps one call bounded if a peer floods us with them.
constexpr int kMaxErrorRetriesPerCall = 64;

absl::Status fatalReceiveError(int error, const char* call) {
  return absl::Status(absl::ErrnoToStatusCode(error),
                      absl::StrCat("udp reader: ", call, ": ", std::strerror(error)));
}

}  // namespace

UdpPacketReader::UdpPacketReader(const UdpSocket& socket, IoMode mode)
    : socket_(socket), mode_(mode) {
  const size_t slots = mode_ == IoMode::kPlain ? 1 : kMaxMessagesPerCall;
  messages_.resize(slots);
  iovecs_.resize(slots);
  names_.resize(slots);
  controls_.resize(slots);
}

absl::StatusOr<size_t> UdpPacketReader::receiveBatch(DatagramBatch& batch) {
  if (!socket_.isOpen()) return absl::FailedPreconditionError("udp reader: socket is closed");
  if (mode_ == IoMode::kPlain) return receivePlain(batch);
  return receiveBatched(batch);
}

size_t UdpPacketReader::slotsAvailable(const DatagramBatch& batch, bool gro) const {
  const size_t slot_bytes = gro ? kGroBufferBytes : kReceiveSlotBytes;
  const size_t entries_per_slot = gro ? kMaxGroSegments : 1;
  return std::min({messages_.size(), batch.freeArenaBytes() / slot_bytes,
                   batch.freeDatagrams() / entries_per_slot});
}

absl::Status UdpPacketReader::tooSmall(const DatagramBatch& batch, bool gro) const {
  return absl::InvalidArgumentError(absl::StrCat(
      "udp reader: an empty batch of ", batch.maxDatagrams(), " datagrams and ", batch.arenaBytes(),
      " bytes cannot hold one receive buffer (needs ", gro ? kMaxGroSegments : 1, " datagrams and ",
      gro ? kGroBufferBytes : kReceiveSlotBytes, " bytes", gro ? " with GRO on" : "", ")"));
}

size_t UdpPacketReader::groSegmentBytes(const msghdr& message) {
  if (message.msg_controllen == 0) return 0;
  for (const cmsghdr* header = CMSG_FIRSTHDR(&message); header != nullptr;
       header = CMSG_NXTHDR(const_cast<msghdr*>(&message), const_cast<cmsghdr*>(header))) {
    if (header->cmsg_level != SOL_UDP || header->cmsg_type != UDP_GRO) continue;
    // The kernel writes an int; accept a 16-bit value too, as UDP_SEGMENT uses one.
    const size_t data_bytes = header->cmsg_len - CMSG_LEN(0);
    if (data_bytes >= sizeof(int)) {
      int value = 0;
      std::memcpy(&value, CMSG_DATA(header), sizeof(value));
      return value > 0 ? static_cast<size_t>(value) : 0;
    }
    if (data_bytes >= sizeof(uint16_t)) {
      uint16_t value = 0;
      std::memcpy(&value, CMSG_DATA(header), sizeof(value));
      return value;
    }
  }
  return 0;
}

size_t UdpPacketReader::deliver(DatagramBatch& batch, const sockaddr_storage& name,
                                socklen_t name_length, size_t offset, size_t length, bool truncated,
                                size_t buffer_bytes, size_t segment_bytes) {
  if (truncated) {
    ++stats_.receive_dropped;
    OPENGNS_LOG(LogLevel::kVerbose, "udp reader: dropped a datagram larger than the ", buffer_bytes,
                "-byte buffer");
    return 0;
  }
  const absl::StatusOr<SocketAddress> peer =
      SocketAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&name), name_length);
  if (!peer.ok()) {
    ++stats_.receive_dropped;
    OPENGNS_LOG(LogLevel::kVerbose, "udp reader: dropped a datagram: ", peer.status().message());
    return 0;
  }
  if (segment_bytes == 0 || length <= segment_bytes) {
    batch.addReceived(*peer, offset, length);
    ++stats_.datagrams_received;
    stats_.bytes_received += length;
    return 1;
  }
  ++stats_.gro_buffers;
  size_t appended = 0;
  for (size_t start = 0; start < length; start += segment_bytes) {
    const size_t bytes = std::min(segment_bytes, length - start);
    if (batch.freeDatagrams() == 0) {
      // Cannot happen while segments stay within kMaxGroSegments (slotsAvailable reserves
      // that many entries per buffer); if a future kernel exceeds it, count the loss.
      const size_t lost = (length - start + segment_bytes - 1) / segment_bytes;
      stats_.receive_dropped += lost;
      OPENGNS_BUG("udp reader: GRO buffer of ", length, " bytes in ", segment_bytes,
                  "-byte segments overflows the batch; ", lost, " dropped");
      break;
    }
    batch.addReceived(*peer, offset + start, bytes);
    ++stats_.datagrams_received;
    stats_.bytes_received += bytes;
    ++appended;
  }
  return appended;
}

absl::StatusOr<size_t> UdpPacketReader::receivePlain(DatagramBatch& batch) {
  const int fd = socket_.fd();
  size_t appended = 0;
  int error_retries = 0;
  while (true) {
    const bool gro = socket_.groEnabled();
    if (slotsAvailable(batch, gro) == 0) {
      if (batch.empty()) return tooSmall(batch, gro);
      break;
    }
    const size_t slot_bytes = gro ? kGroBufferBytes : kReceiveSlotBytes;
    const size_t offset = batch.arenaUsed();
    uint8_t* buffer = batch.arenaTail();
    sockaddr_storage& name = names_[0];
    socklen_t name_length = sizeof(name);
    ssize_t received = 0;
    size_t segment_bytes = 0;
    bool truncated = false;
    ++stats_.receive_calls;
    if (!gro) {
      // MSG_TRUNC makes recvfrom return the full datagram length, so truncation shows.
      received = ::recvfrom(fd, buffer, slot_bytes, MSG_DONTWAIT | MSG_TRUNC,
                            reinterpret_cast<sockaddr*>(&name), &name_length);
      truncated = received > static_cast<ssize_t>(slot_bytes);
    } else {
      msghdr message{};
      iovec& vector = iovecs_[0];
      vector.iov_base = buffer;
      vector.iov_len = slot_bytes;
      message.msg_name = &name;
      message.msg_namelen = name_length;
      message.msg_iov = &vector;
      message.msg_iovlen = 1;
      message.msg_control = controls_[0].bytes;
      message.msg_controllen = sizeof(controls_[0].bytes);
      received = ::recvmsg(fd, &message, MSG_DONTWAIT);
      name_length = message.msg_namelen;
      truncated = (message.msg_flags & MSG_TRUNC) != 0;
      if (received >= 0) segment_bytes = groSegmentBytes(message);
    }
    if (received < 0) {
      const int error = errno;
      switch (classifySocketError(error)) {
        case SocketErrorKind::kInterrupted:
          continue;
        case SocketErrorKind::kWouldBlock:
          return appended;
        case SocketErrorKind::kAsyncIcmp:
          ++stats_.receive_errors;
          if (++error_retries > kMaxErrorRetriesPerCall) return appended;
          continue;
        case SocketErrorKind::kDatagramRefused:
        case SocketErrorKind::kFatal:
          if (appended > 0) return appended;  // report it on the next call
          return fatalReceiveError(error, gro ? "recvmsg" : "recvfrom");
      }
    }
    appended += deliver(batch, name, name_length, offset,
                        std::min(static_cast<size_t>(received), slot_bytes), truncated, slot_bytes,
                        segment_bytes);
  }
  return appended;
}

absl::StatusOr<size_t> UdpPacketReader::receiveBatched(DatagramBatch& batch) {
  const int fd = socket_.fd();
  size_t appended = 0;
  int error_retries = 0;
  while (true) {
    const bool gro = socket_.groEnabled();
    const size_t slots = slotsAvailable(batch, gro);
    if (slots == 0) {
      if (batch.empty()) return tooSmall(batch, gro);
      break;
    }
    const size_t slot_bytes = gro ? kGroBufferBytes : kReceiveSlotBytes;
    const size_t base = batch.arenaUsed();
    uint8_t* arena = batch.arenaTail();
    for (size_t k = 0; k < slots; ++k) {
      iovecs_[k].iov_base = arena + k * slot_bytes;
      iovecs_[k].iov_len = slot_bytes;
      msghdr& header = messages_[k].msg_hdr;
      header = msghdr{};
      header.msg_name = &names_[k];
      header.msg_namelen = sizeof(sockaddr_storage);
      header.msg_iov = &iovecs_[k];
      header.msg_iovlen = 1;
      if (gro) {
        header.msg_control = controls_[k].bytes;
        header.msg_controllen = sizeof(controls_[k].bytes);
      }
      messages_[k].msg_len = 0;
    }
    ++stats_.receive_calls;
    const int received = ::recvmmsg(fd, messages_.data(), slots, MSG_DONTWAIT, nullptr);
    if (received < 0) {
      const int error = errno;
      switch (classifySocketError(error)) {
        case SocketErrorKind::kInterrupted:
          continue;
        case SocketErrorKind::kWouldBlock:
          return appended;
        case SocketErrorKind::kAsyncIcmp:
          ++stats_.receive_errors;
          if (++error_retries > kMaxErrorRetriesPerCall) return appended;
          continue;
        case SocketErrorKind::kDatagramRefused:
        case SocketErrorKind::kFatal:
          if (appended > 0) return appended;
          return fatalReceiveError(error, "recvmmsg");
      }
    }
    // Buffers sit kGroBufferBytes apart with GRO on. A buffer that holds a single datagram
    // (the usual case with many peers) is moved down next to the previous one, so the
    // arena is not used up 64 KiB per datagram; a coalesced buffer stays where it is.
    size_t packed_end = base;
    for (int k = 0; k < received; ++k) {
      const msghdr& header = messages_[k].msg_hdr;
      const size_t slot_offset = base + k * slot_bytes;
      const size_t length = messages_[k].msg_len;
      const bool truncated = (header.msg_flags & MSG_TRUNC) != 0;
      size_t offset = slot_offset;
      if (gro && !truncated && length <= kReceiveSlotBytes && packed_end < slot_offset) {
        std::memmove(arena + (packed_end - base), arena + (slot_offset - base), length);
        offset = packed_end;
      }
      const size_t delivered = deliver(batch, names_[k], header.msg_namelen, offset, length,
                                       truncated, slot_bytes, gro ? groSegmentBytes(header) : 0);
      if (delivered > 0) packed_end = offset + length;
      appended += delivered;
    }
    if (static_cast<size_t>(received) < slots) break;  // the socket had no more just now
  }
  return appended;
}

}  // namespace opengns::transport
