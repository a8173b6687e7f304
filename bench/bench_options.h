// Command line of opengns-bench.
//   opengns-bench [--quick] [--runs N] [--only SCENARIO[,SCENARIO...]] [--json FILE]
// --only takes scenario names (bulk, msgrate, pingpong, connect, lossy, instructions) or
// scenario/variant pairs (bulk/64KiB). The hidden worker mode (worker.h) is
//   opengns-bench --worker server|client --lib L --scenario S --variant V [--port P] [--quick]
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "worker.h"

namespace opengns::bench {

struct BenchOptions {
  bool help = false;
  bool quick = false;
  int runs = 5;  // default; 1 with --quick unless --runs is given
  std::vector<std::string> only;
  std::string json_path;
  bool worker = false;
  WorkerOptions worker_options;
};

absl::StatusOr<BenchOptions> parseBenchOptions(int argc, const char* const* argv);
std::string benchUsage();

// True when the case (scenario, variant) is selected by --only (everything when empty).
bool caseSelected(const std::vector<std::string>& only, const std::string& scenario,
                  const std::string& variant);

}  // namespace opengns::bench
