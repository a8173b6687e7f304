// The conformance peer (../shared/conformance/gnspeer.py) as a child process of a test.
//
// Why: the interop suite (tests/interop) runs opengns against an independent implementation
// of the wire protocol. GnspeerProcess starts `python3 gnspeer.py ARGS...`, turns every line
// it prints into a GnspeerEvent, and lets a test wait for events, drive the client over
// stdin and check the exit status.
//
// Guarantees:
//   - The child runs in its own process group; the destructor (which also runs when an
//     ASSERT_* returns early) ends the whole group (SIGTERM, then SIGKILL after a grace
//     period) and reaps it. As a backstop for a test process that crashes, the child has
//     PR_SET_PDEATHSIG = SIGKILL (a small Python prologue sets it, then execs gnspeer).
//     Callers should still pass gnspeer's own --timeout.
//   - stdout and stderr are drained by a background thread while the child runs (a full
//     pipe would stall gnspeer, see its README); nothing it prints is lost.
//   - No call blocks without a deadline: waits use condition variables with timeouts, stdin
//     writes use poll() with a timeout, and a dead child ends every wait at once.
//   - When the test has failed (or dumpOutput() is called), the destructor writes
//     everything the child printed, stdout and stderr, to the test log.
//
// Threading: one test thread uses the object; the reader thread only appends events.
// SIGPIPE is ignored process-wide once a child is started, so writing to a child that has
// exited returns an error instead of killing the test.
//
// Skipping: call OPENGNS_REQUIRE_GNSPEER() first; it skips the test with a clear message when
// ../shared/conformance/gnspeer.py is absent or the interpreter cannot `import cryptography`.
// The interpreter is the CMake-found Python3 (OPENGNS_PYTHON3_EXECUTABLE), else `python3`
// on PATH; the environment variable OPENGNS_PYTHON3 overrides both.
//
// Run the interop suite alone: `ctest --preset release -L interop` (or the test binary
// build/<preset>/tests/interop/opengns_interop_tests).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace opengns::testing {

// One stdout line of gnspeer: `KIND key=value ... [text=|hex=|debug=FREE TEXT]`.
struct GnspeerEvent {
  std::string kind;  // LISTENING, CONNECTED, SENT, RECV, CLOSED, ERROR, ...
  std::map<std::string, std::string> fields;  // key=value pairs before the free-text field
  std::string text_key;                       // "text", "hex", "debug", or "" when absent
  std::string text;                           // the free-text field (may contain spaces)
  std::string line;                           // the raw line

  bool is(std::string_view k) const { return kind == k; }
  // The value of `key` ("" when absent); the free-text field is found under its own key.
  std::string get(const std::string& key) const;
  // The value of `key` as an integer; nullopt when absent or not a number.
  std::optional<int64_t> getInt(const std::string& key) const;
};

// Parses one line; nullopt for an empty line or one whose first word is not an upper-case
// kind (anything else gnspeer might print).
std::optional<GnspeerEvent> parseGnspeerLine(std::string_view line);

// Where gnspeer.py is (sharedDir()/conformance/gnspeer.py); nullopt when absent.
std::optional<std::filesystem::path> gnspeerScript();
// The Python interpreter the harness runs (see the header comment for the order).
std::string pythonInterpreter();
// Why gnspeer cannot run here (no script, no interpreter, no `cryptography`), or nullopt
// when it can. Checked once per process (it starts the interpreter once).
std::optional<std::string> gnspeerUnavailableReason();

using GnspeerPredicate = std::function<bool(const GnspeerEvent&)>;

class GnspeerProcess {
 public:
  // Starts `python gnspeer.py args...`. `name` labels the dumped output ("server",
  // "client"). Returns nullptr and sets *error when the process cannot be started.
  static std::unique_ptr<GnspeerProcess> start(const std::vector<std::string>& args,
                                               std::string name, std::string* error);
  ~GnspeerProcess();
  GnspeerProcess(const GnspeerProcess&) = delete;
  GnspeerProcess& operator=(const GnspeerProcess&) = delete;

  // The first event (in print order, from index `from` on) that matches, waiting up to
  // `timeout` for it. nullopt on timeout or when the child's stdout closed without one.
  std::optional<GnspeerEvent> waitFor(const GnspeerPredicate& predicate,
                                      std::chrono::milliseconds timeout, size_t from = 0);
  std::optional<GnspeerEvent> waitForKind(std::string_view kind, std::chrono::milliseconds timeout);
  // Waits until `count` events match; returns them all (fewer on timeout / exit).
  std::vector<GnspeerEvent> waitForCount(const GnspeerPredicate& predicate, size_t count,
                                         std::chrono::milliseconds timeout);
  // A snapshot of every event so far, and of those matching a predicate.
  std::vector<GnspeerEvent> events() const;
  std::vector<GnspeerEvent> eventsMatching(const GnspeerPredicate& predicate) const;

  // Writes `line` + '\n' to the child's stdin; false when stdin is closed, the child has
  // gone, or it did not take the bytes within `timeout`.
  bool writeLine(std::string_view line,
                 std::chrono::milliseconds timeout = std::chrono::seconds(20));
  void closeStdin();
  // SIGTERM to the child's process group (gnspeer's server then closes its connections
  // with reason 1000 and exits 0).
  void terminate();

  // The exit status once the child has exited within `timeout`: the exit code, or
  // 128 + signal number when a signal ended it. nullopt on timeout.
  std::optional<int> waitForExit(std::chrono::milliseconds timeout);
  std::optional<int> exitStatus() const { return exit_status_; }
  pid_t pid() const { return pid_; }

  // Everything printed so far, for messages.
  std::string stdoutText() const;
  std::string stderrText() const;
  // Writes the command line, stdout and stderr to the test log.
  void dumpOutput() const;

 private:
  GnspeerProcess() = default;
  void readerLoop(int stdout_fd, int stderr_fd);
  void acceptStdout(std::string_view chunk);  // mu_ held
  // Ends the child if still running and reaps it; joins the reader.
  void shutdown();
  bool reapWithin(std::chrono::milliseconds timeout);

  std::string name_;
  std::string command_line_;
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  std::optional<int> exit_status_;
  std::thread reader_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<GnspeerEvent> events_;  // guarded by mu_
  std::string stdout_text_;           // guarded by mu_
  std::string stdout_partial_line_;   // guarded by mu_
  std::string stderr_text_;           // guarded by mu_
  bool stdout_closed_ = false;        // guarded by mu_
  bool output_closed_ = false;        // both pipes at EOF; guarded by mu_
};

}  // namespace opengns::testing

// Skips the current test when gnspeer cannot run on this machine.
#define OPENGNS_REQUIRE_GNSPEER()                                                              \
  do {                                                                                         \
    if (std::optional<std::string> reason_ = ::opengns::testing::gnspeerUnavailableReason()) { \
      GTEST_SKIP() << "conformance peer unavailable, interop test skipped: " << *reason_;      \
    }                                                                                          \
  } while (0)
