#include "bench_options.h"

#include <charconv>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "scenario_catalog.h"

namespace opengns::bench {
namespace {

bool knownSelector(const std::string& selector) {
  for (const CaseSpec& spec : allCases()) {
    if (selector == spec.scenario || selector == spec.scenario + "/" + spec.variant) return true;
  }
  return false;
}

absl::StatusOr<int> parseInt(const std::string& flag, const std::string& text, int min, int max) {
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": '", text, "' is not an integer in ", min, "..", max));
  }
  return value;
}

}  // namespace

std::string benchUsage() {
  std::string scenarios;
  for (const std::string& name : allScenarioNames())
    absl::StrAppend(&scenarios, " ", name);
  return absl::StrCat(
      "usage: opengns-bench [--quick] [--runs N] [--only SCENARIO[,SCENARIO...]] [--json FILE]\n"
      "  Runs each scenario over loopback for opengns and ENet (alternating, N runs each) and\n"
      "  prints median/min/max and the ratio opengns/ENet.\n"
      "  --quick    every scenario briefly (smoke test; 1 run unless --runs)\n"
      "  --runs N   repetitions per scenario and library (default 5)\n"
      "  --only     scenarios (or scenario/variant) to run; scenarios:",
      scenarios,
      "\n"
      "  --json F   also write the results as JSON to F\n");
}

absl::StatusOr<BenchOptions> parseBenchOptions(int argc, const char* const* argv) {
  BenchOptions options;
  bool runs_given = false;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    auto value = [&]() -> absl::StatusOr<std::string> {
      if (i + 1 >= argc) return absl::InvalidArgumentError(absl::StrCat(flag, " needs a value"));
      return std::string(argv[++i]);
    };
    absl::StatusOr<std::string> text;
    if (flag == "--help" || flag == "-h") {
      options.help = true;
    } else if (flag == "--quick") {
      options.quick = true;
      options.worker_options.quick = true;
    } else if (flag == "--runs") {
      if (!(text = value()).ok()) return text.status();
      absl::StatusOr<int> runs = parseInt(flag, *text, 1, 1000);
      if (!runs.ok()) return runs.status();
      options.runs = *runs;
      runs_given = true;
    } else if (flag == "--only") {
      if (!(text = value()).ok()) return text.status();
      for (absl::string_view part : absl::StrSplit(*text, ',', absl::SkipEmpty())) {
        std::string selector(part);
        if (!knownSelector(selector)) {
          return absl::InvalidArgumentError(
              absl::StrCat("--only: unknown scenario '", selector, "'"));
        }
        options.only.push_back(selector);
      }
    } else if (flag == "--json") {
      if (!(text = value()).ok()) return text.status();
      options.json_path = *text;
    } else if (flag == "--worker") {
      if (!(text = value()).ok()) return text.status();
      options.worker = true;
      options.worker_options.role = *text;
    } else if (flag == "--lib") {
      if (!(text = value()).ok()) return text.status();
      options.worker_options.library = *text;
    } else if (flag == "--scenario") {
      if (!(text = value()).ok()) return text.status();
      options.worker_options.scenario = *text;
    } else if (flag == "--variant") {
      if (!(text = value()).ok()) return text.status();
      options.worker_options.variant = *text;
    } else if (flag == "--port") {
      if (!(text = value()).ok()) return text.status();
      absl::StatusOr<int> port = parseInt(flag, *text, 1, 65535);
      if (!port.ok()) return port.status();
      options.worker_options.port = static_cast<uint16_t>(*port);
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown option '", flag, "'"));
    }
  }
  if (options.quick && !runs_given) options.runs = 1;
  return options;
}

bool caseSelected(const std::vector<std::string>& only, const std::string& scenario,
                  const std::string& variant) {
  if (only.empty()) return true;
  for (const std::string& selector : only) {
    if (selector == scenario || selector == scenario + "/" + variant) return true;
  }
  return false;
}

}  // namespace opengns::bench
