// The orchestrator half of opengns-bench: for each selected case, N runs per library,
// alternating opengns and ENet (the order flips every run so neither library always goes
// first on a warming or cooling machine). A run is two worker processes (server, then client
// with the server's port), under callgrind for the instructions scenario. It turns the
// workers' figures into the table's rows and shows progress on stderr.
#pragma once

#include "bench_options.h"
#include "bench_report.h"

namespace opengns::bench {

BenchReport runBenchmarks(const BenchOptions& options);

}  // namespace opengns::bench
