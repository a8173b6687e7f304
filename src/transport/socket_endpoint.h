// SocketEndpoint: one bound UDP socket as the protocol layer sees it, with the fake network
// of the documented FakePacket* options built in.
//
// Why it exists: the protocol core produces datagrams one at a time and wants to hand them
// off without a syscall each; the kernel wants them in batches (sendmmsg, GSO). This class
// sits in between: sendTo() appends to a preallocated outgoing batch, flush() sends it in
// as few syscalls as the writer manages, and receive() drains the socket in batches and
// hands each datagram to a callback with the time it was read.
// Guarantees:
// - No allocation in steady state: the socket, reader, writer and all batches are set up by
//   open() (with the fake network on, its tables grow once to the peak in flight).
//   sendTo() makes a syscall only when the outgoing batch is full (it then flushes to make
//   room).
// - Order is kept per endpoint: datagrams leave in sendTo() order (unless the fake network
//   reorders them on purpose) and are handed over in arrival order.
// - A full socket (EAGAIN/ENOBUFS) never spins and never loses what was queued: flush()
//   keeps the unsent datagrams for the next flush() and sendBlocked() turns true until one
//   goes through. The queue is bounded (SocketEndpointOptions::send_queue_datagrams): a
//   datagram that finds it full is dropped and counted, as UDP may do.
// - receive() reads about receive_budget_datagrams per call (at most one batch more), so
//   one flooded socket cannot starve the timers or the other sockets of the service thread.
// - Fake network: one NetworkSimulator per direction, set at runtime, deterministic for a
//   given seed. While a simulator is transparent (no impairment and nothing in flight) it
//   is bypassed and costs nothing. Otherwise outgoing datagrams enter the send simulator
//   and are written by the first flush() at or after their delivery time; received ones
//   enter the receive simulator and reach the handler from the first receive()/deliverDue()
//   at or after theirs. nextWakeTime() says when that is.
// Threading: NOT thread-safe. Every call must be serialized by the owner (the API layer's
// lock). Under that lock any thread may call any method; in particular an API thread may
// flush() right after sending (the "use current thread" send flag) instead of waking the
// service thread. The only exception is sendBlocked(), readable from any thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "common/bytes.h"
#include "transport/datagram_batch.h"
#include "transport/monotonic_clock.h"
#include "transport/network_simulator.h"
#include "transport/packet_io.h"
#include "transport/udp_socket.h"

namespace opengns::transport {

struct SocketEndpointOptions {
  // How the socket is opened (buffer sizes, GRO). Default: kernel buffers, GRO on.
  UdpSocketOptions socket;
  // Syscall style of the reader and writer. Default kOffload (sendmmsg + GSO, recvmmsg).
  IoMode io_mode = IoMode::kOffload;
  // Outgoing datagrams held between flushes, including those a full socket left unsent.
  // A datagram that finds no room is dropped and counted. 1..65536, default 256 (one
  // batch of 256 * 1300 bytes is preallocated twice).
  size_t send_queue_datagrams = 256;
  // Capacity of the receive batch in full-size datagrams. With GRO on, the batch also has
  // headroom for coalesced buffers (DatagramBatch::forReceiving), so one read may return
  // up to kGroBuffersPerReceive * kMaxGroSegments more. 1..4096, default 64.
  size_t receive_batch_datagrams = 64;
  // receive() stops reading from the socket once it has read this many datagrams. Checked
  // between reads (each fills at most one receive batch), so a call may go over by up to
  // one batch. 1..2^20, default 1024.
  size_t receive_budget_datagrams = 1024;
  // Seed of the fake-network simulators (send side uses it, receive side a value derived
  // from it). Any value; the same seed gives the same loss/reorder pattern.
  uint64_t fake_network_seed = 0x6f70656e676e73;  // "opengns"
  // Where `now` comes from; null = the real monotonic clock. Must outlive the endpoint.
  const MonotonicClock* clock = nullptr;
};

class SocketEndpoint {
 public:
  // Counters of this class's own decisions (the reader's and writer's are in their stats).
  struct Stats {
    uint64_t send_queued = 0;            // datagrams accepted by sendTo() (after the simulator)
    uint64_t send_queue_dropped = 0;     // dropped: queue full while the socket was full
    uint64_t send_oversize_dropped = 0;  // dropped: larger than kMaxDatagramBytes
    uint64_t send_error_dropped = 0;     // dropped with the queue when the socket broke
    uint64_t flushes = 0;                // flush() calls that had something to send
    uint64_t flushes_blocked = 0;        // flushes that left datagrams for later
    uint64_t received = 0;               // datagrams read from the socket
    uint64_t handed_over = 0;            // datagrams given to a ReceiveHandler
  };

  // Called for every received datagram. `now_usec` is the time it was read from the socket
  // (or, with receive-side fake lag, the time it became due and was handed over). The
  // payload is valid only during the call. The handler may sendTo()/flush() on any
  // endpoint, but must not call receive()/deliverDue() on this one or destroy it.
  using ReceiveHandler =
      absl::FunctionRef<void(MonotonicUsec now_usec, const SocketAddress& peer, ByteSpan payload)>;

  // Opens and binds the socket ("[::]:0" for a dual-stack ephemeral port) and preallocates
  // every buffer. Heap-allocated because the reader and writer keep references to it.
  static absl::StatusOr<std::unique_ptr<SocketEndpoint>> open(
      const SocketAddress& bind_address, const SocketEndpointOptions& options = {});

  SocketEndpoint(const SocketEndpoint&) = delete;
  SocketEndpoint& operator=(const SocketEndpoint&) = delete;
  ~SocketEndpoint();

  const UdpSocket& socket() const { return socket_; }
  int fd() const { return socket_.fd(); }
  const SocketAddress& localAddress() const { return socket_.localAddress(); }
  const MonotonicClock& clock() const { return clock_; }

  // --- Sending ---

  // Queues one datagram for `peer` (or hands it to the send-side fake network). Returns
  // false if it was dropped here: larger than kMaxDatagramBytes, or the queue is full
  // while the socket is full. Fake-network loss counts as sent (true): the caller cannot
  // tell, as with a real network. A peer the socket cannot reach (IPv6 from an IPv4-only
  // socket) is dropped and counted by the writer at flush time.
  bool sendTo(const SocketAddress& peer, ByteSpan payload);

  // Moves due datagrams out of the send simulator and sends everything queued. OK also when
  // the socket was full (see sendBlocked()); an error means the socket is unusable, and
  // then the queue is dropped and counted.
  absl::Status flush();

  // Datagrams queued and not yet handed to the kernel (not counting the simulator).
  size_t queuedSendDatagrams() const { return send_batch_.size() - sent_index_; }
  // True from a flush that hit a full socket until one that emptied the queue: the service
  // thread should watch the socket for writability and flush again. Any thread.
  bool sendBlocked() const { return send_blocked_.load(std::memory_order_acquire); }
  // Called (under the caller's lock, on the flushing thread) each time sendBlocked() turns
  // true. The service loop installs its wake() here, so a flush from an API thread that
  // fills the socket gets the loop to watch for writability. Empty function = none.
  void setSendBlockedNotifier(std::function<void()> notifier);

  // --- Receiving ---

  // Reads waiting datagrams (up to the budget) and hands each to `handler`, or to the
  // receive-side fake network; then hands over the simulated ones now due. Returns how many
  // were handed over. An error means the socket is unusable.
  absl::StatusOr<size_t> receive(ReceiveHandler handler);
  // Only the second half of receive(): hands over fake-network datagrams now due, without
  // touching the socket (for the timer path). Returns how many.
  size_t deliverDue(ReceiveHandler handler);

  // --- Timers ---

  // The earliest time a fake-network datagram (either direction) becomes due; kNeverUsec
  // if none is in flight. The owner must then call flush() and receive() or deliverDue().
  MonotonicUsec nextWakeTime() const;

  // --- Fake network ---

  // Installs conditions for datagrams submitted from now on (network_simulator.h).
  void setSendConditions(const NetworkConditions& conditions);
  void setReceiveConditions(const NetworkConditions& conditions);
  // Both directions from the documented options (the api layer builds the *_Send and
  // *_Recv sets from the global config).
  void setFakeNetwork(const FakeNetworkOptions& send, const FakeNetworkOptions& receive);
  const NetworkSimulator& sendSimulator() const { return *send_simulator_; }
  const NetworkSimulator& receiveSimulator() const { return *receive_simulator_; }

  // --- Counters ---

  const Stats& stats() const { return stats_; }
  const IoStats& writerStats() const { return writer_->stats(); }
  const IoStats& readerStats() const { return reader_->stats(); }

 private:
  friend class SocketEndpointTestPeer;  // tests swap the writer for a fault-injecting one

  SocketEndpoint(UdpSocket socket, const SocketEndpointOptions& options);

  // Appends to the outgoing batch, making room if needed; false if dropped.
  bool enqueue(const SocketAddress& peer, ByteSpan payload);
  // One writer call from sent_index_; updates sendBlocked().
  absl::Status sendQueued();
  // Moves the unsent tail of the outgoing batch to the front (via the spare batch).
  void compact();
  void setBlocked(bool blocked);
  // Hands a datagram to a simulator; its peer waits in peer_slots_ under the tag.
  void submitToSimulator(NetworkSimulator& simulator, MonotonicUsec now_usec,
                         const SocketAddress& peer, ByteSpan payload);
  // The peer of a datagram coming out of a simulator (by value: the table may grow while
  // the datagram is handled); drops the slot's reference.
  SocketAddress takePeer(uint64_t tag);

  UdpSocket socket_;
  const MonotonicClock& clock_;
  const size_t receive_budget_datagrams_;
  std::unique_ptr<PacketWriter> writer_;
  std::unique_ptr<PacketReader> reader_;

  DatagramBatch send_batch_;
  DatagramBatch spare_batch_;  // compaction target, swapped with send_batch_
  size_t sent_index_ = 0;      // send_batch_[0, sent_index_) already went out
  std::atomic<bool> send_blocked_{false};
  std::function<void()> send_blocked_notifier_;

  DatagramBatch receive_batch_;

  std::unique_ptr<NetworkSimulator> send_simulator_;
  std::unique_ptr<NetworkSimulator> receive_simulator_;
  // Peer addresses of datagrams in flight in either simulator, indexed by the simulator
  // tag and reference-counted (a duplicated datagram holds two references), so the table
  // never outgrows the datagrams in flight and the simulators see the bare payload (their
  // rate limiter counts payload bytes).
  struct PeerSlot {
    SocketAddress peer;
    uint32_t references = 0;
  };
  std::vector<PeerSlot> peer_slots_;
  std::vector<uint32_t> free_peer_slots_;

  Stats stats_;
};

}  // namespace opengns::transport
