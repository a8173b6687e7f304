// Test-only access to SocketEndpoint internals (STYLE.md: a small "peer" class instead of
// widening the public header), and a PacketWriter that plays a full socket on demand.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "transport/socket_endpoint.h"
#include "transport/udp_packet_writer.h"

namespace opengns::transport {

class SocketEndpointTestPeer {
 public:
  static void replaceWriter(SocketEndpoint& endpoint, std::unique_ptr<PacketWriter> writer) {
    endpoint.writer_ = std::move(writer);
  }
};

// Forwards to a real UdpPacketWriter, but lets only `budget` more datagrams through before
// answering like a full socket (returns short, counts send_would_block). fail() makes the
// next call report a broken socket. The knobs are atomics so another thread may turn them.
class ThrottledWriter final : public PacketWriter {
 public:
  static constexpr size_t kUnlimited = SIZE_MAX;

  explicit ThrottledWriter(const UdpSocket& socket)
      : real_(socket, IoMode::kBatched), scratch_(DatagramBatch::forSending(1024)) {}

  void setBudget(size_t datagrams) { budget_.store(datagrams); }
  void failNextCall() { fail_next_.store(true); }
  uint64_t calls() const { return calls_.load(); }

  absl::StatusOr<size_t> sendBatch(const DatagramBatch& batch, size_t first) override {
    calls_.fetch_add(1);
    if (fail_next_.exchange(false)) return absl::InternalError("throttled writer: broken");
    const size_t budget = budget_.load();
    const size_t wanted = batch.size() - first;
    const size_t allowed = budget < wanted ? budget : wanted;
    scratch_.clear();
    for (size_t i = first; i < first + allowed; ++i)
      scratch_.append(batch.peer(i), batch.payload(i));
    size_t sent = 0;
    while (sent < scratch_.size()) {  // loopback does not really fill up; retry if it did
      absl::StatusOr<size_t> done = real_.sendBatch(scratch_, sent);
      if (!done.ok()) return done.status();
      sent = *done;
    }
    if (budget != kUnlimited) budget_.store(budget - allowed);
    stats_.datagrams_sent += allowed;
    ++stats_.send_calls;
    if (allowed < wanted) ++stats_.send_would_block;
    return first + allowed;
  }
  const IoStats& stats() const override { return stats_; }

 private:
  UdpPacketWriter real_;
  DatagramBatch scratch_;
  std::atomic<size_t> budget_{kUnlimited};
  std::atomic<bool> fail_next_{false};
  std::atomic<uint64_t> calls_{0};
  IoStats stats_;
};

}  // namespace opengns::transport
