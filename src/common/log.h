// Library-internal logging. Every instance routes its lines to the log sink the
// application gave it; lines logged outside an instance go to the process sink
// (stderr by default, warnings and above). OPENGNS_BUG marks states that should be
// impossible: it logs loudly and counts, and the caller fails only the object concerned.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string_view>

#include "absl/strings/str_cat.h"

namespace opengns {

// Values match the documented debug output levels (config.md §1.6).
enum class LogLevel : int {
  kNone = 0,
  kBug = 1,
  kError = 2,
  kImportant = 3,
  kWarning = 4,
  kMsg = 5,
  kVerbose = 6,
  kDebug = 7,
  kEverything = 8,
};

using LogSink = std::function<void(LogLevel, std::string_view)>;

// Replaces the process-wide sink and its detail level. Thread-safe.
void setProcessLogSink(LogSink sink, LogLevel max_level);
void logLine(LogLevel level, std::string_view text);
bool logEnabled(LogLevel level);

// How many OPENGNS_BUG sites have fired in this process (tests assert it stays 0).
uint64_t bugCount();
void noteBug(const char* file, int line, std::string_view text);

}  // namespace opengns

#define OPENGNS_LOG(level, ...)                               \
  do {                                                        \
    if (::opengns::logEnabled(level)) {                       \
      ::opengns::logLine(level, ::absl::StrCat(__VA_ARGS__)); \
    }                                                         \
  } while (0)

#define OPENGNS_BUG(...) ::opengns::noteBug(__FILE__, __LINE__, ::absl::StrCat(__VA_ARGS__))
