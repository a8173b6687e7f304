#include "transport/socket_endpoint.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "common/log.h"
#include "transport/transport_constants.h"
#include "transport/udp_packet_reader.h"
#include "transport/udp_packet_writer.h"

namespace opengns::transport {
namespace {

// Limits of SocketEndpointOptions (documented there).
constexpr size_t kMaxSendQueueDatagrams = 65536;
constexpr size_t kMaxReceiveBatchDatagrams = 4096;
constexpr size_t kMaxReceiveBudgetDatagrams = size_t{1} << 20;

size_t clampTo(size_t value, size_t low, size_t high) {
  return std::clamp(value, low, high);
}

// A different but reproducible seed for the receive direction.
uint64_t receiveSeed(uint64_t seed) {
  uint64_t state = seed ^ 0x9e3779b97f4a7c15ull;
  return splitMix64(state);
}

// Without GRO no coalesced buffer can arrive, so the batch needs no headroom for one (half
// a megabyte saved) and holds exactly `datagrams` datagrams, which keeps the budget tight.
DatagramBatch receiveBatchFor(const UdpSocket& socket, size_t datagrams) {
  if (socket.groEnabled()) return DatagramBatch::forReceiving(datagrams);
  return DatagramBatch(datagrams, datagrams * kReceiveSlotBytes);
}

}  // namespace

absl::StatusOr<std::unique_ptr<SocketEndpoint>> SocketEndpoint::open(
    const SocketAddress& bind_address, const SocketEndpointOptions& options) {
  absl::StatusOr<UdpSocket> socket = UdpSocket::open(bind_address, options.socket);
  if (!socket.ok()) return socket.status();
  return std::unique_ptr<SocketEndpoint>(new SocketEndpoint(std::move(*socket), options));
}

SocketEndpoint::SocketEndpoint(UdpSocket socket, const SocketEndpointOptions& options)
    : socket_(std::move(socket)),
      clock_(clockOrSystem(options.clock)),
      receive_budget_datagrams_(
          clampTo(options.receive_budget_datagrams, 1, kMaxReceiveBudgetDatagrams)),
      writer_(std::make_unique<UdpPacketWriter>(socket_, options.io_mode)),
      reader_(std::make_unique<UdpPacketReader>(socket_, options.io_mode)),
      send_batch_(DatagramBatch::forSending(
          clampTo(options.send_queue_datagrams, 1, kMaxSendQueueDatagrams))),
      spare_batch_(DatagramBatch::forSending(
          clampTo(options.send_queue_datagrams, 1, kMaxSendQueueDatagrams))),
      receive_batch_(receiveBatchFor(
          socket_, clampTo(options.receive_batch_datagrams, 1, kMaxReceiveBatchDatagrams))),
      send_simulator_(std::make_unique<NetworkSimulator>(options.fake_network_seed)),
      receive_simulator_(
          std::make_unique<NetworkSimulator>(receiveSeed(options.fake_network_seed))) {}

SocketEndpoint::~SocketEndpoint() = default;

// ---------------------------------------------------------------------------------------
// Sending

bool SocketEndpoint::sendTo(const SocketAddress& peer, ByteSpan payload) {
  if (payload.size() > kMaxDatagramBytes) {
    ++stats_.send_oversize_dropped;
    OPENGNS_LOG(LogLevel::kWarning, "socket endpoint ", localAddress().toString(),
                ": dropped a datagram of ", payload.size(), " bytes to ", peer.toString(),
                " (limit ", kMaxDatagramBytes, ")");
    return false;
  }
  if (!send_simulator_->transparent()) {
    submitToSimulator(*send_simulator_, clock_.nowUsec(), peer, payload);
    return true;
  }
  return enqueue(peer, payload);
}

bool SocketEndpoint::enqueue(const SocketAddress& peer, ByteSpan payload) {
  if (send_batch_.append(peer, payload)) {
    ++stats_.send_queued;
    return true;
  }
  // Full. Make room: send what is queued (unless the socket is known to be full), then
  // move the unsent rest to the front.
  if (!sendBlocked()) {
    absl::Status sent = sendQueued();
    if (!sent.ok()) {
      OPENGNS_LOG(LogLevel::kWarning, "socket endpoint ", localAddress().toString(),
                  ": send failed: ", sent.ToString());
    }
  }
  compact();
  if (send_batch_.append(peer, payload)) {
    ++stats_.send_queued;
    return true;
  }
  ++stats_.send_queue_dropped;
  OPENGNS_LOG(LogLevel::kVerbose, "socket endpoint ", localAddress().toString(),
              ": send queue full (", send_batch_.maxDatagrams(),
              " datagrams, socket full), dropped one to ", peer.toString());
  return false;
}

void SocketEndpoint::compact() {
  if (sent_index_ == 0) return;
  spare_batch_.clear();
  for (size_t i = sent_index_; i < send_batch_.size(); ++i) {
    // Cannot fail: the spare batch has the same capacity and holds a subset.
    spare_batch_.append(send_batch_.peer(i), send_batch_.payload(i));
  }
  std::swap(send_batch_, spare_batch_);
  spare_batch_.clear();
  sent_index_ = 0;
}

absl::Status SocketEndpoint::flush() {
  if (!send_simulator_->empty()) {
    send_simulator_->deliverDue(clock_.nowUsec(), [&](const SimulatedDelivery& delivery) {
      const SocketAddress peer = takePeer(delivery.tag);
      if (!peer.empty()) enqueue(peer, delivery.payload);
    });
  }
  return sendQueued();
}

absl::Status SocketEndpoint::sendQueued() {
  if (sent_index_ >= send_batch_.size()) {
    send_batch_.clear();
    sent_index_ = 0;
    setBlocked(false);
    return absl::OkStatus();
  }
  ++stats_.flushes;
  absl::StatusOr<size_t> done = writer_->sendBatch(send_batch_, sent_index_);
  if (!done.ok()) {
    // The socket itself is broken; keeping the datagrams would only grow a dead queue.
    stats_.send_error_dropped += send_batch_.size() - sent_index_;
    send_batch_.clear();
    sent_index_ = 0;
    setBlocked(false);
    return done.status();
  }
  sent_index_ = std::clamp(*done, sent_index_, send_batch_.size());
  if (sent_index_ == send_batch_.size()) {
    send_batch_.clear();
    sent_index_ = 0;
    setBlocked(false);
  } else {
    ++stats_.flushes_blocked;
    setBlocked(true);
  }
  return absl::OkStatus();
}

void SocketEndpoint::setBlocked(bool blocked) {
  const bool was = send_blocked_.exchange(blocked, std::memory_order_acq_rel);
  if (blocked && !was && send_blocked_notifier_) send_blocked_notifier_();
}

void SocketEndpoint::setSendBlockedNotifier(std::function<void()> notifier) {
  send_blocked_notifier_ = std::move(notifier);
}

// ---------------------------------------------------------------------------------------
// Receiving

absl::StatusOr<size_t> SocketEndpoint::receive(ReceiveHandler handler) {
  size_t handed = 0;
  size_t read = 0;
  while (read < receive_budget_datagrams_) {
    receive_batch_.clear();
    absl::StatusOr<size_t> got = reader_->receiveBatch(receive_batch_);
    if (!got.ok()) return got.status();
    if (*got == 0) break;
    read += receive_batch_.size();
    const MonotonicUsec now_usec = clock_.nowUsec();
    for (size_t i = 0; i < receive_batch_.size(); ++i) {
      // Checked per datagram: once one is in flight in the simulator, the rest follow it
      // there so bypassing cannot overtake it.
      if (!receive_simulator_->transparent()) {
        submitToSimulator(*receive_simulator_, now_usec, receive_batch_.peer(i),
                          receive_batch_.payload(i));
      } else {
        ++handed;
        handler(now_usec, receive_batch_.peer(i), receive_batch_.payload(i));
      }
    }
  }
  stats_.received += read;
  stats_.handed_over += handed;
  return handed + deliverDue(handler);
}

size_t SocketEndpoint::deliverDue(ReceiveHandler handler) {
  if (receive_simulator_->empty()) return 0;
  const MonotonicUsec now_usec = clock_.nowUsec();
  size_t handed = 0;
  receive_simulator_->deliverDue(now_usec, [&](const SimulatedDelivery& delivery) {
    const SocketAddress peer = takePeer(delivery.tag);
    if (peer.empty()) return;
    ++handed;
    handler(now_usec, peer, delivery.payload);
  });
  stats_.handed_over += handed;
  return handed;
}

// ---------------------------------------------------------------------------------------
// Timers and fake network

MonotonicUsec SocketEndpoint::nextWakeTime() const {
  MonotonicUsec next = kNeverUsec;
  if (std::optional<MonotonicUsec> due = send_simulator_->nextDeliveryTime()) {
    next = std::min(next, *due);
  }
  if (std::optional<MonotonicUsec> due = receive_simulator_->nextDeliveryTime()) {
    next = std::min(next, *due);
  }
  return next;
}

void SocketEndpoint::setSendConditions(const NetworkConditions& conditions) {
  send_simulator_->setConditions(conditions);
}

void SocketEndpoint::setReceiveConditions(const NetworkConditions& conditions) {
  receive_simulator_->setConditions(conditions);
}

void SocketEndpoint::setFakeNetwork(const FakeNetworkOptions& send,
                                    const FakeNetworkOptions& receive) {
  setSendConditions(networkConditionsFromOptions(send));
  setReceiveConditions(networkConditionsFromOptions(receive));
}

void SocketEndpoint::submitToSimulator(NetworkSimulator& simulator, MonotonicUsec now_usec,
                                       const SocketAddress& peer, ByteSpan payload) {
  uint32_t slot;
  if (!free_peer_slots_.empty()) {
    slot = free_peer_slots_.back();
    free_peer_slots_.pop_back();
  } else {
    slot = static_cast<uint32_t>(peer_slots_.size());
    peer_slots_.emplace_back();
  }
  peer_slots_[slot].peer = peer;
  switch (simulator.submit(now_usec, payload, slot)) {
    case SubmitOutcome::kScheduled:
      peer_slots_[slot].references = 1;
      return;
    case SubmitOutcome::kDuplicated:
      peer_slots_[slot].references = 2;
      return;
    case SubmitOutcome::kDroppedLoss:
    case SubmitOutcome::kDroppedRateLimit:
      break;
  }
  peer_slots_[slot].references = 0;
  free_peer_slots_.push_back(slot);
}

SocketAddress SocketEndpoint::takePeer(uint64_t tag) {
  if (tag >= peer_slots_.size() || peer_slots_[tag].references == 0) {
    OPENGNS_BUG("socket endpoint: simulated datagram with unknown peer slot ", tag);
    return SocketAddress();
  }
  PeerSlot& slot = peer_slots_[tag];
  const SocketAddress peer = slot.peer;
  if (--slot.references == 0) free_peer_slots_.push_back(static_cast<uint32_t>(tag));
  return peer;
}

}  // namespace opengns::transport
