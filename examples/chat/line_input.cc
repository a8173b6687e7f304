#include "line_input.h"

#include <poll.h>
#include <unistd.h>

#include <array>
#include <cerrno>

namespace opengns::chat {

std::vector<std::string> LineInput::readLines(std::chrono::milliseconds timeout) {
  std::vector<std::string> lines;
  const int timeout_ms = static_cast<int>(timeout.count());
  if (ended_) {
    // Nothing to watch: a closed descriptor would make poll() return at once forever.
    ::poll(nullptr, 0, timeout_ms);
    return lines;
  }
  pollfd watched{fd_, POLLIN, 0};
  const int ready = ::poll(&watched, 1, timeout_ms);
  if (ready <= 0) return lines;  // timeout, or a signal (the caller checks for it)

  // POLLHUP without POLLIN still means a read() returns at once (with 0 = end of file).
  std::array<char, 4096> buffer;
  const ssize_t got = ::read(fd_, buffer.data(), buffer.size());
  if (got < 0) {
    if (errno == EINTR || errno == EAGAIN) return lines;
    ended_ = true;
  } else if (got == 0) {
    ended_ = true;
  } else {
    partial_.append(buffer.data(), static_cast<size_t>(got));
  }
  takeLines(&lines);
  if (ended_ && !partial_.empty()) {
    partial_ += '\n';  // the input ended mid-line: that line still counts
    takeLines(&lines);
  }
  return lines;
}

void LineInput::takeLines(std::vector<std::string>* lines) {
  size_t start = 0;
  for (size_t newline; (newline = partial_.find('\n', start)) != std::string::npos;
       start = newline + 1) {
    std::string line = partial_.substr(start, newline - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();  // typed on Windows
    lines->push_back(std::move(line));
  }
  partial_.erase(0, start);
}

}  // namespace opengns::chat
