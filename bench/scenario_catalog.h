// The fixed list of benchmark scenarios: their names (other tools read them, so they never
// change), the rows each one reports, and the workload both worker processes derive from
// (scenario, variant, quick). The orchestrator and the workers share this file, so a worker
// is started with names only and cannot disagree with the orchestrator about sizes or
// durations.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace opengns::bench {

// What the client and the server of one run do.
enum class WorkloadKind {
  kFlood,        // client sends messages as fast as the library accepts them
  kPaced,        // client sends at a fixed rate; server measures delivery latency
  kPingPong,     // client sends, server echoes, client measures the round trip
  kConnectMany,  // client opens many connections at once; server accepts them
};

struct Workload {
  WorkloadKind kind = WorkloadKind::kFlood;
  int message_bytes = 64;
  bool reliable = true;
  bool nagle = true;
  // kFlood with message_count 0 (timed flood): the receiver's measuring window, from the
  // first byte; the client sends until the server says the window is over. kPaced: how long
  // the client sends.
  double duration_s = 0;
  int64_t message_count = 0;      // kFlood by count, kPaced total, kPingPong round trips
  double rate_per_s = 0;          // kPaced
  double loss_pct = 0;            // dropped on receive in both processes, once connected
  int connections = 1;            // kConnectMany
  double settle_s = 0;            // kConnectMany: idle time before the server reads its RSS
  bool callgrind_window = false;  // workers mark the measured window for callgrind
  // How long a worker waits for the whole run before giving up, seconds.
  double timeout_s = 60;
};

// One row of the table / JSON.
struct RowSpec {
  std::string variant;  // fixed name, e.g. "64B-p99"
  std::string metric;   // e.g. "rtt_p99_us"
  std::string unit;     // e.g. "us"
};

// One measured case: a (scenario, variant) pair whose runs produce one or more rows.
struct CaseSpec {
  std::string scenario;
  std::string variant;
  std::vector<RowSpec> rows;
  bool needs_valgrind = false;
};

// Every case, in table order.
const std::vector<CaseSpec>& allCases();
// Every scenario name, in table order.
std::vector<std::string> allScenarioNames();
// The workload of a case; nullopt for an unknown (scenario, variant).
std::optional<Workload> workloadFor(const std::string& scenario, const std::string& variant,
                                    bool quick);

}  // namespace opengns::bench
