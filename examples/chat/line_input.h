// Lines typed on stdin, read without ever blocking the chat loop for long.
//
// Why: the program has one thread. It must keep running the library's callbacks and
// receiving messages while the user is not typing, so it can only wait for stdin a few
// milliseconds at a time. poll() on the descriptor tells when a read() will not block;
// read() then takes whatever is there, and this class cuts it into lines.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace opengns::chat {

class LineInput {
 public:
  // Reads from `fd` (stdin by default); the descriptor stays open and is not owned.
  explicit LineInput(int fd = 0) : fd_(fd) {}

  // Waits at most `timeout` for input and returns the complete lines read, without their
  // "\n" (nor a "\r" before it). A last line without a newline is returned when the
  // input ends. Returns early, with no lines, when a signal interrupts the wait. Once the
  // input has ended it only waits `timeout`, so callers keep their pace.
  std::vector<std::string> readLines(std::chrono::milliseconds timeout);

  // True once the input has ended (end of file, or a read error).
  bool ended() const { return ended_; }

 private:
  void takeLines(std::vector<std::string>* lines);

  int fd_;
  bool ended_ = false;
  std::string partial_;  // bytes after the last newline seen
};

}  // namespace opengns::chat
