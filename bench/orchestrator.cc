#include "orchestrator.h"

#include <enet/enet.h>
#include <stdlib.h>

#include <filesystem>
#include <iostream>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench_clock.h"
#include "callgrind_driver.h"
#include "child_process.h"
#include "scenario_catalog.h"
#include "stats.h"
#include "worker.h"

namespace opengns::bench {
namespace {

constexpr const char* kLibraries[] = {"opengns", "enet"};

enum class RunStatus { kOk, kUnavailable, kFailed };

struct RunOutcome {
  RunStatus status = RunStatus::kOk;
  std::string reason;
  std::map<std::string, double> row_values;  // by row variant
  std::map<std::string, double> extra;       // numeric extras of this run
  std::optional<bool> encrypted;
};

RunOutcome failed(std::string reason) {
  return {RunStatus::kFailed, std::move(reason), {}, {}, std::nullopt};
}

// Reads lines until one with an "event" other than "ready"-when-unwanted; nullopt on timeout.
std::optional<nlohmann::json> readEvent(ChildProcess& child, int64_t timeout_ms) {
  int64_t deadline_ns = monotonicNs() + timeout_ms * kNsPerMs;
  while (monotonicNs() < deadline_ns) {
    std::optional<std::string> line = child.readLine((deadline_ns - monotonicNs()) / kNsPerMs + 1);
    if (!line) return std::nullopt;
    nlohmann::json event = nlohmann::json::parse(*line, nullptr, false);
    if (!event.is_discarded() && event.is_object() && event.contains("event")) return event;
  }
  return std::nullopt;
}

// A worker's failure event as an outcome (kUnavailable or kFailed).
RunOutcome fromFailureEvent(const std::string& role, const std::optional<nlohmann::json>& event) {
  if (!event) return failed(role + ": no answer (timeout or crash)");
  std::string reason = role + ": " + event->value("reason", std::string("?"));
  if (event->value("event", "") == "unavailable") {
    return {RunStatus::kUnavailable, reason, {}, {}, std::nullopt};
  }
  return failed(reason);
}

double seconds(int64_t ns) {
  return static_cast<double>(ns) / 1e9;
}

// The figures of one run from the two workers' results.
RunOutcome computeOutcome(const CaseSpec& spec, const Workload& workload,
                          const nlohmann::json& server, const nlohmann::json& client,
                          const ChildExit& server_exit, const ChildExit& client_exit) {
  RunOutcome outcome;
  if (server.contains("encrypted")) outcome.encrypted = server["encrypted"].get<bool>();
  const std::string& row = spec.rows.front().variant;
  if (spec.scenario == "pingpong") {
    outcome.row_values[spec.rows[0].variant] = client.value("rtt_p50_us", 0.0);
    outcome.row_values[spec.rows[1].variant] = client.value("rtt_p99_us", 0.0);
    outcome.extra["rtt_max_us"] = client.value("rtt_max_us", 0.0);
    return outcome;
  }
  if (spec.scenario == "connect") {
    if (spec.variant == "200-concurrent") {
      outcome.row_values[row] = client.value("connect_all_ms", 0.0);
    } else {
      double connections = server.value("connections", 0.0);
      double before = server.value("rss_before_kib", 0.0);
      double after = server.value("rss_after_kib", 0.0);
      if (connections <= 0) return failed("server counted no connections");
      outcome.row_values[row] = (after - before) / connections;
      outcome.extra["rss_before_kib"] = before;
      outcome.extra["rss_after_kib"] = after;
    }
    return outcome;
  }
  if (spec.scenario == "lossy" && workload.kind == WorkloadKind::kPaced) {
    if (!server.contains("latency_p99_ms")) return failed("server measured no latency");
    outcome.row_values[row] = server["latency_p99_ms"].get<double>();
    outcome.extra["latency_p50_ms"] = server.value("latency_p50_ms", 0.0);
    outcome.extra["latency_max_ms"] = server.value("latency_max_ms", 0.0);
    outcome.extra["delivered"] = server.value("messages", 0.0);
    return outcome;
  }
  // Flood: bulk, msgrate, lossy bulk.
  double bytes = server.value("bytes", 0.0);
  double messages = server.value("messages", 0.0);
  double elapsed_s =
      seconds(server.value("end_ns", int64_t{0}) - server.value("first_ns", int64_t{0}));
  if (messages <= 0 || elapsed_s <= 0) return failed("server received nothing");
  double sent = client.value("messages_sent", 0.0);
  if (spec.scenario == "msgrate") {
    outcome.row_values[row] = messages / elapsed_s;
    // What the sender pushed into the library, for comparison with what was delivered.
    double send_s = seconds(client.value("send_phase_ns", int64_t{0}));
    if (send_s > 0) outcome.extra["offered_msg_per_s"] = sent / send_s;
  } else {
    outcome.row_values[row] = bytes / elapsed_s / 1e6;
    outcome.extra["cpu_s_per_gb"] =
        (server_exit.cpu_seconds + client_exit.cpu_seconds) / (bytes / 1e9);
  }
  outcome.extra["client_cpu_s"] = client_exit.cpu_seconds;
  outcome.extra["server_cpu_s"] = server_exit.cpu_seconds;
  return outcome;
}

class Runner {
 public:
  explicit Runner(const BenchOptions& options)
      : options_(options), self_(selfExecutablePath()), valgrind_(findValgrind()) {}

  BenchReport run();

 private:
  RunOutcome runOnce(const CaseSpec& spec, const Workload& workload, const std::string& library);
  std::vector<std::string> workerArgs(const std::string& role, const CaseSpec& spec,
                                      const std::string& library) const;
  nlohmann::json config(const std::vector<const CaseSpec*>& cases) const;

  const BenchOptions& options_;
  std::string self_;
  std::optional<std::string> valgrind_;
};

std::vector<std::string> Runner::workerArgs(const std::string& role, const CaseSpec& spec,
                                            const std::string& library) const {
  std::vector<std::string> args = {self_,        "--worker",    role,        "--lib",     library,
                                   "--scenario", spec.scenario, "--variant", spec.variant};
  if (options_.quick) args.push_back("--quick");
  return args;
}

RunOutcome Runner::runOnce(const CaseSpec& spec, const Workload& workload,
                           const std::string& library) {
  bool under_valgrind = spec.needs_valgrind;
  std::string out_dir;
  auto withPrefix = [&](const std::string& role) {
    std::vector<std::string> argv;
    if (under_valgrind) argv = callgrindCommand(*valgrind_, out_dir + "/" + role + ".out");
    std::vector<std::string> worker = workerArgs(role, spec, library);
    argv.insert(argv.end(), worker.begin(), worker.end());
    return argv;
  };
  if (under_valgrind) {
    char pattern[] = "/tmp/opengns-bench-XXXXXX";
    if (mkdtemp(pattern) == nullptr) return failed("mkdtemp failed");
    out_dir = pattern;
  }
  struct DirCleanup {
    std::string dir;
    ~DirCleanup() {
      std::error_code error;
      if (!dir.empty()) std::filesystem::remove_all(dir, error);
    }
  } cleanup{out_dir};
  // OPENGNS_BENCH_KEEP_CALLGRIND=1 keeps the profiles for callgrind_annotate.
  if (under_valgrind && getenv("OPENGNS_BENCH_KEEP_CALLGRIND") != nullptr) {
    std::cerr << "opengns-bench: callgrind profiles kept in " << out_dir << "\n";
    cleanup.dir.clear();
  }

  int64_t run_timeout_ms = static_cast<int64_t>(workload.timeout_s * 1000) + 30'000;
  int64_t start_timeout_ms = under_valgrind ? 120'000 : 20'000;
  absl::StatusOr<ChildProcess> server = ChildProcess::spawn(withPrefix("server"));
  if (!server.ok()) return failed(std::string(server.status().message()));
  std::optional<nlohmann::json> ready = readEvent(*server, start_timeout_ms);
  if (!ready || ready->value("event", "") != "ready") {
    server->wait(2000);
    return fromFailureEvent("server", ready);
  }
  std::vector<std::string> client_argv = withPrefix("client");
  client_argv.push_back("--port");
  client_argv.push_back(std::to_string(ready->value("port", 0)));
  absl::StatusOr<ChildProcess> client = ChildProcess::spawn(client_argv);
  if (!client.ok()) return failed(std::string(client.status().message()));

  std::optional<nlohmann::json> client_result = readEvent(*client, run_timeout_ms);
  std::optional<nlohmann::json> server_result = readEvent(*server, run_timeout_ms);
  int64_t exit_timeout_ms = under_valgrind ? 60'000 : 15'000;
  ChildExit client_exit = client->wait(exit_timeout_ms);
  ChildExit server_exit = server->wait(exit_timeout_ms);
  if (!client_result || client_result->value("event", "") != "result") {
    return fromFailureEvent("client", client_result);
  }
  if (!server_result || server_result->value("event", "") != "result") {
    return fromFailureEvent("server", server_result);
  }
  if (!under_valgrind) {
    return computeOutcome(spec, workload, *server_result, *client_result, server_exit, client_exit);
  }
  absl::StatusOr<CallgrindCount> server_count = readCallgrindCount(out_dir + "/server.out");
  absl::StatusOr<CallgrindCount> client_count = readCallgrindCount(out_dir + "/client.out");
  if (!server_count.ok()) return failed(std::string(server_count.status().message()));
  if (!client_count.ok()) return failed(std::string(client_count.status().message()));
  double messages = server_result->value("messages", 0.0);
  if (messages <= 0) return failed("server received nothing");
  RunOutcome outcome;
  if (server_result->contains("encrypted"))
    outcome.encrypted = (*server_result)["encrypted"].get<bool>();
  outcome.row_values[spec.rows.front().variant] =
      static_cast<double>(server_count->instructions + client_count->instructions) / messages;
  outcome.extra["server_instructions"] = static_cast<double>(server_count->instructions);
  outcome.extra["client_instructions"] = static_cast<double>(client_count->instructions);
  outcome.extra["messages"] = messages;
  outcome.extra["workload_window_only"] =
      server_count->workload_window && client_count->workload_window ? 1 : 0;
  return outcome;
}

nlohmann::json Runner::config(const std::vector<const CaseSpec*>& cases) const {
  ENetVersion enet_version = enet_linked_version();
  nlohmann::json workloads = nlohmann::json::object();
  for (const CaseSpec* spec : cases) {
    Workload w = *workloadFor(spec->scenario, spec->variant, options_.quick);
    workloads[spec->scenario + "/" + spec->variant] = {{"message_bytes", w.message_bytes},
                                                       {"reliable", w.reliable},
                                                       {"nagle", w.nagle},
                                                       {"duration_s", w.duration_s},
                                                       {"message_count", w.message_count},
                                                       {"rate_per_s", w.rate_per_s},
                                                       {"loss_pct_each_way", w.loss_pct},
                                                       {"connections", w.connections}};
  }
  return {
      {"quick", options_.quick},
      {"runs", options_.runs},
      {"only", options_.only},
      {"processes", "client and server are separate OS processes, over 127.0.0.1 (loopback)"},
      {"order", "runs alternate opengns and enet; the order flips every run"},
      {"rate_limit", "none on either side"},
      {"opengns",
       {{"encryption", "AES-256-GCM (default: Unencrypted = 0)"},
        {"send_rate", "SendRateMax = 268435456 B/s (top of range = no cap); SendRateMin default"},
        {"nagle", "off = kSendNoNagle; on = NagleTime default"},
        {"unreliable", "kSendUnreliable"},
        {"send_queue", "default SendBufferSize; kLimitExceeded = wait and retry"},
        {"loss", "FakePacketLoss_Recv (global) in both processes, once connected"},
        {"waiting",
         "no blocking wait in the API: idle polls sleep 5-20 us (1 ms under callgrind)"}}},
      {"enet",
       {{"version", absl::StrFormat("%d.%d.%d", ENET_VERSION_GET_MAJOR(enet_version),
                                    ENET_VERSION_GET_MINOR(enet_version),
                                    ENET_VERSION_GET_PATCH(enet_version))},
        {"encryption", "none"},
        {"bandwidth_limit", "none (enet_host_create with 0, 0)"},
        {"nagle", "off = enet_host_flush after each message; on = batched by enet_host_service"},
        {"unreliable", "sequenced unreliable (packet flag 0), one channel"},
        {"send_queue", "bytes not yet freed by ENet capped at 524288 (opengns's SendBufferSize)"},
        {"loss", "intercept hook drops received datagrams, both processes, once connected"}}},
      {"valgrind", valgrind_ ? nlohmann::json(*valgrind_) : nlohmann::json(nullptr)},
      {"workloads", workloads}};
}

BenchReport Runner::run() {
  std::vector<const CaseSpec*> cases;
  for (const CaseSpec& spec : allCases()) {
    if (caseSelected(options_.only, spec.scenario, spec.variant)) cases.push_back(&spec);
  }
  BenchReport report;
  report.machine = describeMachine();
  report.date = utcDateNow();
  report.config = config(cases);

  int total = 0;
  for (const CaseSpec* spec : cases) {
    if (!spec->needs_valgrind || valgrind_) total += options_.runs * 2;
  }
  int done = 0;
  for (const CaseSpec* spec : cases) {
    Workload workload = *workloadFor(spec->scenario, spec->variant, options_.quick);
    std::map<std::string, std::vector<RowResult>> rows;  // by library, one per RowSpec
    for (const char* library : kLibraries) {
      for (const RowSpec& row_spec : spec->rows) {
        RowResult row{spec->scenario, row_spec.variant, library, row_spec.metric, row_spec.unit};
        row.extra["encryption"] = std::string(library) == "opengns" ? "AES-256-GCM" : "none";
        rows[library].push_back(row);
      }
    }
    if (spec->needs_valgrind && !valgrind_) {
      for (auto& [library, lib_rows] : rows) {
        for (RowResult& row : lib_rows) {
          row.status = kStatusSkipped;
          row.reason = "valgrind not found on PATH";
        }
      }
    } else {
      std::map<std::string, std::map<std::string, std::vector<double>>> extras;
      std::map<std::string, int> failures;
      std::map<std::string, std::string> unavailable;
      std::map<std::string, std::string> last_error;
      std::map<std::string, std::optional<bool>> encrypted;
      for (int run = 0; run < options_.runs; ++run) {
        for (int i = 0; i < 2; ++i) {
          std::string library = kLibraries[(i + run) % 2];
          ++done;
          std::string label =
              absl::StrFormat("[%3d/%d] %s/%s %s run %d/%d", done, total, spec->scenario,
                              spec->variant, library, run + 1, options_.runs);
          if (unavailable.count(library)) continue;
          int64_t start_ns = monotonicNs();
          RunOutcome outcome = runOnce(*spec, workload, library);
          double took_s = seconds(monotonicNs() - start_ns);
          if (outcome.status == RunStatus::kUnavailable) {
            unavailable[library] = outcome.reason;
            std::cerr << label << ": not available (" << outcome.reason << ")\n";
            continue;
          }
          if (outcome.status == RunStatus::kFailed) {
            ++failures[library];
            last_error[library] = outcome.reason;
            std::cerr << label << ": FAILED (" << outcome.reason << ")\n";
            continue;
          }
          std::vector<RowResult>& lib_rows = rows[library];
          for (RowResult& row : lib_rows)
            row.runs.push_back(outcome.row_values[row.variant]);
          for (const auto& [key, value] : outcome.extra)
            extras[library][key].push_back(value);
          if (outcome.encrypted) encrypted[library] = outcome.encrypted;
          const RowResult& first = lib_rows.front();
          std::cerr << label << ": " << absl::StrFormat("%.4g", first.runs.back()) << " "
                    << first.unit << absl::StrFormat("  (%.1f s)", took_s) << "\n";
        }
      }
      for (auto& [library, lib_rows] : rows) {
        for (RowResult& row : lib_rows) {
          for (const auto& [key, values] : extras[library])
            row.extra[key] = median(values);
          if (encrypted[library]) row.extra["encrypted"] = *encrypted[library];
          if (failures[library] > 0) {
            row.extra["failed_runs"] = failures[library];
            row.reason = last_error[library];
          }
          if (unavailable.count(library)) {
            row.status = kStatusNotAvailable;
            row.reason = unavailable[library];
          } else if (row.runs.empty()) {
            row.status = kStatusFailed;
          }
        }
      }
    }
    for (const char* library : kLibraries) {
      for (RowResult& row : rows[library])
        report.rows.push_back(std::move(row));
    }
  }
  return report;
}

}  // namespace

BenchReport runBenchmarks(const BenchOptions& options) {
  return Runner(options).run();
}

}  // namespace opengns::bench
