// The results of one opengns-bench run and their two renderings: the table on stdout and
// the JSON file (--json). JSON shape (fixed; other tools read it):
//   {"machine": {...}, "date": "...", "config": {...}, "results": [ROW...]}
//   ROW = {"scenario", "variant", "library", "metric", "unit", "median", "min", "max",
//          "runs": [...], "extra": {"status": "ok" | "n/a" | "skipped" | "failed", ...}}
// A row without any successful run has null median/min/max, empty runs, and says why in
// extra.reason.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

namespace opengns::bench {

inline constexpr const char* kStatusOk = "ok";
inline constexpr const char* kStatusNotAvailable = "n/a";
inline constexpr const char* kStatusSkipped = "skipped";
inline constexpr const char* kStatusFailed = "failed";

struct RowResult {
  std::string scenario;
  std::string variant;
  std::string library;  // "opengns" or "enet"
  std::string metric;
  std::string unit;
  std::string status = kStatusOk;
  std::string reason;
  std::vector<double> runs;
  nlohmann::json extra = nlohmann::json::object();
};

struct BenchReport {
  nlohmann::json machine;
  std::string date;
  nlohmann::json config;
  std::vector<RowResult> rows;
};

nlohmann::json reportToJson(const BenchReport& report);
// The human table: one line per (scenario, variant), both libraries side by side.
void printTable(const BenchReport& report, std::ostream& out);

// What the machine is ({"cpu", "cores", "kernel", "memory_gib"}) and the UTC date.
nlohmann::json describeMachine();
std::string utcDateNow();

}  // namespace opengns::bench
