// The packet reader/writer interfaces between the service thread and a datagram transport.
//
// Why it exists: the service thread should not care whether datagrams go out one syscall
// each, in sendmmsg batches, or as GSO super-datagrams (quiche's QuicPacketWriter has the
// same pass-through/batch split), and tests or a simulated network can stand in for the
// socket. Contract shared by every implementation:
// - Order is kept: datagrams leave in batch order; received ones are appended in arrival order.
// - A full socket is not an error and never spins: sendBatch() stops and says how far it got.
// - A datagram the network refuses (too big, ICMP unreachable reported back) is dropped and
//   counted; the rest of the batch still goes.
// Threading: an instance belongs to one thread (the service thread).
#pragma once

#include <cstddef>
#include <cstdint>

#include "absl/status/statusor.h"
#include "transport/datagram_batch.h"

namespace opengns::transport {

// How a UDP reader/writer talks to the kernel.
enum class IoMode : uint8_t {
  kPlain,    // sendto/recvfrom, one datagram per syscall (fallback, reference for tests)
  kBatched,  // sendmmsg/recvmmsg, many datagrams per syscall
  kOffload,  // kBatched plus UDP GSO on send where the socket supports it (the default)
};

const char* ioModeName(IoMode mode);

// Counters since construction. "calls" are syscalls, including ones that failed.
struct IoStats {
  uint64_t datagrams_sent = 0;
  uint64_t bytes_sent = 0;
  uint64_t send_calls = 0;
  uint64_t gso_sends = 0;         // messages that carried a UDP_SEGMENT cmsg
  uint64_t send_dropped = 0;      // datagrams refused for good (EMSGSIZE, unreachable, ...)
  uint64_t send_would_block = 0;  // times a send stopped on EAGAIN/ENOBUFS
  uint64_t send_errors = 0;       // ICMP errors (about earlier datagrams) reported on send
  uint64_t datagrams_received = 0;
  uint64_t bytes_received = 0;
  uint64_t receive_calls = 0;
  uint64_t gro_buffers = 0;      // received buffers that held more than one datagram
  uint64_t receive_dropped = 0;  // truncated (larger than the buffer) or unreadable source
  uint64_t receive_errors = 0;   // ICMP errors reported on receive, ignored
};

class PacketWriter {
 public:
  virtual ~PacketWriter() = default;

  // Sends batch datagrams [first, batch.size()) in order. Returns the index one past the last
  // datagram the writer is done with (sent, or dropped and counted). A value below
  // batch.size() means the socket is full: wait until it is writable and call again from the
  // returned index. An error status means the socket itself is unusable.
  virtual absl::StatusOr<size_t> sendBatch(const DatagramBatch& batch, size_t first = 0) = 0;

  virtual const IoStats& stats() const = 0;
};

class PacketReader {
 public:
  virtual ~PacketReader() = default;

  // Appends waiting datagrams to `batch` until nothing more is waiting or the batch is full.
  // Returns how many were appended (0 if none was waiting). An error status means the socket
  // itself is unusable.
  virtual absl::StatusOr<size_t> receiveBatch(DatagramBatch& batch) = 0;

  virtual const IoStats& stats() const = 0;
};

}  // namespace opengns::transport
