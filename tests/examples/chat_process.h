// A program under test (opengns-chat) as a child process: its stdin is ours to write, its
// stdout is collected line by line, and a test waits for the lines it expects.
//
// Why a separate helper from support/gnspeer.h: that one runs gnspeer.py and parses its
// event lines; the chat prints free text for people, so here a line is just a string.
//
// Guarantees:
//   - Waits never block without a deadline, and end early when the child's stdout closes.
//   - stdout and stderr are drained by a reader thread, so a chatty child never stalls.
//   - The child runs in its own process group. The destructor (which also runs when an
//     ASSERT_* returns early) closes its stdin, gives it a moment to leave on its own,
//     then ends the group with SIGTERM / SIGKILL and reaps it. Should the test process
//     crash instead, the child's stdin reaches end of file, which ends opengns-chat.
//   - When the test has failed, the destructor prints everything the child wrote.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace opengns::testing {

class ChatProcess {
 public:
  // Starts `program args...`; `name` labels its output in failure dumps. nullptr and
  // *error when it cannot be started.
  static std::unique_ptr<ChatProcess> start(const std::string& program,
                                            const std::vector<std::string>& args, std::string name,
                                            std::string* error);
  ~ChatProcess();
  ChatProcess(const ChatProcess&) = delete;
  ChatProcess& operator=(const ChatProcess&) = delete;

  // Index of the first stdout line, from index `from` on, that satisfies `match`, waiting
  // up to `timeout`. nullopt on timeout or when stdout closed without one.
  std::optional<size_t> waitForLine(const std::function<bool(const std::string&)>& match,
                                    std::chrono::milliseconds timeout, size_t from = 0);
  // The same for a line containing `text`; returns the line itself.
  std::optional<std::string> waitForLineContaining(std::string_view text,
                                                   std::chrono::milliseconds timeout,
                                                   size_t from = 0);
  // The stdout lines so far, and everything written to stderr so far.
  std::vector<std::string> lines() const;
  std::string stderrText() const;

  // Writes `line` + '\n' to the child's stdin; false when that fails (the child is gone).
  bool writeLine(std::string_view line);
  void closeStdin();
  void sendSignal(int signal_number);

  // The exit status once the child exits within `timeout` (128 + N for signal N). On
  // return, everything it printed on stdout and stderr is in lines() / stderrText().
  std::optional<int> waitForExit(std::chrono::milliseconds timeout);

  // Everything the child wrote, with its command line, to the test log.
  void dumpOutput() const;

 private:
  ChatProcess() = default;
  void readerLoop(int stdout_fd, int stderr_fd);
  void acceptStdout(std::string_view chunk);  // mu_ held
  bool reapWithin(std::chrono::milliseconds timeout);

  std::string name_;
  std::string command_line_;
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  std::optional<int> exit_status_;
  std::thread reader_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;  // guarded by mu_
  std::string partial_line_;        // guarded by mu_
  std::string stderr_text_;         // guarded by mu_
  bool stdout_closed_ = false;      // guarded by mu_
  bool output_closed_ = false;      // stdout and stderr both at end; guarded by mu_
};

}  // namespace opengns::testing
