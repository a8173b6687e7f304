// A worker process started by the orchestrator: posix_spawn with stdout on a pipe (the
// worker's JSON lines), stdin from /dev/null, stderr inherited. Every wait is bounded; a
// child that overstays is killed (by its own pid, never by name). The exit collects the
// child's CPU time (user + system, all threads) from wait4's rusage.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace opengns::bench {

struct ChildExit {
  int exit_code = -1;      // -1 when killed by a signal
  double cpu_seconds = 0;  // user + system
};

class ChildProcess {
 public:
  // Starts argv[0] (a path) with the given arguments.
  static absl::StatusOr<ChildProcess> spawn(const std::vector<std::string>& argv);

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&&) = delete;
  ChildProcess(const ChildProcess&) = delete;
  ~ChildProcess();  // kills and reaps a child still running

  pid_t pid() const { return pid_; }
  // The next stdout line; nullopt on timeout or end of output.
  std::optional<std::string> readLine(int64_t timeout_ms);
  // Waits for the exit up to `timeout_ms`, then kills the child. Reaps it either way.
  ChildExit wait(int64_t timeout_ms);

 private:
  ChildProcess(pid_t pid, int stdout_fd) : pid_(pid), stdout_fd_(stdout_fd) {}

  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string buffered_;
  bool reaped_ = false;
  ChildExit exit_;
};

// The absolute path of the running executable (for spawning workers).
std::string selfExecutablePath();

}  // namespace opengns::bench
