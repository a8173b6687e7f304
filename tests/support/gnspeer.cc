// Child-process plumbing for the conformance peer: spawn with pipes in its own process
// group, a reader thread that parses stdout into events, and waits with deadlines. See
// gnspeer.h for the guarantees.
#include "support/gnspeer.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>

#include "support/vectors.h"

extern char** environ;

namespace opengns::testing {
namespace {

using Clock = std::chrono::steady_clock;

// Grace period between SIGTERM and SIGKILL when a test ends with the child still running.
constexpr std::chrono::milliseconds kTerminateGrace{3000};
// Bound for the one-off `import cryptography` probe.
constexpr std::chrono::milliseconds kProbeTimeout{20000};

// Sets PR_SET_PDEATHSIG = SIGKILL (prctl option 1) so the child dies with the test
// process even if that one crashes, checks the parent did not die before that, then
// becomes gnspeer. argv: [-c, parent pid, script, args...].
constexpr const char* kDeathSignalPrologue =
    "import ctypes,os,signal,sys\n"
    "ctypes.CDLL(None,use_errno=True).prctl(1,signal.SIGKILL)\n"
    "if os.getppid()!=int(sys.argv[1]): os._exit(111)\n"
    "os.execv(sys.executable,[sys.executable]+sys.argv[2:])\n";

void ignoreSigpipeOnce() {
  static std::once_flag once;
  std::call_once(once, [] { ::signal(SIGPIPE, SIG_IGN); });
}

int statusFromWait(int wstatus) {
  if (WIFEXITED(wstatus)) return WEXITSTATUS(wstatus);
  if (WIFSIGNALED(wstatus)) return 128 + WTERMSIG(wstatus);
  return -1;
}

int remainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

void closeFd(int* fd) {
  if (*fd >= 0) ::close(*fd);
  *fd = -1;
}

// A child started with posix_spawn in its own process group, fds 0-2 bound to pipes.
struct Spawned {
  pid_t pid = -1;
  int stdin_fd = -1;   // our write end (-1 when stdin is /dev/null)
  int stdout_fd = -1;  // our read end
  int stderr_fd = -1;  // our read end (-1 when merged into stdout)
};

// Spawns argv (argv[0] looked up on PATH when it has no '/'). With merge_stderr the child's
// stderr goes to the stdout pipe; without want_stdin its stdin is /dev/null.
std::optional<Spawned> spawnChild(const std::vector<std::string>& argv, bool want_stdin,
                                  bool merge_stderr, std::string* error) {
  ignoreSigpipeOnce();
  std::array<int, 2> in{-1, -1}, out{-1, -1}, err{-1, -1};
  auto close_all = [&] {
    for (int* fd : {&in[0], &in[1], &out[0], &out[1], &err[0], &err[1]})
      closeFd(fd);
  };
  if ((want_stdin && ::pipe2(in.data(), O_CLOEXEC) != 0) || ::pipe2(out.data(), O_CLOEXEC) != 0 ||
      (!merge_stderr && ::pipe2(err.data(), O_CLOEXEC) != 0)) {
    *error = std::string("pipe2: ") + std::strerror(errno);
    close_all();
    return std::nullopt;
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (want_stdin) {
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  } else {
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  }
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, merge_stderr ? out[1] : err[1], 2);

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Own process group (so the whole child can be signalled), default signal dispositions
  // (we ignore SIGPIPE; the child must not inherit that) and an empty signal mask.
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

  std::vector<char*> cargv;
  for (const std::string& arg : argv)
    cargv.push_back(const_cast<char*>(arg.c_str()));
  cargv.push_back(nullptr);

  pid_t pid = -1;
  bool use_path = argv[0].find('/') == std::string::npos;
  int rc = use_path ? posix_spawnp(&pid, cargv[0], &actions, &attr, cargv.data(), environ)
                    : posix_spawn(&pid, cargv[0], &actions, &attr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    *error = "cannot start '" + argv[0] + "': " + std::strerror(rc);
    close_all();
    return std::nullopt;
  }
  Spawned child;
  child.pid = pid;
  child.stdin_fd = in[1];
  child.stdout_fd = out[0];
  child.stderr_fd = err[0];
  in[1] = out[0] = err[0] = -1;
  close_all();  // the child's ends
  if (child.stdin_fd >= 0) {
    ::fcntl(child.stdin_fd, F_SETFL, ::fcntl(child.stdin_fd, F_GETFL) | O_NONBLOCK);
  }
  return child;
}

// Runs argv to completion (bounded by `timeout`), returning its exit status and merged
// output; nullopt + *error when it cannot start or does not finish in time.
std::optional<int> runToCompletion(const std::vector<std::string>& argv,
                                   std::chrono::milliseconds timeout, std::string* output,
                                   std::string* error) {
  std::optional<Spawned> child =
      spawnChild(argv, /*want_stdin=*/false, /*merge_stderr=*/true, error);
  if (!child) return std::nullopt;
  Clock::time_point deadline = Clock::now() + timeout;
  bool finished = false;
  while (true) {
    pollfd pfd{child->stdout_fd, POLLIN, 0};
    int ready = ::poll(&pfd, 1, remainingMs(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break;  // timeout
    std::array<char, 4096> buf;
    ssize_t n = ::read(child->stdout_fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      finished = true;
      break;
    }
    output->append(buf.data(), static_cast<size_t>(n));
  }
  closeFd(&child->stdout_fd);
  if (!finished) {
    ::kill(-child->pid, SIGKILL);
    ::waitpid(child->pid, nullptr, 0);
    *error = "'" + argv[0] + "' did not finish within " + std::to_string(timeout.count()) + " ms";
    return std::nullopt;
  }
  int wstatus = 0;
  while (::waitpid(child->pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  return statusFromWait(wstatus);
}

std::string shellQuote(const std::string& arg) {
  bool plain = !arg.empty() && std::all_of(arg.begin(), arg.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("-_./:=[],@+", c);
  });
  if (plain) return arg;
  std::string quoted = "'";
  for (char c : arg)
    quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

bool isFreeTextKey(std::string_view key) {
  return key == "text" || key == "hex" || key == "debug";
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Events

std::string GnspeerEvent::get(const std::string& key) const {
  if (!text_key.empty() && key == text_key) return text;
  auto it = fields.find(key);
  return it == fields.end() ? std::string() : it->second;
}

std::optional<int64_t> GnspeerEvent::getInt(const std::string& key) const {
  std::string value = get(key);
  int64_t number = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (value.empty() || ec != std::errc() || end != value.data() + value.size()) {
    return std::nullopt;
  }
  return number;
}

std::optional<GnspeerEvent> parseGnspeerLine(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  size_t kind_end = line.find(' ');
  std::string_view kind = line.substr(0, kind_end);
  if (kind.empty() || !std::all_of(kind.begin(), kind.end(),
                                   [](char c) { return (c >= 'A' && c <= 'Z') || c == '_'; })) {
    return std::nullopt;
  }
  GnspeerEvent event;
  event.kind = std::string(kind);
  event.line = std::string(line);
  size_t pos = kind_end == std::string_view::npos ? line.size() : kind_end + 1;
  while (pos < line.size()) {
    size_t space = line.find(' ', pos);
    std::string_view token =
        line.substr(pos, space == std::string_view::npos ? line.npos : space - pos);
    size_t eq = token.find('=');
    std::string_view key = token.substr(0, eq);
    if (eq != std::string_view::npos && isFreeTextKey(key)) {
      // The free-text field runs to the end of the line, spaces included.
      event.text_key = std::string(key);
      event.text = std::string(line.substr(pos + eq + 1));
      break;
    }
    if (eq == std::string_view::npos) {
      event.fields[std::string(token)] = "";
    } else {
      event.fields[std::string(key)] = std::string(token.substr(eq + 1));
    }
    if (space == std::string_view::npos) break;
    pos = space + 1;
  }
  return event;
}

// ---------------------------------------------------------------------------------------
// Locating gnspeer and Python

std::optional<std::filesystem::path> gnspeerScript() {
  std::optional<std::filesystem::path> shared = sharedDir();
  if (!shared) return std::nullopt;
  std::filesystem::path script = *shared / "conformance" / "gnspeer.py";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(script, ec)) return std::nullopt;
  return script;
}

std::string pythonInterpreter() {
  if (const char* env = std::getenv("OPENGNS_PYTHON3"); env && *env) return env;
#ifdef OPENGNS_PYTHON3_EXECUTABLE
  if (std::string_view(OPENGNS_PYTHON3_EXECUTABLE).size() > 0) return OPENGNS_PYTHON3_EXECUTABLE;
#endif
  return "python3";
}

std::optional<std::string> gnspeerUnavailableReason() {
  static const std::optional<std::string> reason = []() -> std::optional<std::string> {
    if (!gnspeerScript()) {
      std::optional<std::filesystem::path> shared = sharedDir();
      return shared ? "no conformance/gnspeer.py in " + shared->string()
                    : std::string("../shared not found (set OPENGNS_SHARED_DIR)");
    }
    std::string python = pythonInterpreter();
    std::string output, error;
    std::optional<int> status =
        runToCompletion({python, "-c", "import cryptography"}, kProbeTimeout, &output, &error);
    if (!status) return "Python interpreter unusable: " + error;
    if (*status != 0) {
      while (!output.empty() && output.back() == '\n')
        output.pop_back();
      size_t last_line = output.rfind('\n');
      return "'" + python + " -c \"import cryptography\"' failed with status " +
             std::to_string(*status) + " (install python3-cryptography): " +
             (last_line == std::string::npos ? output : output.substr(last_line + 1));
    }
    return std::nullopt;
  }();
  return reason;
}

// ---------------------------------------------------------------------------------------
// The process

std::unique_ptr<GnspeerProcess> GnspeerProcess::start(const std::vector<std::string>& args,
                                                      std::string name, std::string* error) {
  std::optional<std::filesystem::path> script = gnspeerScript();
  if (!script) {
    *error = "gnspeer.py not found";
    return nullptr;
  }
  std::string python = pythonInterpreter();
  std::vector<std::string> argv = {python, "-c", kDeathSignalPrologue, std::to_string(::getpid()),
                                   script->string()};
  argv.insert(argv.end(), args.begin(), args.end());
  std::optional<Spawned> child =
      spawnChild(argv, /*want_stdin=*/true, /*merge_stderr=*/false, error);
  if (!child) return nullptr;

  std::unique_ptr<GnspeerProcess> process(new GnspeerProcess());
  process->name_ = std::move(name);
  process->command_line_ = shellQuote(python) + " " + shellQuote(script->string());
  for (const std::string& arg : args)
    process->command_line_ += " " + shellQuote(arg);
  process->pid_ = child->pid;
  process->stdin_fd_ = child->stdin_fd;
  process->reader_ =
      std::thread(&GnspeerProcess::readerLoop, process.get(), child->stdout_fd, child->stderr_fd);
  return process;
}

GnspeerProcess::~GnspeerProcess() {
  shutdown();
  if (::testing::Test::HasFailure()) dumpOutput();
}

void GnspeerProcess::readerLoop(int stdout_fd, int stderr_fd) {
  std::array<pollfd, 2> pfds{pollfd{stdout_fd, POLLIN, 0}, pollfd{stderr_fd, POLLIN, 0}};
  std::vector<char> buf(1 << 16);
  while (pfds[0].fd >= 0 || pfds[1].fd >= 0) {
    // A negative fd is ignored by poll().
    int ready = ::poll(pfds.data(), pfds.size(), -1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (size_t i = 0; i < pfds.size(); ++i) {
      if (pfds[i].fd < 0 || pfds[i].revents == 0) continue;
      ssize_t n = ::read(pfds[i].fd, buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      std::lock_guard<std::mutex> lock(mu_);
      if (n <= 0) {
        ::close(pfds[i].fd);
        pfds[i].fd = -1;
        if (i == 0) {
          // A last line without its newline still counts.
          if (!stdout_partial_line_.empty()) acceptStdout("\n");
          stdout_closed_ = true;
        }
      } else if (i == 0) {
        acceptStdout(std::string_view(buf.data(), static_cast<size_t>(n)));
      } else {
        stderr_text_.append(buf.data(), static_cast<size_t>(n));
      }
      cv_.notify_all();
    }
  }
  for (pollfd& pfd : pfds)
    closeFd(&pfd.fd);
  std::lock_guard<std::mutex> lock(mu_);
  stdout_closed_ = true;
  output_closed_ = true;
  cv_.notify_all();
}

void GnspeerProcess::acceptStdout(std::string_view chunk) {
  stdout_text_.append(chunk);
  stdout_partial_line_.append(chunk);
  size_t start = 0;
  size_t newline;
  while ((newline = stdout_partial_line_.find('\n', start)) != std::string::npos) {
    std::string_view line(stdout_partial_line_.data() + start, newline - start);
    if (std::optional<GnspeerEvent> event = parseGnspeerLine(line)) {
      events_.push_back(std::move(*event));
    }
    start = newline + 1;
  }
  stdout_partial_line_.erase(0, start);
}

std::optional<GnspeerEvent> GnspeerProcess::waitFor(const GnspeerPredicate& predicate,
                                                    std::chrono::milliseconds timeout,
                                                    size_t from) {
  Clock::time_point deadline = Clock::now() + timeout;
  std::unique_lock<std::mutex> lock(mu_);
  size_t next = from;
  while (true) {
    for (; next < events_.size(); ++next) {
      if (predicate(events_[next])) return events_[next];
    }
    if (stdout_closed_) return std::nullopt;
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout) {
      for (; next < events_.size(); ++next) {
        if (predicate(events_[next])) return events_[next];
      }
      return std::nullopt;
    }
  }
}

std::optional<GnspeerEvent> GnspeerProcess::waitForKind(std::string_view kind,
                                                        std::chrono::milliseconds timeout) {
  return waitFor([kind](const GnspeerEvent& e) { return e.is(kind); }, timeout);
}

std::vector<GnspeerEvent> GnspeerProcess::waitForCount(const GnspeerPredicate& predicate,
                                                       size_t count,
                                                       std::chrono::milliseconds timeout) {
  Clock::time_point deadline = Clock::now() + timeout;
  std::unique_lock<std::mutex> lock(mu_);
  std::vector<GnspeerEvent> matched;
  size_t next = 0;
  while (true) {
    for (; next < events_.size() && matched.size() < count; ++next) {
      if (predicate(events_[next])) matched.push_back(events_[next]);
    }
    if (matched.size() >= count || stdout_closed_) return matched;
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout) {
      for (; next < events_.size() && matched.size() < count; ++next) {
        if (predicate(events_[next])) matched.push_back(events_[next]);
      }
      return matched;
    }
  }
}

std::vector<GnspeerEvent> GnspeerProcess::events() const {
  std::lock_guard<std::mutex> lock(mu_);
  return events_;
}

std::vector<GnspeerEvent> GnspeerProcess::eventsMatching(const GnspeerPredicate& predicate) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<GnspeerEvent> matched;
  for (const GnspeerEvent& event : events_) {
    if (predicate(event)) matched.push_back(event);
  }
  return matched;
}

bool GnspeerProcess::writeLine(std::string_view line, std::chrono::milliseconds timeout) {
  if (stdin_fd_ < 0) return false;
  std::string data(line);
  data += '\n';
  Clock::time_point deadline = Clock::now() + timeout;
  size_t written = 0;
  while (written < data.size()) {
    ssize_t n = ::write(stdin_fd_, data.data() + written, data.size() - written);
    if (n > 0) {
      written += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd pfd{stdin_fd_, POLLOUT, 0};
      int ready = ::poll(&pfd, 1, remainingMs(deadline));
      if (ready < 0 && errno == EINTR) continue;
      if (ready <= 0) return false;  // the child is not reading within the timeout
      if (pfd.revents & (POLLERR | POLLHUP)) return false;
      continue;
    }
    return false;  // EPIPE: the child has gone
  }
  return true;
}

void GnspeerProcess::closeStdin() {
  closeFd(&stdin_fd_);
}

void GnspeerProcess::terminate() {
  if (pid_ > 0 && !exit_status_) ::kill(-pid_, SIGTERM);
}

bool GnspeerProcess::reapWithin(std::chrono::milliseconds timeout) {
  if (exit_status_) return true;
  Clock::time_point deadline = Clock::now() + timeout;
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
  const bool have_pidfd = pidfd >= 0;
  if (have_pidfd) {
    // The pidfd becomes readable when the child exits: no polling loop needed.
    pollfd pfd{pidfd, POLLIN, 0};
    int ready;
    do {
      ready = ::poll(&pfd, 1, remainingMs(deadline));
    } while (ready < 0 && errno == EINTR);
    ::close(pidfd);
    if (ready <= 0) return false;
  } else {
    // Old kernel: the child's pipes close when it exits; wait for that.
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_until(lock, deadline, [this] { return output_closed_; })) return false;
  }
  while (Clock::now() <= deadline + std::chrono::seconds(1)) {
    int wstatus = 0;
    pid_t got = ::waitpid(pid_, &wstatus, have_pidfd ? 0 : WNOHANG);
    if (got == pid_) {
      exit_status_ = statusFromWait(wstatus);
      return true;
    }
    if (got < 0 && errno != EINTR) return false;
    if (got == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));  // fallback only
  }
  return false;
}

std::optional<int> GnspeerProcess::waitForExit(std::chrono::milliseconds timeout) {
  if (!reapWithin(timeout)) return std::nullopt;
  // The output may still be draining: wait (bounded) for EOF so that every line printed
  // before the exit is visible to the caller.
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, std::chrono::seconds(5), [this] { return output_closed_; });
  return exit_status_;
}

void GnspeerProcess::shutdown() {
  closeStdin();
  if (pid_ > 0 && !exit_status_) {
    ::kill(-pid_, SIGTERM);
    if (!reapWithin(kTerminateGrace)) {
      ::kill(-pid_, SIGKILL);
      if (!reapWithin(std::chrono::seconds(10))) {
        int wstatus = 0;
        if (::waitpid(pid_, &wstatus, 0) == pid_) exit_status_ = statusFromWait(wstatus);
      }
    }
  }
  if (reader_.joinable()) reader_.join();
}

std::string GnspeerProcess::stdoutText() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stdout_text_;
}

std::string GnspeerProcess::stderrText() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stderr_text_;
}

void GnspeerProcess::dumpOutput() const {
  std::ostringstream out;
  out << "---- gnspeer " << name_ << " (pid " << pid_ << "): " << command_line_ << "\n";
  out << "---- exit status: "
      << (exit_status_ ? std::to_string(*exit_status_) : std::string("still running")) << "\n";
  std::lock_guard<std::mutex> lock(mu_);
  out << "---- stdout (" << stdout_text_.size() << " bytes):\n" << stdout_text_;
  if (!stdout_text_.empty() && stdout_text_.back() != '\n') out << "\n";
  out << "---- stderr (" << stderr_text_.size() << " bytes):\n" << stderr_text_;
  if (!stderr_text_.empty() && stderr_text_.back() != '\n') out << "\n";
  out << "---- end of gnspeer " << name_ << "\n";
  std::cout << out.str() << std::flush;
}

}  // namespace opengns::testing
