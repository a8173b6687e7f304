// Marks the measured window of the instructions scenario for callgrind: the worker zeroes the
// counters when the workload starts and dumps them (as the part named "workload") when it
// ends, so process start-up, the handshake and teardown are not counted. Outside valgrind the
// markers cost a few instructions and do nothing. Without valgrind's header the markers are
// absent and the whole process is counted (callgrind_driver reports which).
#pragma once

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define OPENGNS_BENCH_CALLGRIND_MARKERS 1
#endif

namespace opengns::bench {

// The name of the dumped part (callgrind writes "desc: Trigger: Client Request: workload").
inline constexpr const char* kCallgrindWorkloadPart = "workload";

inline void callgrindStartWindow() {
#ifdef OPENGNS_BENCH_CALLGRIND_MARKERS
  CALLGRIND_ZERO_STATS;
#endif
}

inline void callgrindEndWindow() {
#ifdef OPENGNS_BENCH_CALLGRIND_MARKERS
  CALLGRIND_DUMP_STATS_AT("workload");
#endif
}

}  // namespace opengns::bench
