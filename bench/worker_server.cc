// The server role of a benchmark run: accepts the client's connection(s) and measures what
// arrives (bytes, messages, one-way latency) or, for the connect scenarios, its own memory.
#include <algorithm>
#include <cstring>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench_clock.h"
#include "callgrind_markers.h"
#include "stats.h"
#include "worker_support.h"

namespace opengns::bench {
namespace {

// Counts what the client sends; echoes pings.
class ServerHandler : public TransportHandler {
 public:
  ServerHandler(BenchTransport& transport, bool want_latency)
      : transport_(transport), want_latency_(want_latency) {}

  void onConnected(ConnId conn) override {
    connected_.insert(conn);
    if (!first_conn_) first_conn_ = conn;
  }
  void onClosed(ConnId conn) override {
    connected_.erase(conn);
    ++closed_;
  }
  void onMessage(ConnId conn, std::span<const uint8_t> data) override {
    MessageHeader header;
    if (!readHeader(data, &header)) return;
    switch (header.kind) {
      case MessageKind::kData:
        if (window_ns_ > 0) {
          // Timed flood: count only what arrives within the window after the first byte.
          int64_t now_ns = monotonicNs();
          if (messages_ == 0) first_ns_ = now_ns;
          if (now_ns - first_ns_ > window_ns_) break;
        } else if (messages_ == 0) {
          first_ns_ = monotonicNs();
        }
        ++messages_;
        bytes_ += static_cast<int64_t>(data.size());
        if (want_latency_) {
          latencies_ms_.push_back(static_cast<double>(monotonicNs() - header.send_time_ns) /
                                  static_cast<double>(kNsPerMs));
        }
        break;
      case MessageKind::kEnd:
        end_ns_ = monotonicNs();
        end_seen_ = true;
        break;
      case MessageKind::kPing: {
        // Echo the same bytes back, as a pong.
        echo_.assign(data.begin(), data.end());
        echo_[0] = static_cast<uint8_t>(MessageKind::kPong);
        if (transport_.send(conn, echo_, {.reliable = true, .nagle = false}) != SendStatus::kOk) {
          ++echo_failures_;
        }
        break;
      }
      default:
        break;
    }
  }

  BenchTransport& transport_;
  bool want_latency_;
  std::set<ConnId> connected_;
  std::optional<ConnId> first_conn_;
  int closed_ = 0;
  int64_t messages_ = 0;
  int64_t bytes_ = 0;
  int64_t window_ns_ = 0;  // > 0: timed flood, measured over this window
  int64_t first_ns_ = 0;
  int64_t end_ns_ = 0;
  bool end_seen_ = false;
  std::vector<double> latencies_ms_;
  std::vector<uint8_t> echo_;
  int64_t echo_failures_ = 0;
};

int serveOneConnection(BenchTransport& transport, const Workload& workload) {
  absl::StatusOr<uint16_t> port = transport.listen(1);
  if (!port.ok()) return emitFailure(port.status());
  emitLine({{"event", "ready"}, {"port", *port}});

  int64_t deadline_ns = monotonicNs() + secondsToNs(workload.timeout_s);
  ServerHandler handler(transport, workload.kind == WorkloadKind::kPaced);
  if (!pumpUntil(
          transport, handler, [&] { return handler.first_conn_.has_value(); }, deadline_ns)) {
    return emitFailure(absl::DeadlineExceededError("server: no connection arrived"));
  }
  ConnId conn = *handler.first_conn_;
  if (workload.callgrind_window) callgrindStartWindow();
  if (!sendControl(transport, handler, conn, MessageKind::kReady, deadline_ns)) {
    return emitFailure(absl::InternalError("server: could not send ready"));
  }
  if (workload.loss_pct > 0) transport.setReceiveLossPercent(workload.loss_pct);
  // A timed flood is measured over a fixed window at the receiver, starting at the first
  // byte: what the sender still has queued when the window ends does not matter, so the run
  // does not wait for a backlog to drain (which takes long at high loss). A counted workload
  // (paced, ping-pong, instructions) ends with the client's end marker instead.
  bool timed_flood = workload.kind == WorkloadKind::kFlood && workload.message_count == 0;
  if (timed_flood) handler.window_ns_ = secondsToNs(workload.duration_s);
  auto finished = [&] {
    if (handler.closed_ > 0) return true;
    if (!timed_flood) return handler.end_seen_;
    return handler.messages_ > 0 && monotonicNs() - handler.first_ns_ > handler.window_ns_;
  };
  if (!pumpUntil(transport, handler, finished, deadline_ns)) {
    return emitFailure(absl::DeadlineExceededError("server: the client never finished"));
  }
  if (handler.closed_ > 0) {
    return emitFailure(absl::InternalError("server: connection closed before the end"));
  }
  if (timed_flood) handler.end_ns_ = handler.first_ns_ + handler.window_ns_;
  // The measurement is over: stop dropping, so kDone and the client's close get through
  // without retransmission delays (the client does the same on kDone).
  if (workload.loss_pct > 0) transport.setReceiveLossPercent(0);
  sendControl(transport, handler, conn, MessageKind::kDone, deadline_ns);
  if (workload.callgrind_window) callgrindEndWindow();

  nlohmann::json result = {{"event", "result"},
                           {"role", "server"},
                           {"lib", transport.libraryName()},
                           {"messages", handler.messages_},
                           {"bytes", handler.bytes_},
                           {"first_ns", handler.first_ns_},
                           {"end_ns", handler.end_ns_},
                           {"echo_failures", handler.echo_failures_}};
  if (std::optional<bool> encrypted = transport.encrypted(conn)) result["encrypted"] = *encrypted;
  if (!handler.latencies_ms_.empty()) {
    result["latency_p50_ms"] = percentile(handler.latencies_ms_, 0.50);
    result["latency_p99_ms"] = percentile(handler.latencies_ms_, 0.99);
    result["latency_max_ms"] = percentile(handler.latencies_ms_, 1.0);
  }
  emitLine(result);
  // The client closes once it has our kDone; keep serving (retransmits) until then.
  constexpr int64_t kCloseWaitNs = 3 * kNsPerSec;
  pumpUntil(
      transport, handler, [&] { return handler.closed_ > 0; }, monotonicNs() + kCloseWaitNs);
  return 0;
}

int serveManyConnections(BenchTransport& transport, const Workload& workload) {
  // Baseline before listen(): the figure includes what listening allocates per connection
  // (e.g. ENet's peer table, sized for the connections).
  int64_t rss_before_kib = selfRssKib();
  absl::StatusOr<uint16_t> port = transport.listen(workload.connections);
  if (!port.ok()) return emitFailure(port.status());
  emitLine({{"event", "ready"}, {"port", *port}});

  int64_t deadline_ns = monotonicNs() + secondsToNs(workload.timeout_s);
  ServerHandler handler(transport, false);
  size_t wanted = static_cast<size_t>(workload.connections);
  if (!pumpUntil(
          transport, handler, [&] { return handler.connected_.size() >= wanted; }, deadline_ns)) {
    return emitFailure(absl::DeadlineExceededError(absl::StrCat(
        "server: ", handler.connected_.size(), " of ", wanted, " connections arrived")));
  }
  // Idle: let keep-alives and timers settle before reading the memory.
  pumpUntil(
      transport, handler, [] { return false; }, monotonicNs() + secondsToNs(workload.settle_s));
  int64_t rss_after_kib = selfRssKib();
  emitLine({{"event", "result"},
            {"role", "server"},
            {"lib", transport.libraryName()},
            {"connections", handler.connected_.size()},
            {"rss_before_kib", rss_before_kib},
            {"rss_after_kib", rss_after_kib}});
  // Tell the client we are done (it may not have seen all its connections complete yet, so
  // it closes them, not us), then wait for the closes (bounded).
  sendControl(transport, handler, *handler.first_conn_, MessageKind::kDone, deadline_ns);
  constexpr int64_t kCloseWaitNs = 10 * kNsPerSec;
  pumpUntil(
      transport, handler, [&] { return handler.connected_.empty(); },
      std::min(deadline_ns, monotonicNs() + kCloseWaitNs));
  return 0;
}

}  // namespace

int runServer(BenchTransport& transport, const Workload& workload) {
  if (workload.kind == WorkloadKind::kConnectMany) return serveManyConnections(transport, workload);
  return serveOneConnection(transport, workload);
}

}  // namespace opengns::bench
