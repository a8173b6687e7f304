#include "scenario_catalog.h"

namespace opengns::bench {
namespace {

// Sizes and rates named by the benchmark's definition (issue 6, bench/).
constexpr int kBulkSmallBytes = 1200;
constexpr int kBulkLargeBytes = 64 * 1024;
constexpr int kSmallMessageBytes = 64;
constexpr int kLatencyMessageBytes = 1024;  // "1 KB" reliable messages of lossy/latency
constexpr double kLatencyRatePerSec = 200;
constexpr double kLatencyLossPct = 5;
constexpr int64_t kPingPongRoundTrips = 10'000;
constexpr int64_t kInstructionMessages = 20'000;
constexpr int kConcurrentConnections = 200;
constexpr int kIdleConnections = 1000;

// Durations: the full run uses the definition's figures, --quick only proves the scenario
// completes.
struct Durations {
  double bulk_s;
  double msgrate_s;
  double lossy_bulk_s;
  double latency_s;
  int64_t pingpong_round_trips;
  int64_t instruction_messages;
  double idle_settle_s;
};
constexpr Durations kFull{5.0, 3.0, 3.0, 5.0, kPingPongRoundTrips, kInstructionMessages, 1.0};
constexpr Durations kQuick{0.3, 0.3, 0.3, 1.0, 300, 2'000, 0.2};

const std::vector<double>& lossPercents() {
  static const std::vector<double> kPercents{0, 5, 10, 20, 30};
  return kPercents;
}

std::string lossVariant(double pct) {
  return "bulk-" + std::to_string(int(pct)) + "pct";
}

}  // namespace

const std::vector<CaseSpec>& allCases() {
  static const std::vector<CaseSpec> kCases = [] {
    std::vector<CaseSpec> cases;
    const RowSpec throughput{"", "throughput_mb_per_s", "MB/s"};
    for (const char* variant : {"1200B", "64KiB"}) {
      RowSpec row = throughput;
      row.variant = variant;
      cases.push_back({"bulk", variant, {row}});
    }
    for (const char* variant :
         {"reliable-nagle", "reliable-nonagle", "unreliable-nagle", "unreliable-nonagle"}) {
      cases.push_back({"msgrate", variant, {{variant, "msg_per_s", "msg/s"}}});
    }
    cases.push_back(
        {"pingpong", "64B", {{"64B", "rtt_p50_us", "us"}, {"64B-p99", "rtt_p99_us", "us"}}});
    cases.push_back({"connect", "200-concurrent", {{"200-concurrent", "connect_all_ms", "ms"}}});
    cases.push_back(
        {"connect", "1000-idle", {{"1000-idle", "server_rss_kib_per_connection", "KiB"}}});
    for (double pct : lossPercents()) {
      RowSpec row = throughput;
      row.variant = lossVariant(pct);
      cases.push_back({"lossy", row.variant, {row}});
    }
    cases.push_back({"lossy", "latency-5pct", {{"latency-5pct", "latency_p99_ms", "ms"}}});
    CaseSpec instructions{
        "instructions", "64B-reliable", {{"64B-reliable", "instructions_per_msg", "instr/msg"}}};
    instructions.needs_valgrind = true;
    cases.push_back(instructions);
    return cases;
  }();
  return kCases;
}

std::vector<std::string> allScenarioNames() {
  std::vector<std::string> names;
  for (const CaseSpec& spec : allCases()) {
    if (names.empty() || names.back() != spec.scenario) names.push_back(spec.scenario);
  }
  return names;
}

std::optional<Workload> workloadFor(const std::string& scenario, const std::string& variant,
                                    bool quick) {
  const Durations& d = quick ? kQuick : kFull;
  Workload w;
  if (scenario == "bulk") {
    if (variant != "1200B" && variant != "64KiB") return std::nullopt;
    w.message_bytes = variant == "1200B" ? kBulkSmallBytes : kBulkLargeBytes;
    w.duration_s = d.bulk_s;
  } else if (scenario == "msgrate") {
    if (variant == "reliable-nagle") {
    } else if (variant == "reliable-nonagle") {
      w.nagle = false;
    } else if (variant == "unreliable-nagle") {
      w.reliable = false;
    } else if (variant == "unreliable-nonagle") {
      w.reliable = false;
      w.nagle = false;
    } else {
      return std::nullopt;
    }
    w.message_bytes = kSmallMessageBytes;
    w.duration_s = d.msgrate_s;
  } else if (scenario == "pingpong") {
    if (variant != "64B") return std::nullopt;
    w.kind = WorkloadKind::kPingPong;
    w.message_bytes = kSmallMessageBytes;
    w.nagle = false;
    w.message_count = d.pingpong_round_trips;
  } else if (scenario == "connect") {
    w.kind = WorkloadKind::kConnectMany;
    if (variant == "200-concurrent") {
      w.connections = kConcurrentConnections;
    } else if (variant == "1000-idle") {
      w.connections = kIdleConnections;
      w.settle_s = d.idle_settle_s;
    } else {
      return std::nullopt;
    }
  } else if (scenario == "lossy") {
    if (variant == "latency-5pct") {
      w.kind = WorkloadKind::kPaced;
      w.message_bytes = kLatencyMessageBytes;
      w.nagle = false;  // a game-style message is sent now: latency is the loss recovery's
      w.rate_per_s = kLatencyRatePerSec;
      w.duration_s = d.latency_s;
      w.message_count = static_cast<int64_t>(d.latency_s * kLatencyRatePerSec);
      w.loss_pct = kLatencyLossPct;
    } else {
      bool found = false;
      for (double pct : lossPercents()) {
        if (variant == lossVariant(pct)) {
          w.loss_pct = pct;
          found = true;
        }
      }
      if (!found) return std::nullopt;
      w.message_bytes = kBulkSmallBytes;
      w.duration_s = d.lossy_bulk_s;
    }
  } else if (scenario == "instructions") {
    if (variant != "64B-reliable") return std::nullopt;
    w.message_bytes = kSmallMessageBytes;
    w.message_count = d.instruction_messages;
    w.callgrind_window = true;
    w.timeout_s = 600;  // everything runs ~50x slower under callgrind
  } else {
    return std::nullopt;
  }
  // A quick run only proves completion: give up sooner on one that hangs.
  if (quick) w.timeout_s = w.callgrind_window ? 120 : 20;
  return w;
}

}  // namespace opengns::bench
