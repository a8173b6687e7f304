// opengns-bench: named scenarios over loopback, opengns against ENet, in one run (see
// orchestrator.h); the same executable is also the worker process of each run (worker.h).
#include <fstream>
#include <iostream>

#include "bench_options.h"
#include "orchestrator.h"
#include "scenario_catalog.h"
#include "worker.h"

int main(int argc, char** argv) {
  using namespace opengns::bench;
  absl::StatusOr<BenchOptions> options = parseBenchOptions(argc, argv);
  if (!options.ok()) {
    std::cerr << "opengns-bench: " << options.status().message() << "\n" << benchUsage();
    return 2;
  }
  if (options->help) {
    std::cout << benchUsage();
    return 0;
  }
  if (options->worker) return runWorker(options->worker_options);

  BenchReport report = runBenchmarks(*options);
  printTable(report, std::cout);
  if (!options->json_path.empty()) {
    std::ofstream out(options->json_path);
    out << reportToJson(report).dump(2) << "\n";
    if (!out) {
      std::cerr << "opengns-bench: cannot write " << options->json_path << "\n";
      return 1;
    }
  }
  // Exit status: 1 when a run failed (a scenario did not complete), for CI's smoke test.
  for (const RowResult& row : report.rows) {
    if (row.status == kStatusFailed || row.extra.contains("failed_runs")) return 1;
  }
  return 0;
}
