// UdpPacketReader: PacketReader over a UdpSocket (packet_io.h).
//
// Guarantees beyond the PacketReader contract:
// - Every datagram of up to kReceiveSlotBytes (GNS's buffer, udp.md §1) arrives whole; a
//   larger one would be truncated, so it is dropped and counted instead.
// - When the socket has GRO on, a coalesced buffer is split by the segment size from the
//   UDP_GRO cmsg: the batch holds the same datagrams as without GRO, in order.
// - Source addresses are canonical (SocketAddress), so an IPv4 peer on a dual-stack socket
//   reads as a.b.c.d:port.
// - Per-call buffers are allocated in the constructor; datagrams land in the batch's arena.
// kPlain uses recvfrom (recvmsg if GRO is on, to get the segment size); kBatched and
// kOffload use recvmmsg. Threading: one thread. The socket must outlive the reader.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <vector>

#include "transport/packet_io.h"
#include "transport/udp_socket.h"

namespace opengns::transport {

class UdpPacketReader final : public PacketReader {
 public:
  explicit UdpPacketReader(const UdpSocket& socket, IoMode mode = IoMode::kOffload);

  absl::StatusOr<size_t> receiveBatch(DatagramBatch& batch) override;
  const IoStats& stats() const override { return stats_; }

  IoMode mode() const { return mode_; }

  // Upper bound of messages in one recvmmsg call.
  static constexpr size_t kMaxMessagesPerCall = 64;

 private:
  struct alignas(cmsghdr) ControlBuffer {
    uint8_t bytes[64];
  };

  // Buffers that fit in the batch right now, each `slot_bytes` long.
  size_t slotsAvailable(const DatagramBatch& batch, bool gro) const;
  // Appends the datagram(s) read into one buffer; returns how many were appended.
  size_t deliver(DatagramBatch& batch, const sockaddr_storage& name, socklen_t name_length,
                 size_t offset, size_t length, bool truncated, size_t buffer_bytes,
                 size_t segment_bytes);
  // The UDP_GRO segment size in a received message's control data (0 if none).
  static size_t groSegmentBytes(const msghdr& message);
  absl::StatusOr<size_t> receivePlain(DatagramBatch& batch);
  absl::StatusOr<size_t> receiveBatched(DatagramBatch& batch);
  absl::Status tooSmall(const DatagramBatch& batch, bool gro) const;

  const UdpSocket& socket_;
  const IoMode mode_;
  IoStats stats_;
  std::vector<mmsghdr> messages_;
  std::vector<iovec> iovecs_;
  std::vector<sockaddr_storage> names_;
  std::vector<ControlBuffer> controls_;
};

}  // namespace opengns::transport
