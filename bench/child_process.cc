#include "child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "bench_clock.h"

extern char** environ;

namespace opengns::bench {
namespace {

double timevalSeconds(const timeval& tv) {
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

}  // namespace

absl::StatusOr<ChildProcess> ChildProcess::spawn(const std::vector<std::string>& argv) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return absl::InternalError("pipe2 failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  std::vector<char*> args;
  for (const std::string& arg : argv)
    args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int error = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (error != 0) {
    close(fds[0]);
    return absl::InternalError(absl::StrCat("posix_spawn ", argv[0], ": ", strerror(error)));
  }
  return ChildProcess(pid, fds[0]);
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(other.pid_),
      stdout_fd_(other.stdout_fd_),
      buffered_(std::move(other.buffered_)),
      reaped_(other.reaped_),
      exit_(other.exit_) {
  other.pid_ = -1;
  other.stdout_fd_ = -1;
  other.reaped_ = true;
}

ChildProcess::~ChildProcess() {
  if (!reaped_ && pid_ > 0) wait(0);
  if (stdout_fd_ >= 0) close(stdout_fd_);
}

std::optional<std::string> ChildProcess::readLine(int64_t timeout_ms) {
  int64_t deadline_ns = monotonicNs() + timeout_ms * kNsPerMs;
  for (;;) {
    size_t newline = buffered_.find('\n');
    if (newline != std::string::npos) {
      std::string line = buffered_.substr(0, newline);
      buffered_.erase(0, newline + 1);
      return line;
    }
    if (stdout_fd_ < 0) return std::nullopt;
    int64_t left_ms = (deadline_ns - monotonicNs()) / kNsPerMs;
    if (left_ms <= 0) return std::nullopt;
    pollfd pfd{stdout_fd_, POLLIN, 0};
    int ready = ::poll(&pfd, 1, static_cast<int>(std::min<int64_t>(left_ms, 1000)));
    if (ready < 0 && errno != EINTR) return std::nullopt;
    if (ready <= 0) continue;
    char chunk[4096];
    ssize_t got = read(stdout_fd_, chunk, sizeof(chunk));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {  // end of output
      close(stdout_fd_);
      stdout_fd_ = -1;
      continue;
    }
    buffered_.append(chunk, static_cast<size_t>(got));
  }
}

ChildExit ChildProcess::wait(int64_t timeout_ms) {
  if (reaped_ || pid_ <= 0) return exit_;
  int64_t deadline_ns = monotonicNs() + timeout_ms * kNsPerMs;
  int status = 0;
  rusage usage{};
  for (;;) {
    pid_t done = wait4(pid_, &status, WNOHANG, &usage);
    if (done == pid_) break;
    if (done < 0 && errno != EINTR) {
      reaped_ = true;
      return exit_;
    }
    if (monotonicNs() >= deadline_ns) {
      kill(pid_, SIGKILL);  // our own child, by pid
      wait4(pid_, &status, 0, &usage);
      break;
    }
    usleep(5000);
  }
  reaped_ = true;
  exit_.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  exit_.cpu_seconds = timevalSeconds(usage.ru_utime) + timevalSeconds(usage.ru_stime);
  return exit_;
}

std::string selfExecutablePath() {
  char path[4096];
  ssize_t length = readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (length <= 0) return {};
  return std::string(path, static_cast<size_t>(length));
}

}  // namespace opengns::bench
