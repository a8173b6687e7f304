// UdpPacketWriter: PacketWriter over a UdpSocket, in one of three modes (packet_io.h).
//
// Guarantees beyond the PacketWriter contract:
// - kOffload coalesces consecutive datagrams to the same peer, all of one size except a
//   shorter last one, into one send with a UDP_SEGMENT cmsg (at most kMaxGsoSegments
//   datagrams and kMaxGsoPayloadBytes); the receiver sees the same datagrams as without GSO.
//   If the kernel refuses a GSO send, the writer turns GSO off for good and resends the
//   same datagrams one by one.
// - An ICMP error reported on a send belongs to an earlier datagram; the refused datagram is
//   retried once before it is dropped.
// - Buffers for the syscalls are allocated in the constructor, never per call.
// Threading: one thread. The socket must outlive the writer.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <vector>

#include "transport/packet_io.h"
#include "transport/udp_socket.h"

namespace opengns::transport {

class UdpPacketWriter final : public PacketWriter {
 public:
  explicit UdpPacketWriter(const UdpSocket& socket, IoMode mode = IoMode::kOffload);

  absl::StatusOr<size_t> sendBatch(const DatagramBatch& batch, size_t first = 0) override;
  const IoStats& stats() const override { return stats_; }

  IoMode mode() const { return mode_; }
  // Whether sends currently use UDP_SEGMENT (kOffload, kernel support, no refusal yet).
  bool gsoActive() const { return gso_active_; }

  // Upper bounds of one sendmmsg call.
  static constexpr size_t kMaxMessagesPerCall = 128;
  static constexpr size_t kMaxIovecsPerCall = 1024;

 private:
  struct alignas(cmsghdr) ControlBuffer {
    uint8_t bytes[32];
  };

  absl::StatusOr<size_t> sendPlain(const DatagramBatch& batch, size_t first);
  absl::StatusOr<size_t> sendBatched(const DatagramBatch& batch, size_t first);
  // How many datagrams from `start` one GSO message may carry (1 if no coalescing applies).
  size_t gsoRunLength(const DatagramBatch& batch, size_t start, size_t iovecs_left) const;
  void countSent(const DatagramBatch& batch, size_t first, size_t count);
  void countDropped(const DatagramBatch& batch, size_t first, size_t count, int error);

  const UdpSocket& socket_;
  const IoMode mode_;
  bool gso_active_;
  IoStats stats_;
  std::vector<mmsghdr> messages_;
  std::vector<uint32_t> message_datagrams_;  // datagrams carried by each message
  std::vector<iovec> iovecs_;
  std::vector<sockaddr_storage> names_;
  std::vector<ControlBuffer> controls_;
};

}  // namespace opengns::transport
