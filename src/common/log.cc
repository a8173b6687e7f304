#include "common/log.h"

#include <cstdio>

#include "common/mutex.h"

namespace opengns {
namespace {

struct ProcessLog {
  Mutex mutex;
  LogSink sink;
  std::atomic<int> max_level{static_cast<int>(LogLevel::kWarning)};
  std::atomic<uint64_t> bugs{0};
};

ProcessLog& processLog() {
  static ProcessLog* log = new ProcessLog();  // never destroyed: usable during exit
  return *log;
}

}  // namespace

void setProcessLogSink(LogSink sink, LogLevel max_level) {
  ProcessLog& log = processLog();
  MutexLock lock(&log.mutex);
  log.sink = std::move(sink);
  log.max_level.store(static_cast<int>(max_level));
}

bool logEnabled(LogLevel level) {
  return static_cast<int>(level) <= processLog().max_level.load(std::memory_order_relaxed);
}

void logLine(LogLevel level, std::string_view text) {
  ProcessLog& log = processLog();
  MutexLock lock(&log.mutex);
  if (log.sink) {
    log.sink(level, text);
  } else {
    std::fprintf(stderr, "opengns: %.*s\n", static_cast<int>(text.size()), text.data());
  }
}

uint64_t bugCount() {
  return processLog().bugs.load();
}

void noteBug(const char* file, int line, std::string_view text) {
  processLog().bugs.fetch_add(1);
  logLine(LogLevel::kBug, absl::StrCat("BUG at ", file, ":", line, ": ") + std::string(text));
}

}  // namespace opengns
