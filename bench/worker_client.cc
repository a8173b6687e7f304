// The client role of a benchmark run: connects and drives the workload (flood, paced
// messages, ping-pong), or opens many connections at once and times them.
#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench_clock.h"
#include "callgrind_markers.h"
#include "stats.h"
#include "worker_support.h"

namespace opengns::bench {
namespace {

// Messages sent between two polls when the library accepts them all: Nagle-style batching
// for ENet, and a bound on how long the flood runs without reading acks.
constexpr int kSendBatch = 32;
// How long a sender whose queue is full waits for the library, microseconds.
constexpr int64_t kBusyWaitUs = 50;

class ClientHandler : public TransportHandler {
 public:
  void onConnected(ConnId) override { ++connected_; }
  void onClosed(ConnId) override { ++closed_; }
  void onMessage(ConnId, std::span<const uint8_t> data) override {
    MessageHeader header;
    if (!readHeader(data, &header)) return;
    if (header.kind == MessageKind::kReady) ready_ = true;
    if (header.kind == MessageKind::kDone) done_ = true;
    if (header.kind == MessageKind::kPong) last_pong_ = static_cast<int64_t>(header.sequence);
  }

  int connected_ = 0;
  int closed_ = 0;
  bool ready_ = false;
  bool done_ = false;
  int64_t last_pong_ = -1;
};

// Sends one message, polling while the queue is full. False on error or deadline.
bool sendBlocking(BenchTransport& transport, ClientHandler& handler, ConnId conn,
                  std::span<const uint8_t> data, SendMode mode, int64_t deadline_ns) {
  for (;;) {
    switch (transport.send(conn, data, mode)) {
      case SendStatus::kOk:
        return true;
      case SendStatus::kError:
        return false;
      case SendStatus::kBusy:
        if (monotonicNs() >= deadline_ns || handler.closed_ > 0) return false;
        transport.poll(handler, kBusyWaitUs);
        break;
    }
  }
}

// Sends as fast as the library takes messages: message_count of them, or (timed flood)
// until the server says its measuring window is over.
absl::StatusOr<int64_t> flood(BenchTransport& transport, ClientHandler& handler, ConnId conn,
                              const Workload& workload, int64_t deadline_ns) {
  std::vector<uint8_t> buffer(static_cast<size_t>(workload.message_bytes));
  writeHeader(buffer, {MessageKind::kData, 0, 0});
  SendMode mode{.reliable = workload.reliable, .nagle = workload.nagle};
  int64_t sent = 0;
  for (;;) {
    if (workload.message_count > 0 ? sent >= workload.message_count : handler.done_) {
      return sent;
    }
    if (monotonicNs() >= deadline_ns) return absl::DeadlineExceededError("client: flood timed out");
    bool busy = false;
    for (int i = 0; i < kSendBatch; ++i) {
      if (workload.message_count > 0 && sent >= workload.message_count) break;
      SendStatus status = transport.send(conn, buffer, mode);
      if (status == SendStatus::kBusy) {
        busy = true;
        break;
      }
      if (status == SendStatus::kError) return absl::InternalError("client: send failed");
      ++sent;
    }
    transport.poll(handler, busy ? kBusyWaitUs : 0);
    if (handler.closed_ > 0) return absl::InternalError("client: connection closed mid-run");
  }
}

// Sends message_count messages at rate_per_s, each stamped with its send time.
absl::StatusOr<int64_t> paced(BenchTransport& transport, ClientHandler& handler, ConnId conn,
                              const Workload& workload, int64_t deadline_ns) {
  std::vector<uint8_t> buffer(static_cast<size_t>(workload.message_bytes));
  SendMode mode{.reliable = workload.reliable, .nagle = workload.nagle};
  int64_t period_ns = static_cast<int64_t>(1e9 / workload.rate_per_s);
  int64_t next_ns = monotonicNs();
  for (int64_t sent = 0; sent < workload.message_count;) {
    int64_t now_ns = monotonicNs();
    if (now_ns >= next_ns) {
      writeHeader(buffer, {MessageKind::kData, static_cast<uint64_t>(sent), now_ns});
      if (!sendBlocking(transport, handler, conn, buffer, mode, deadline_ns)) {
        return absl::InternalError("client: paced send failed");
      }
      ++sent;
      next_ns += period_ns;
    } else {
      transport.poll(handler, std::min<int64_t>((next_ns - now_ns) / kNsPerUs, 1000));
    }
    if (handler.closed_ > 0) return absl::InternalError("client: connection closed mid-run");
  }
  return workload.message_count;
}

// message_count round trips; returns the RTT samples in microseconds.
absl::StatusOr<std::vector<double>> pingPong(BenchTransport& transport, ClientHandler& handler,
                                             ConnId conn, const Workload& workload,
                                             int64_t deadline_ns) {
  std::vector<uint8_t> buffer(static_cast<size_t>(workload.message_bytes));
  SendMode mode{.reliable = true, .nagle = false};
  std::vector<double> rtt_us;
  rtt_us.reserve(static_cast<size_t>(workload.message_count));
  for (int64_t i = 0; i < workload.message_count; ++i) {
    int64_t start_ns = monotonicNs();
    writeHeader(buffer, {MessageKind::kPing, static_cast<uint64_t>(i), start_ns});
    if (!sendBlocking(transport, handler, conn, buffer, mode, deadline_ns)) {
      return absl::InternalError("client: ping send failed");
    }
    if (!pumpUntil(
            transport, handler, [&] { return handler.last_pong_ == i || handler.closed_ > 0; },
            deadline_ns)) {
      return absl::DeadlineExceededError(absl::StrCat("client: no pong for ping ", i));
    }
    if (handler.closed_ > 0) return absl::InternalError("client: connection closed mid-run");
    rtt_us.push_back(static_cast<double>(monotonicNs() - start_ns) / kNsPerUs);
  }
  return rtt_us;
}

int runOneConnection(BenchTransport& transport, const Workload& workload, uint16_t port) {
  int64_t deadline_ns = monotonicNs() + secondsToNs(workload.timeout_s);
  if (absl::Status status = transport.startClient(1); !status.ok()) return emitFailure(status);
  absl::StatusOr<ConnId> conn = transport.connect(port);
  if (!conn.ok()) return emitFailure(conn.status());
  ClientHandler handler;
  if (!pumpUntil(
          transport, handler, [&] { return handler.ready_ || handler.closed_ > 0; }, deadline_ns) ||
      !handler.ready_) {
    return emitFailure(absl::DeadlineExceededError("client: never connected / got ready"));
  }
  if (workload.loss_pct > 0) transport.setReceiveLossPercent(workload.loss_pct);
  if (workload.callgrind_window) callgrindStartWindow();

  nlohmann::json result = {
      {"event", "result"}, {"role", "client"}, {"lib", transport.libraryName()}};
  int64_t start_ns = monotonicNs();
  if (workload.kind == WorkloadKind::kPingPong) {
    absl::StatusOr<std::vector<double>> rtt_us =
        pingPong(transport, handler, *conn, workload, deadline_ns);
    if (!rtt_us.ok()) return emitFailure(rtt_us.status());
    result["round_trips"] = rtt_us->size();
    result["rtt_p50_us"] = percentile(*rtt_us, 0.50);
    result["rtt_p99_us"] = percentile(*rtt_us, 0.99);
    result["rtt_max_us"] = percentile(*rtt_us, 1.0);
  } else {
    absl::StatusOr<int64_t> sent = workload.kind == WorkloadKind::kPaced
                                       ? paced(transport, handler, *conn, workload, deadline_ns)
                                       : flood(transport, handler, *conn, workload, deadline_ns);
    if (!sent.ok()) return emitFailure(sent.status());
    result["messages_sent"] = *sent;
    result["bytes_sent"] = *sent * workload.message_bytes;
  }
  result["send_phase_ns"] = monotonicNs() - start_ns;

  // A timed flood already has the server's kDone; anything else tells the server it is done.
  bool timed_flood = workload.kind == WorkloadKind::kFlood && workload.message_count == 0;
  if (!timed_flood) {
    bool confirmed = sendControl(transport, handler, *conn, MessageKind::kEnd, deadline_ns) &&
                     pumpUntil(
                         transport, handler, [&] { return handler.done_ || handler.closed_ > 0; },
                         deadline_ns) &&
                     handler.done_;
    if (!confirmed) {
      return emitFailure(absl::DeadlineExceededError("client: the server never confirmed the end"));
    }
  }
  if (workload.callgrind_window) callgrindEndWindow();
  if (workload.loss_pct > 0) transport.setReceiveLossPercent(0);
  if (std::optional<bool> encrypted = transport.encrypted(*conn)) result["encrypted"] = *encrypted;
  // No linger: kDone means everything that mattered arrived (a timed flood's backlog is
  // abandoned), and lingering would keep ENet's disconnect queued behind unacked packets.
  transport.close(*conn, false);
  transport.poll(handler, 0);
  emitLine(result);
  return 0;
}

int runManyConnections(BenchTransport& transport, const Workload& workload, uint16_t port) {
  int64_t deadline_ns = monotonicNs() + secondsToNs(workload.timeout_s);
  if (absl::Status status = transport.startClient(workload.connections); !status.ok()) {
    return emitFailure(status);
  }
  ClientHandler handler;
  std::vector<ConnId> conns;
  int64_t start_ns = monotonicNs();
  for (int i = 0; i < workload.connections; ++i) {
    absl::StatusOr<ConnId> conn = transport.connect(port);
    if (!conn.ok()) return emitFailure(conn.status());
    conns.push_back(*conn);
  }
  if (!pumpUntil(
          transport, handler,
          [&] { return handler.connected_ >= workload.connections || handler.closed_ > 0; },
          deadline_ns) ||
      handler.connected_ < workload.connections) {
    return emitFailure(absl::DeadlineExceededError(
        absl::StrCat("client: ", handler.connected_, " of ", workload.connections,
                     " connections made, ", handler.closed_, " closed")));
  }
  int64_t connect_ns = monotonicNs() - start_ns;
  // The server measures its memory with every connection open, then sends kDone.
  if (!pumpUntil(
          transport, handler, [&] { return handler.done_ || handler.closed_ > 0; }, deadline_ns) ||
      !handler.done_) {
    return emitFailure(absl::DeadlineExceededError("client: the server never said done"));
  }
  emitLine({{"event", "result"},
            {"role", "client"},
            {"lib", transport.libraryName()},
            {"connections", handler.connected_},
            {"connect_all_ms", static_cast<double>(connect_ns) / kNsPerMs}});
  for (ConnId conn : conns)
    transport.close(conn, false);
  pumpUntil(
      transport, handler, [] { return false; }, monotonicNs() + 200 * kNsPerMs);
  return 0;
}

}  // namespace

int runClient(BenchTransport& transport, const Workload& workload, uint16_t port) {
  if (port == 0) return emitFailure(absl::InvalidArgumentError("client: --port missing"));
  if (workload.kind == WorkloadKind::kConnectMany) {
    return runManyConnections(transport, workload, port);
  }
  return runOneConnection(transport, workload, port);
}

}  // namespace opengns::bench
