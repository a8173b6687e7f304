#include "transport/udp_packet_writer.h"

#include <errno.h>
#include <netinet/udp.h>

#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "transport/socket_error.h"

namespace opengns::transport {
namespace {

static_assert(CMSG_SPACE(sizeof(uint16_t)) <= 32, "control buffer too small for UDP_SEGMENT");

absl::Status fatalSendError(int error, const char* call) {
  return absl::Status(absl::ErrnoToStatusCode(error),
                      absl::StrCat("udp writer: ", call, ": ", std::strerror(error)));
}

}  // namespace

UdpPacketWriter::UdpPacketWriter(const UdpSocket& socket, IoMode mode)
    : socket_(socket), mode_(mode), gso_active_(mode == IoMode::kOffload && socket.gsoSupported()) {
  if (mode_ != IoMode::kPlain) {
    messages_.resize(kMaxMessagesPerCall);
    message_datagrams_.resize(kMaxMessagesPerCall);
    iovecs_.resize(kMaxIovecsPerCall);
    names_.resize(kMaxMessagesPerCall);
    controls_.resize(kMaxMessagesPerCall);
  } else {
    names_.resize(1);
  }
}

absl::StatusOr<size_t> UdpPacketWriter::sendBatch(const DatagramBatch& batch, size_t first) {
  if (!socket_.isOpen()) return absl::FailedPreconditionError("udp writer: socket is closed");
  if (mode_ == IoMode::kPlain) return sendPlain(batch, first);
  return sendBatched(batch, first);
}

void UdpPacketWriter::countSent(const DatagramBatch& batch, size_t first, size_t count) {
  stats_.datagrams_sent += count;
  for (size_t i = first; i < first + count; ++i)
    stats_.bytes_sent += batch.payloadBytes(i);
}

void UdpPacketWriter::countDropped(const DatagramBatch& batch, size_t first, size_t count,
                                   int error) {
  stats_.send_dropped += count;
  OPENGNS_LOG(LogLevel::kVerbose, "udp writer: dropped ", count, " datagram(s) of ",
              batch.payloadBytes(first), " bytes to ", batch.peer(first).toString(), ": ",
              error == 0 ? "address family not reachable from this socket" : std::strerror(error));
}

absl::StatusOr<size_t> UdpPacketWriter::sendPlain(const DatagramBatch& batch, size_t first) {
  const int fd = socket_.fd();
  size_t retried_index = SIZE_MAX;  // ICMP errors get one retry per datagram
  for (size_t i = first; i < batch.size();) {
    sockaddr_storage& name = names_[0];
    const socklen_t name_length = batch.peer(i).toSockaddrFor(socket_.family(), &name);
    if (name_length == 0) {
      countDropped(batch, i, 1, 0);
      ++i;
      continue;
    }
    const ByteSpan payload = batch.payload(i);
    ++stats_.send_calls;
    if (::sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<const sockaddr*>(&name),
                 name_length) >= 0) {
      countSent(batch, i, 1);
      ++i;
      continue;
    }
    const int error = errno;
    switch (classifySocketError(error)) {
      case SocketErrorKind::kInterrupted:
        continue;
      case SocketErrorKind::kWouldBlock:
        ++stats_.send_would_block;
        return i;
      case SocketErrorKind::kAsyncIcmp:
        ++stats_.send_errors;
        if (retried_index != i) {
          retried_index = i;
          continue;
        }
        [[fallthrough]];
      case SocketErrorKind::kDatagramRefused:
        countDropped(batch, i, 1, error);
        ++i;
        continue;
      case SocketErrorKind::kFatal:
        return fatalSendError(error, "sendto");
    }
  }
  return batch.size();
}

size_t UdpPacketWriter::gsoRunLength(const DatagramBatch& batch, size_t start,
                                     size_t iovecs_left) const {
  const size_t segment_bytes = batch.payloadBytes(start);
  if (!gso_active_ || segment_bytes == 0) return 1;
  const SocketAddress& peer = batch.peer(start);
  size_t count = 1;
  size_t total_bytes = segment_bytes;
  while (start + count < batch.size() && count < kMaxGsoSegments && count < iovecs_left) {
    const size_t next = start + count;
    const size_t next_bytes = batch.payloadBytes(next);
    // All segments but the last must be exactly segment_bytes; an empty one cannot be a segment.
    if (next_bytes == 0 || next_bytes > segment_bytes) break;
    if (total_bytes + next_bytes > kMaxGsoPayloadBytes) break;
    if (!(batch.peer(next) == peer)) break;
    total_bytes += next_bytes;
    ++count;
    if (next_bytes < segment_bytes) break;  // a shorter datagram ends the run
  }
  return count;
}

absl::StatusOr<size_t> UdpPacketWriter::sendBatched(const DatagramBatch& batch, size_t first) {
  const int fd = socket_.fd();
  size_t retried_index = SIZE_MAX;  // ICMP errors get one retry per datagram
  size_t next = first;
  while (next < batch.size()) {
    // Build as many messages as one call takes, starting at `next`.
    size_t message_count = 0;
    size_t iovec_count = 0;
    size_t cursor = next;
    while (cursor < batch.size() && message_count < kMaxMessagesPerCall &&
           iovec_count < kMaxIovecsPerCall) {
      sockaddr_storage& name = names_[message_count];
      const socklen_t name_length = batch.peer(cursor).toSockaddrFor(socket_.family(), &name);
      if (name_length == 0) {
        if (message_count > 0) break;  // send what precedes it first, keeping order
        countDropped(batch, cursor, 1, 0);
        next = ++cursor;
        continue;
      }
      const size_t run = gsoRunLength(batch, cursor, kMaxIovecsPerCall - iovec_count);
      mmsghdr& message = messages_[message_count];
      std::memset(&message, 0, sizeof(message));
      message.msg_hdr.msg_name = &name;
      message.msg_hdr.msg_namelen = name_length;
      message.msg_hdr.msg_iov = &iovecs_[iovec_count];
      message.msg_hdr.msg_iovlen = run;
      for (size_t k = 0; k < run; ++k) {
        const ByteSpan payload = batch.payload(cursor + k);
        iovecs_[iovec_count + k].iov_base = const_cast<uint8_t*>(payload.data());
        iovecs_[iovec_count + k].iov_len = payload.size();
      }
      if (run > 1) {
        ControlBuffer& control = controls_[message_count];
        std::memset(&control, 0, sizeof(control));
        message.msg_hdr.msg_control = control.bytes;
        message.msg_hdr.msg_controllen = CMSG_SPACE(sizeof(uint16_t));
        cmsghdr* header = CMSG_FIRSTHDR(&message.msg_hdr);
        header->cmsg_level = SOL_UDP;
        header->cmsg_type = UDP_SEGMENT;
        header->cmsg_len = CMSG_LEN(sizeof(uint16_t));
        const uint16_t segment_bytes = static_cast<uint16_t>(batch.payloadBytes(cursor));
        std::memcpy(CMSG_DATA(header), &segment_bytes, sizeof(segment_bytes));
      }
      message_datagrams_[message_count] = static_cast<uint32_t>(run);
      ++message_count;
      iovec_count += run;
      cursor += run;
    }
    if (message_count == 0) continue;  // only unreachable datagrams were skipped

    ++stats_.send_calls;
    const int sent_messages = ::sendmmsg(fd, messages_.data(), message_count, 0);
    if (sent_messages > 0) {
      for (int m = 0; m < sent_messages; ++m) {
        const size_t count = message_datagrams_[m];
        countSent(batch, next, count);
        if (count > 1) ++stats_.gso_sends;
        next += count;
      }
      // A short count means message `sent_messages` failed; the next call reports why.
      continue;
    }
    const int error = errno;
    const size_t failed_count = message_datagrams_[0];
    const SocketErrorKind kind = classifySocketError(error);
    if (failed_count > 1 && kind == SocketErrorKind::kDatagramRefused) {
      // The kernel or route cannot segment (no checksum offload, small MTU, ...): the same
      // datagrams will go one by one, now and from now on.
      OPENGNS_LOG(LogLevel::kWarning, "udp writer: GSO send of ", failed_count, " x ",
                  batch.payloadBytes(next), " bytes to ", batch.peer(next).toString(), " refused (",
                  std::strerror(error), "); GSO off for this writer");
      gso_active_ = false;
      continue;
    }
    switch (kind) {
      case SocketErrorKind::kInterrupted:
        continue;
      case SocketErrorKind::kWouldBlock:
        ++stats_.send_would_block;
        return next;
      case SocketErrorKind::kAsyncIcmp:
        ++stats_.send_errors;
        if (retried_index != next) {
          retried_index = next;
          continue;
        }
        [[fallthrough]];
      case SocketErrorKind::kDatagramRefused:
        countDropped(batch, next, failed_count, error);
        next += failed_count;
        continue;
      case SocketErrorKind::kFatal:
        return fatalSendError(error, "sendmmsg");
    }
  }
  return batch.size();
}

}  // namespace opengns::transport
