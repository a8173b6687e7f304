// Poller: the service thread's single blocking point (epoll + eventfd).
//
// Why it exists: the service thread sleeps until a socket is readable (or writable, after a
// send stopped on a full socket), until the protocol core's next wake time, or until an API
// thread has queued work for it. wait() covers all three; wake() is the API threads' doorbell.
// Guarantees: wake() is thread-safe, never blocks and is never lost (a wake() before wait()
// makes the next wait() return at once; several wakes before one wait() collapse into one).
// Timeouts have nanosecond resolution where the kernel has epoll_pwait2 (Linux 5.11+),
// otherwise they are rounded up to whole milliseconds, so wait() never returns early.
// Threading: wake() from any thread; everything else from the owning (service) thread.
#pragma once

#include <sys/epoll.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "absl/status/statusor.h"

namespace opengns::transport {

struct PollEvent {
  uint64_t token = 0;  // what the caller gave to add()
  bool readable = false;
  bool writable = false;
  bool error = false;  // EPOLLERR/EPOLLHUP: read the socket to find out why
};

struct PollResult {
  std::span<const PollEvent> events;  // ready descriptors; valid until the next wait()
  bool woken = false;                 // wake() was called since the previous wait()
};

class Poller {
 public:
  static constexpr std::chrono::nanoseconds kForever = std::chrono::nanoseconds::max();

  // `max_events` bounds the events reported by one wait(); more stay pending for the next.
  static absl::StatusOr<Poller> create(size_t max_events = 64);

  Poller(Poller&& other) noexcept;
  Poller& operator=(Poller&& other) noexcept;
  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;
  ~Poller();

  // Watches `fd` (level-triggered) for readability, and for writability if asked. `token`
  // comes back in PollEvent. The fd must be removed (or closed) before it is reused.
  absl::Status add(int fd, uint64_t token, bool want_writable = false);
  // Changes what `fd` is watched for (typically writability on after a send would block,
  // off again once it went through).
  absl::Status modify(int fd, uint64_t token, bool want_writable);
  absl::Status remove(int fd);

  // Blocks until a watched fd is ready, wake() is called, or `timeout` passes (kForever: no
  // limit; zero: just poll). An interrupted wait (EINTR) returns an empty result.
  absl::StatusOr<PollResult> wait(std::chrono::nanoseconds timeout);
  absl::StatusOr<PollResult> waitUntil(std::chrono::steady_clock::time_point deadline);

  // Makes the current or next wait() return with woken = true. Any thread.
  void wake();

 private:
  Poller(int epoll_fd, int event_fd, size_t max_events);
  void closeAll();

  int epoll_fd_ = -1;
  int event_fd_ = -1;
  // Set by the first wake() after a wait() drained the eventfd, so a flood of wakes from a
  // sending thread costs one eventfd write, not one syscall each. Heap-held: Poller moves.
  std::unique_ptr<std::atomic<bool>> wake_pending_ = std::make_unique<std::atomic<bool>>(false);
  std::vector<epoll_event> raw_events_;
  std::vector<PollEvent> events_;
};

}  // namespace opengns::transport
