#include "worker.h"

#include <fstream>
#include <iostream>
#include <string>

#include "absl/strings/str_cat.h"
#include "bench_clock.h"
#include "worker_support.h"

namespace opengns::bench {
namespace {

// How long an idle opengns poll sleeps (the API has no blocking wait). Short where latency
// is measured; long under callgrind, where every idle poll would add app instructions.
int64_t idleSleepUs(const Workload& workload) {
  if (workload.callgrind_window) return 1000;
  if (workload.kind == WorkloadKind::kPingPong) return 5;
  return 20;
}

}  // namespace

void emitLine(const nlohmann::json& line) {
  std::cout << line.dump() << std::endl;
}

int emitFailure(const absl::Status& status) {
  bool unavailable = absl::IsUnavailable(status);
  emitLine({{"event", unavailable ? "unavailable" : "error"},
            {"reason", std::string(status.message())}});
  return unavailable ? kWorkerExitUnavailable : 1;
}

bool pumpUntil(BenchTransport& transport, TransportHandler& handler,
               const std::function<bool()>& done, int64_t deadline_ns, int64_t wait_us) {
  while (!done()) {
    if (monotonicNs() >= deadline_ns) return false;
    transport.poll(handler, wait_us);
  }
  return true;
}

bool sendControl(BenchTransport& transport, TransportHandler& handler, ConnId conn,
                 MessageKind kind, int64_t deadline_ns) {
  uint8_t buffer[kControlMessageBytes];
  writeHeader(buffer, {kind, 0, monotonicNs()});
  for (;;) {
    switch (transport.send(conn, buffer, {.reliable = true, .nagle = false})) {
      case SendStatus::kOk:
        return true;
      case SendStatus::kError:
        return false;
      case SendStatus::kBusy:
        if (monotonicNs() >= deadline_ns) return false;
        transport.poll(handler, 100);
        break;
    }
  }
}

int64_t selfRssKib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  return -1;
}

int runWorker(const WorkerOptions& options) {
  std::optional<Workload> workload = workloadFor(options.scenario, options.variant, options.quick);
  if (!workload) {
    return emitFailure(absl::InvalidArgumentError(
        absl::StrCat("unknown scenario/variant ", options.scenario, "/", options.variant)));
  }
  std::unique_ptr<BenchTransport> transport =
      makeTransport(options.library, idleSleepUs(*workload));
  if (transport == nullptr) {
    return emitFailure(absl::InvalidArgumentError(absl::StrCat("unknown --lib ", options.library)));
  }
  if (options.role == "server") return runServer(*transport, *workload);
  if (options.role == "client") return runClient(*transport, *workload, options.port);
  return emitFailure(absl::InvalidArgumentError(absl::StrCat("unknown --worker ", options.role)));
}

}  // namespace opengns::bench
