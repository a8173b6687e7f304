#include "callgrind_driver.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "callgrind_markers.h"

namespace opengns::bench {

std::optional<std::string> findValgrind() {
  const char* path_env = getenv("PATH");
  if (path_env == nullptr) return std::nullopt;
  for (absl::string_view dir : absl::StrSplit(path_env, ':')) {
    if (dir.empty()) continue;
    std::string candidate = absl::StrCat(dir, "/valgrind");
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

std::vector<std::string> callgrindCommand(const std::string& valgrind,
                                          const std::string& out_base) {
  return {valgrind, "--tool=callgrind", "--trace-children=no", "-q",
          "--callgrind-out-file=" + out_base};
}

std::optional<CallgrindPart> parseCallgrindPart(const std::string& text) {
  std::istringstream lines(text);
  std::string line;
  std::optional<int64_t> summary;
  std::optional<int64_t> totals;
  CallgrindPart part;
  const std::string workload_desc =
      absl::StrCat("desc: Trigger: Client Request: ", kCallgrindWorkloadPart);
  while (std::getline(lines, line)) {
    if (line == workload_desc) part.is_workload = true;
    // The first event is Ir (instructions read), the only one collected by default.
    if (line.rfind("summary:", 0) == 0) summary = std::stoll(line.substr(8));
    if (line.rfind("totals:", 0) == 0) totals = std::stoll(line.substr(7));
  }
  if (!summary && !totals) return std::nullopt;
  part.instructions = summary ? *summary : *totals;
  return part;
}

absl::StatusOr<CallgrindCount> readCallgrindCount(const std::string& out_base) {
  std::filesystem::path base(out_base);
  std::vector<CallgrindPart> parts;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(base.parent_path(), error)) {
    std::string name = entry.path().filename().string();
    std::string base_name = base.filename().string();
    if (name != base_name && name.rfind(base_name + ".", 0) != 0) continue;
    std::ifstream file(entry.path());
    std::stringstream text;
    text << file.rdbuf();
    if (std::optional<CallgrindPart> part = parseCallgrindPart(text.str())) {
      parts.push_back(*part);
    }
  }
  if (parts.empty()) {
    return absl::NotFoundError(absl::StrCat("no callgrind output at ", out_base));
  }
  CallgrindCount count;
  for (const CallgrindPart& part : parts)
    count.workload_window |= part.is_workload;
  for (const CallgrindPart& part : parts) {
    if (!count.workload_window || part.is_workload) count.instructions += part.instructions;
  }
  return count;
}

}  // namespace opengns::bench
