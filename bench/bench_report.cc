#include "bench_report.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <cmath>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <map>

#include "absl/strings/str_format.h"
#include "stats.h"

namespace opengns::bench {
namespace {

nlohmann::json numberOrNull(double value) {
  if (std::isnan(value)) return nullptr;
  return value;
}

std::string formatNumber(double value) {
  if (std::isnan(value)) return "n/a";
  double magnitude = std::fabs(value);
  if (magnitude >= 1000) return absl::StrFormat("%.0f", value);
  if (magnitude >= 100) return absl::StrFormat("%.1f", value);
  if (magnitude >= 10) return absl::StrFormat("%.2f", value);
  return absl::StrFormat("%.3f", value);
}

// "median [min..max]" or the status when there is no figure.
std::string formatCell(const RowResult* row) {
  if (row == nullptr) return "-";
  if (row->runs.empty()) return row->status;
  Summary s = summarize(row->runs);
  return absl::StrFormat("%s [%s..%s]", formatNumber(s.median), formatNumber(s.min),
                         formatNumber(s.max));
}

}  // namespace

nlohmann::json reportToJson(const BenchReport& report) {
  nlohmann::json results = nlohmann::json::array();
  for (const RowResult& row : report.rows) {
    Summary s = summarize(row.runs);
    nlohmann::json extra = row.extra;
    extra["status"] = row.status;
    if (!row.reason.empty()) extra["reason"] = row.reason;
    results.push_back({{"scenario", row.scenario},
                       {"variant", row.variant},
                       {"library", row.library},
                       {"metric", row.metric},
                       {"unit", row.unit},
                       {"median", numberOrNull(s.median)},
                       {"min", numberOrNull(s.min)},
                       {"max", numberOrNull(s.max)},
                       {"runs", row.runs},
                       {"extra", extra}});
  }
  return {{"machine", report.machine},
          {"date", report.date},
          {"config", report.config},
          {"results", results}};
}

void printTable(const BenchReport& report, std::ostream& out) {
  out << "opengns-bench  " << report.date << "  " << report.machine.value("cpu", "?") << ", "
      << report.machine.value("cores", 0) << " cores\n";
  out << "opengns: encrypted (AES-256-GCM)    ENet: unencrypted    "
         "no rate limit caps either side    client and server: separate processes, loopback\n";
  out << "runs per scenario and library: " << report.config.value("runs", 0)
      << (report.config.value("quick", false) ? " (--quick: smoke test, figures not meaningful)"
                                              : "")
      << "    cells: median [min..max]\n\n";

  // Pair the two libraries' rows of each (scenario, variant), in row order.
  std::vector<std::pair<std::string, std::string>> order;
  std::map<std::pair<std::string, std::string>, std::map<std::string, const RowResult*>> cells;
  for (const RowResult& row : report.rows) {
    auto key = std::make_pair(row.scenario, row.variant);
    if (cells.find(key) == cells.end()) order.push_back(key);
    cells[key][row.library] = &row;
  }
  std::string header =
      absl::StrFormat("%-13s %-19s %-30s %-10s %-30s %-30s %s", "scenario", "variant", "metric",
                      "unit", "opengns", "enet", "opengns/enet");
  out << header << "\n" << std::string(header.size(), '-') << "\n";
  for (const auto& key : order) {
    const auto& libs = cells[key];
    const RowResult* og = libs.count("opengns") ? libs.at("opengns") : nullptr;
    const RowResult* en = libs.count("enet") ? libs.at("enet") : nullptr;
    const RowResult* any = og != nullptr ? og : en;
    std::string ratio = "n/a";
    if (og != nullptr && en != nullptr && !og->runs.empty() && !en->runs.empty()) {
      double enet_median = median(en->runs);
      if (enet_median != 0) ratio = absl::StrFormat("%.2f", median(og->runs) / enet_median);
    }
    out << absl::StrFormat("%-13s %-19s %-30s %-10s %-30s %-30s %s\n", key.first, key.second,
                           any->metric, any->unit, formatCell(og), formatCell(en), ratio);
  }
  // Why figures are missing.
  for (const RowResult& row : report.rows) {
    if (row.runs.empty() && !row.reason.empty()) {
      out << "  " << row.library << " " << row.scenario << "/" << row.variant << ": " << row.status
          << " (" << row.reason << ")\n";
    }
  }
}

nlohmann::json describeMachine() {
  nlohmann::json machine;
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) {
      size_t colon = line.find(':');
      if (colon != std::string::npos) machine["cpu"] = line.substr(colon + 2);
      break;
    }
  }
  machine["cores"] = sysconf(_SC_NPROCESSORS_ONLN);
  utsname name{};
  if (uname(&name) == 0) machine["kernel"] = std::string(name.sysname) + " " + name.release;
  std::ifstream meminfo("/proc/meminfo");
  while (std::getline(meminfo, line)) {
    if (line.rfind("MemTotal:", 0) == 0) {
      machine["memory_gib"] = std::round(std::stod(line.substr(9)) / (1024.0 * 1024.0) * 10) / 10;
      break;
    }
  }
  std::ifstream loadavg("/proc/loadavg");
  double load1 = 0;
  if (loadavg >> load1) machine["load_average_1min_at_start"] = load1;
  return machine;
}

std::string utcDateNow() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

}  // namespace opengns::bench
