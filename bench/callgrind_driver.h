// Runs worker processes under `valgrind --tool=callgrind` and reads back their instruction
// counts. Each process writes <base> (whole run, at exit) and, when the worker marked its
// measured window (callgrind_markers.h), <base>.N for the part dumped as "workload". The
// count of a process is the "summary:"/"totals:" figure of its workload part, or of all its
// parts when it has none. Callgrind counts every thread of the process in one file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace opengns::bench {

// The valgrind executable on PATH, if any.
std::optional<std::string> findValgrind();

// The command prefix that runs a program under callgrind, writing to `out_base`.
std::vector<std::string> callgrindCommand(const std::string& valgrind, const std::string& out_base);

struct CallgrindCount {
  int64_t instructions = 0;
  bool workload_window = false;  // false: the whole process was counted
};

// Reads `out_base` and `out_base`.N.
absl::StatusOr<CallgrindCount> readCallgrindCount(const std::string& out_base);

// Parses the text of one callgrind output file: the summary (or totals) figure, and whether
// the file is the part dumped as "workload". nullopt if the file has no summary.
struct CallgrindPart {
  int64_t instructions = 0;
  bool is_workload = false;
};
std::optional<CallgrindPart> parseCallgrindPart(const std::string& text);

}  // namespace opengns::bench
