#include "transport/poller.h"

#include <errno.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace opengns::transport {
namespace {

// The eventfd's epoll token. Callers' tokens share data.u64, so add() refuses this value.
constexpr uint64_t kWakeToken = ~uint64_t{0};

absl::Status errnoStatus(int error, std::string_view what) {
  return absl::Status(absl::ErrnoToStatusCode(error),
                      absl::StrCat("poller: ", absl::string_view(what.data(), what.size()), ": ",
                                   std::strerror(error)));
}

// epoll_pwait2 is tried once; a kernel without it (ENOSYS) makes every later wait use
// epoll_wait with the timeout rounded up to milliseconds.
std::atomic<bool> g_have_pwait2{true};

}  // namespace

absl::StatusOr<Poller> Poller::create(size_t max_events) {
  if (max_events == 0) return absl::InvalidArgumentError("poller: max_events is 0");
  const int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd < 0) return errnoStatus(errno, "epoll_create1");
  const int event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (event_fd < 0) {
    const int error = errno;
    ::close(epoll_fd);
    return errnoStatus(error, "eventfd");
  }
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = kWakeToken;
  if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, event_fd, &event) != 0) {
    const int error = errno;
    ::close(event_fd);
    ::close(epoll_fd);
    return errnoStatus(error, "epoll_ctl add eventfd");
  }
  return Poller(epoll_fd, event_fd, max_events);
}

Poller::Poller(int epoll_fd, int event_fd, size_t max_events)
    : epoll_fd_(epoll_fd),
      event_fd_(event_fd),
      raw_events_(max_events + 1),  // +1: the eventfd never crowds out a socket
      events_(max_events + 1) {}

Poller::Poller(Poller&& other) noexcept
    : epoll_fd_(std::exchange(other.epoll_fd_, -1)),
      event_fd_(std::exchange(other.event_fd_, -1)),
      wake_pending_(std::exchange(other.wake_pending_, std::make_unique<std::atomic<bool>>(false))),
      raw_events_(std::move(other.raw_events_)),
      events_(std::move(other.events_)) {}

Poller& Poller::operator=(Poller&& other) noexcept {
  if (this != &other) {
    closeAll();
    epoll_fd_ = std::exchange(other.epoll_fd_, -1);
    event_fd_ = std::exchange(other.event_fd_, -1);
    std::swap(wake_pending_, other.wake_pending_);
    raw_events_ = std::move(other.raw_events_);
    events_ = std::move(other.events_);
  }
  return *this;
}

Poller::~Poller() {
  closeAll();
}

void Poller::closeAll() {
  if (event_fd_ >= 0) ::close(std::exchange(event_fd_, -1));
  if (epoll_fd_ >= 0) ::close(std::exchange(epoll_fd_, -1));
}

absl::Status Poller::add(int fd, uint64_t token, bool want_writable) {
  if (token == kWakeToken) {
    return absl::InvalidArgumentError("poller: token 0xffffffffffffffff is reserved");
  }
  epoll_event event{};
  event.events = EPOLLIN | (want_writable ? EPOLLOUT : 0u);
  event.data.u64 = token;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) {
    return errnoStatus(errno, absl::StrCat("epoll_ctl add fd ", fd));
  }
  return absl::OkStatus();
}

absl::Status Poller::modify(int fd, uint64_t token, bool want_writable) {
  if (token == kWakeToken) {
    return absl::InvalidArgumentError("poller: token 0xffffffffffffffff is reserved");
  }
  epoll_event event{};
  event.events = EPOLLIN | (want_writable ? EPOLLOUT : 0u);
  event.data.u64 = token;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &event) != 0) {
    return errnoStatus(errno, absl::StrCat("epoll_ctl mod fd ", fd));
  }
  return absl::OkStatus();
}

absl::Status Poller::remove(int fd) {
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr) != 0) {
    return errnoStatus(errno, absl::StrCat("epoll_ctl del fd ", fd));
  }
  return absl::OkStatus();
}

absl::StatusOr<PollResult> Poller::waitUntil(std::chrono::steady_clock::time_point deadline) {
  const auto now = std::chrono::steady_clock::now();
  if (deadline <= now) return wait(std::chrono::nanoseconds(0));
  return wait(std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - now));
}

absl::StatusOr<PollResult> Poller::wait(std::chrono::nanoseconds timeout) {
  if (epoll_fd_ < 0) return absl::FailedPreconditionError("poller: moved-from");
  if (timeout < std::chrono::nanoseconds(0)) timeout = std::chrono::nanoseconds(0);
  const int capacity = static_cast<int>(raw_events_.size());
  int ready = -1;
  bool done = false;
  if (g_have_pwait2.load(std::memory_order_relaxed)) {
    timespec limit{};
    timespec* limit_pointer = nullptr;
    if (timeout != kForever) {
      limit.tv_sec = static_cast<time_t>(timeout.count() / 1'000'000'000);
      limit.tv_nsec = static_cast<long>(timeout.count() % 1'000'000'000);
      limit_pointer = &limit;
    }
    ready = epoll_pwait2(epoll_fd_, raw_events_.data(), capacity, limit_pointer, nullptr);
    if (ready < 0 && errno == ENOSYS) {
      g_have_pwait2.store(false, std::memory_order_relaxed);
    } else {
      done = true;
    }
  }
  if (!done) {
    int timeout_ms = -1;
    if (timeout != kForever) {
      // Round up: waking early would make the caller spin until the deadline.
      const auto ms = (timeout.count() + 999'999) / 1'000'000;
      timeout_ms = ms > INT32_MAX ? INT32_MAX : static_cast<int>(ms);
    }
    ready = epoll_wait(epoll_fd_, raw_events_.data(), capacity, timeout_ms);
  }
  PollResult result;
  if (ready < 0) {
    if (errno == EINTR) return result;
    return errnoStatus(errno, "epoll_wait");
  }
  size_t count = 0;
  for (int i = 0; i < ready; ++i) {
    const epoll_event& raw = raw_events_[i];
    if (raw.data.u64 == kWakeToken) {
      // Cleared before draining: a wake() that slips in between writes again (next wait
      // returns at once) or is drained here (its work is handled after this wait returns).
      wake_pending_->store(false, std::memory_order_release);
      uint64_t value = 0;
      // Draining resets the counter; EAGAIN just means another wait already drained it.
      if (::read(event_fd_, &value, sizeof(value)) < 0 && errno != EAGAIN) {
        OPENGNS_LOG(LogLevel::kWarning, "poller: eventfd read: ", std::strerror(errno));
      }
      result.woken = true;
      continue;
    }
    PollEvent& event = events_[count++];
    event.token = raw.data.u64;
    event.readable = (raw.events & EPOLLIN) != 0;
    event.writable = (raw.events & EPOLLOUT) != 0;
    event.error = (raw.events & (EPOLLERR | EPOLLHUP)) != 0;
  }
  result.events = std::span<const PollEvent>(events_.data(), count);
  return result;
}

void Poller::wake() {
  // A wake is already on its way (or in the eventfd): the waiter will see it.
  if (wake_pending_->exchange(true, std::memory_order_acq_rel)) return;
  const uint64_t one = 1;
  // Only fails with EAGAIN when the counter is near 2^64, i.e. a wake is already pending.
  if (::write(event_fd_, &one, sizeof(one)) < 0 && errno != EAGAIN) {
    OPENGNS_LOG(LogLevel::kWarning, "poller: eventfd write: ", std::strerror(errno));
  }
}

}  // namespace opengns::transport
