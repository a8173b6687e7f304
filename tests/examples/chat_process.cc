// Child-process plumbing for the chat tests: posix_spawn with three pipes in a new process
// group, a reader thread that splits stdout into lines, and waits with deadlines.
#include "chat_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <sstream>

extern char** environ;

namespace opengns::testing {
namespace {

using Clock = std::chrono::steady_clock;

// How long the destructor lets the child leave on its own after closing its stdin (the
// chat then closes its connections politely), before signalling it.
constexpr std::chrono::milliseconds kLeaveGrace{10000};
constexpr std::chrono::milliseconds kTerminateGrace{5000};
// Bound for one write to the child's stdin (it reads continually; this only catches a hang).
constexpr int kWriteTimeoutMs = 20000;

void closeFd(int* fd) {
  if (*fd >= 0) ::close(*fd);
  *fd = -1;
}

int remainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

int statusFromWait(int wstatus) {
  if (WIFEXITED(wstatus)) return WEXITSTATUS(wstatus);
  if (WIFSIGNALED(wstatus)) return 128 + WTERMSIG(wstatus);
  return -1;
}

}  // namespace

std::unique_ptr<ChatProcess> ChatProcess::start(const std::string& program,
                                                const std::vector<std::string>& args,
                                                std::string name, std::string* error) {
  // Writing to a child that has exited must fail, not kill the test.
  static std::once_flag ignore_sigpipe;
  std::call_once(ignore_sigpipe, [] { ::signal(SIGPIPE, SIG_IGN); });

  std::array<int, 2> in{-1, -1}, out{-1, -1}, err{-1, -1};
  auto close_all = [&] {
    for (int* fd : {&in[0], &in[1], &out[0], &out[1], &err[0], &err[1]})
      closeFd(fd);
  };
  if (::pipe2(in.data(), O_CLOEXEC) != 0 || ::pipe2(out.data(), O_CLOEXEC) != 0 ||
      ::pipe2(err.data(), O_CLOEXEC) != 0) {
    *error = std::string("pipe2: ") + std::strerror(errno);
    close_all();
    return nullptr;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Own process group; default dispositions for the signals we ignore or the child handles.
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGTERM, SIGINT, SIGHUP})
    sigaddset(&defaults, sig);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  sigset_t empty;
  sigemptyset(&empty);
  posix_spawnattr_setsigmask(&attr, &empty);

  std::vector<std::string> argv = {program};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> cargv;
  for (std::string& arg : argv)
    cargv.push_back(arg.data());
  cargv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, cargv[0], &actions, &attr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    *error = "cannot start '" + program + "': " + std::strerror(rc);
    close_all();
    return nullptr;
  }

  std::unique_ptr<ChatProcess> process(new ChatProcess());
  process->name_ = std::move(name);
  for (const std::string& arg : argv)
    process->command_line_ += (process->command_line_.empty() ? "" : " ") + arg;
  process->pid_ = pid;
  process->stdin_fd_ = in[1];
  ::fcntl(in[1], F_SETFL, ::fcntl(in[1], F_GETFL) | O_NONBLOCK);
  const int stdout_fd = out[0];
  const int stderr_fd = err[0];
  in[1] = out[0] = err[0] = -1;
  close_all();  // the child's ends
  process->reader_ = std::thread(&ChatProcess::readerLoop, process.get(), stdout_fd, stderr_fd);
  return process;
}

ChatProcess::~ChatProcess() {
  closeStdin();
  if (pid_ > 0 && !reapWithin(kLeaveGrace)) {
    ::kill(-pid_, SIGTERM);
    if (!reapWithin(kTerminateGrace)) {
      ::kill(-pid_, SIGKILL);
      reapWithin(std::chrono::seconds(30));
    }
  }
  if (reader_.joinable()) reader_.join();
  if (::testing::Test::HasFailure()) dumpOutput();
}

void ChatProcess::readerLoop(int stdout_fd, int stderr_fd) {
  std::array<pollfd, 2> fds{pollfd{stdout_fd, POLLIN, 0}, pollfd{stderr_fd, POLLIN, 0}};
  std::array<char, 8192> buffer;
  while (fds[0].fd >= 0 || fds[1].fd >= 0) {
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t got = ::read(fds[i].fd, buffer.data(), buffer.size());
      if (got < 0 && errno == EINTR) continue;
      std::lock_guard<std::mutex> lock(mu_);
      if (got <= 0) {
        closeFd(&fds[i].fd);  // poll() skips negative descriptors
        if (i == 0) {
          if (!partial_line_.empty()) acceptStdout("\n");
          stdout_closed_ = true;
        }
      } else if (i == 0) {
        acceptStdout(std::string_view(buffer.data(), static_cast<size_t>(got)));
      } else {
        stderr_text_.append(buffer.data(), static_cast<size_t>(got));
      }
      cv_.notify_all();
    }
  }
  for (pollfd& fd : fds)
    closeFd(&fd.fd);
  std::lock_guard<std::mutex> lock(mu_);
  stdout_closed_ = true;
  output_closed_ = true;
  cv_.notify_all();
}

void ChatProcess::acceptStdout(std::string_view chunk) {
  partial_line_.append(chunk);
  size_t start = 0;
  for (size_t newline; (newline = partial_line_.find('\n', start)) != std::string::npos;
       start = newline + 1) {
    lines_.push_back(partial_line_.substr(start, newline - start));
  }
  partial_line_.erase(0, start);
}

std::optional<size_t> ChatProcess::waitForLine(const std::function<bool(const std::string&)>& match,
                                               std::chrono::milliseconds timeout, size_t from) {
  const Clock::time_point deadline = Clock::now() + timeout;
  std::unique_lock<std::mutex> lock(mu_);
  size_t next = from;
  while (true) {
    for (; next < lines_.size(); ++next) {
      if (match(lines_[next])) return next;
    }
    if (stdout_closed_) return std::nullopt;
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout) {
      for (; next < lines_.size(); ++next) {
        if (match(lines_[next])) return next;
      }
      return std::nullopt;
    }
  }
}

std::optional<std::string> ChatProcess::waitForLineContaining(std::string_view text,
                                                              std::chrono::milliseconds timeout,
                                                              size_t from) {
  std::optional<size_t> index =
      waitForLine([text](const std::string& line) { return line.find(text) != std::string::npos; },
                  timeout, from);
  if (!index) return std::nullopt;
  std::lock_guard<std::mutex> lock(mu_);
  return lines_[*index];
}

std::vector<std::string> ChatProcess::lines() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lines_;
}

std::string ChatProcess::stderrText() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stderr_text_;
}

bool ChatProcess::writeLine(std::string_view line) {
  if (stdin_fd_ < 0) return false;
  std::string data(line);
  data += '\n';
  const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(kWriteTimeoutMs);
  size_t written = 0;
  while (written < data.size()) {
    const ssize_t n = ::write(stdin_fd_, data.data() + written, data.size() - written);
    if (n > 0) {
      written += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      pollfd fd{stdin_fd_, POLLOUT, 0};
      if (::poll(&fd, 1, remainingMs(deadline)) <= 0 || (fd.revents & (POLLERR | POLLHUP))) {
        return false;
      }
    } else {
      return false;  // EPIPE: the child has gone
    }
  }
  return true;
}

void ChatProcess::closeStdin() {
  closeFd(&stdin_fd_);
}

void ChatProcess::sendSignal(int signal_number) {
  if (pid_ > 0 && !exit_status_) ::kill(pid_, signal_number);
}

bool ChatProcess::reapWithin(std::chrono::milliseconds timeout) {
  if (exit_status_) return true;
  const Clock::time_point deadline = Clock::now() + timeout;
  while (true) {
    int wstatus = 0;
    const pid_t got = ::waitpid(pid_, &wstatus, WNOHANG);
    if (got == pid_) {
      exit_status_ = statusFromWait(wstatus);
      return true;
    }
    if (got < 0 && errno != EINTR) return false;
    if (Clock::now() >= deadline) return false;
    // Polling waitpid keeps this simple; 10 ms is far below any deadline used here.
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::optional<int> ChatProcess::waitForExit(std::chrono::milliseconds timeout) {
  if (!reapWithin(timeout)) return std::nullopt;
  // The pipes may still hold its last output: wait (bounded) until the reader drained both.
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, std::chrono::seconds(5), [this] { return output_closed_; });
  return exit_status_;
}

void ChatProcess::dumpOutput() const {
  std::ostringstream out;
  out << "---- " << name_ << " (pid " << pid_ << "): " << command_line_ << "\n";
  out << "---- exit status: "
      << (exit_status_ ? std::to_string(*exit_status_) : std::string("still running")) << "\n";
  std::lock_guard<std::mutex> lock(mu_);
  out << "---- stdout (" << lines_.size() << " lines):\n";
  for (const std::string& line : lines_)
    out << line << "\n";
  if (!partial_line_.empty()) out << partial_line_ << "\n";
  out << "---- stderr:\n" << stderr_text_;
  if (!stderr_text_.empty() && stderr_text_.back() != '\n') out << "\n";
  out << "---- end of " << name_ << "\n";
  std::cout << out.str() << std::flush;
}

}  // namespace opengns::testing
