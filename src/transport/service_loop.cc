#include "transport/service_loop.h"

#include <pthread.h>
#include <sys/prctl.h>

#include <algorithm>
#include <chrono>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace opengns::transport {
namespace {

constexpr MonotonicUsec kMinMaxSleepUsec = 1'000;
constexpr MonotonicUsec kMaxMaxSleepUsec = 3'600'000'000;
constexpr int kMaxImmediateRunsLimit = 1000;
// After a failed epoll wait (which should not happen), pause this long so a broken poller
// cannot turn the loop into a spin.
constexpr auto kPollErrorBackoff = std::chrono::milliseconds(10);

}  // namespace

absl::StatusOr<std::unique_ptr<ServiceLoop>> ServiceLoop::create(
    ServiceHandler* handler, const ServiceLoopOptions& options) {
  if (handler == nullptr) return absl::InvalidArgumentError("service loop: handler is null");
  absl::StatusOr<Poller> poller = Poller::create(std::max<size_t>(options.max_events, 1));
  if (!poller.ok()) return poller.status();
  return std::unique_ptr<ServiceLoop>(new ServiceLoop(handler, options, std::move(*poller)));
}

ServiceLoop::ServiceLoop(ServiceHandler* handler, const ServiceLoopOptions& options, Poller poller)
    : handler_(handler),
      clock_(clockOrSystem(options.clock)),
      max_sleep_usec_(std::clamp(options.max_sleep_usec, kMinMaxSleepUsec, kMaxMaxSleepUsec)),
      max_immediate_runs_(std::clamp(options.max_immediate_runs, 1, kMaxImmediateRunsLimit)),
      timer_slack_nsec_(std::max<int64_t>(options.timer_slack_nsec, 0)),
      poller_(std::move(poller)) {
  latency_ring_.reserve(kLatencySamples);
}

ServiceLoop::~ServiceLoop() {
  if (onLoopThread()) {
    // Joining ourselves is impossible; the caller broke the contract (service_loop.h).
    OPENGNS_BUG("service loop destroyed from its own thread");
    stop_requested_.store(true, std::memory_order_release);
    if (thread_.joinable()) thread_.detach();
  } else {
    stop();
  }
  std::lock_guard<std::mutex> lock(registry_mutex_);
  for (Registration& registration : registrations_) {
    registration.endpoint->setSendBlockedNotifier(nullptr);  // it pointed at wake()
  }
}

absl::Status ServiceLoop::start() {
  if (onLoopThread()) return absl::FailedPreconditionError("service loop: start() from itself");
  std::lock_guard<std::mutex> lock(lifecycle_mutex_);
  if (thread_.joinable()) {
    if (running()) return absl::FailedPreconditionError("service loop: already running");
    thread_.join();  // ended after a stop() from its own thread
  }
  stop_requested_.store(false, std::memory_order_release);
  running_.store(true, std::memory_order_release);
  try {
    thread_ = std::thread([this] { run(); });
  } catch (const std::system_error& error) {
    running_.store(false, std::memory_order_release);
    return absl::ResourceExhaustedError(
        absl::StrCat("service loop: cannot start thread: ", error.what()));
  }
  return absl::OkStatus();
}

void ServiceLoop::stop() {
  stop_requested_.store(true, std::memory_order_release);
  if (onLoopThread()) return;  // the loop ends after this iteration; a later stop() joins
  std::lock_guard<std::mutex> lock(lifecycle_mutex_);
  if (!thread_.joinable()) return;
  poller_.wake();
  thread_.join();
}

bool ServiceLoop::onLoopThread() const {
  return loop_thread_id_.load(std::memory_order_acquire) == std::this_thread::get_id();
}

void ServiceLoop::wake() {
  poller_.wake();
}

// ---------------------------------------------------------------------------------------
// Registration

absl::Status ServiceLoop::registerEndpoint(SocketEndpoint* endpoint, uint64_t token) {
  if (endpoint == nullptr) return absl::InvalidArgumentError("service loop: endpoint is null");
  std::lock_guard<std::mutex> lock(registry_mutex_);
  for (const Registration& registration : registrations_) {
    if (registration.token == token) {
      return absl::AlreadyExistsError(absl::StrCat("service loop: token ", token, " is taken"));
    }
    if (registration.endpoint == endpoint) {
      return absl::AlreadyExistsError(absl::StrCat("service loop: endpoint ",
                                                   endpoint->localAddress().toString(),
                                                   " is registered as token ", registration.token));
    }
  }
  const bool want_writable = endpoint->sendBlocked();
  // epoll_ctl is safe while the loop thread waits on the same epoll instance; the new
  // socket is watched by that wait already.
  absl::Status added = poller_.add(endpoint->fd(), token, want_writable);
  if (!added.ok()) return added;
  registrations_.push_back(Registration{token, endpoint, want_writable});
  endpoint->setSendBlockedNotifier([this] { wake(); });
  return absl::OkStatus();
}

absl::Status ServiceLoop::unregisterEndpoint(uint64_t token) {
  std::lock_guard<std::mutex> lock(registry_mutex_);
  auto it = std::find_if(registrations_.begin(), registrations_.end(),
                         [&](const Registration& r) { return r.token == token; });
  if (it == registrations_.end()) {
    return absl::NotFoundError(absl::StrCat("service loop: no endpoint with token ", token));
  }
  absl::Status removed = poller_.remove(it->endpoint->fd());
  it->endpoint->setSendBlockedNotifier(nullptr);
  registrations_.erase(it);
  return removed;
}

bool ServiceLoop::isRegistered(uint64_t token) {
  std::lock_guard<std::mutex> lock(registry_mutex_);
  return std::any_of(registrations_.begin(), registrations_.end(),
                     [&](const Registration& r) { return r.token == token; });
}

void ServiceLoop::updateWritableInterest() {
  std::lock_guard<std::mutex> lock(registry_mutex_);
  for (Registration& registration : registrations_) {
    const bool want = registration.endpoint->sendBlocked();
    if (want == registration.watching_writable) continue;
    absl::Status changed = poller_.modify(registration.endpoint->fd(), registration.token, want);
    if (changed.ok()) {
      registration.watching_writable = want;
    } else {
      OPENGNS_LOG(LogLevel::kWarning, "service loop: ", changed.ToString());
    }
  }
}

// ---------------------------------------------------------------------------------------
// The loop

void ServiceLoop::run() {
  loop_thread_id_.store(std::this_thread::get_id(), std::memory_order_release);
  pthread_setname_np(pthread_self(), "opengns-service");  // 15 characters, the limit
  // The kernel may fire a sleeping thread's timer up to its "slack" late (50 us by default)
  // to batch wakeups. The protocol's timers (pacing, acks) want the time they asked for.
  if (timer_slack_nsec_ > 0)
    prctl(PR_SET_TIMERSLACK, static_cast<unsigned long>(timer_slack_nsec_));

  MonotonicUsec next_wake_usec = clock_.nowUsec();  // first iteration at once
  int immediate_runs = 0;
  while (!stop_requested_.load(std::memory_order_acquire)) {
    bool timer_fired = false;
    bool run_service = true;
    if (next_wake_usec <= clock_.nowUsec() && immediate_runs < max_immediate_runs_) {
      ++immediate_runs;
      std::lock_guard<std::mutex> lock(stats_mutex_);
      ++stats_.immediate_runs;
    } else {
      const bool zero_timeout = next_wake_usec <= clock_.nowUsec();
      immediate_runs = 0;
      run_service = waitAndDispatch(next_wake_usec, zero_timeout, &timer_fired);
    }
    if (!run_service) continue;  // interrupted wait: sleep again, never call early
    if (stop_requested_.load(std::memory_order_acquire)) break;

    const MonotonicUsec service_now_usec = clock_.nowUsec();
    if (timer_fired) recordLatency(service_now_usec - next_wake_usec);
    next_wake_usec = handler_->onService(service_now_usec);
    {
      std::lock_guard<std::mutex> lock(stats_mutex_);
      ++stats_.iterations;
    }
    updateWritableInterest();
  }
  loop_thread_id_.store(std::thread::id(), std::memory_order_release);
  running_.store(false, std::memory_order_release);
}

bool ServiceLoop::waitAndDispatch(MonotonicUsec next_wake_usec, bool zero_timeout,
                                  bool* timer_fired) {
  const MonotonicUsec now_usec = clock_.nowUsec();
  MonotonicUsec deadline_usec = now_usec;
  bool capped = false;
  if (!zero_timeout) {
    if (next_wake_usec == kNeverUsec || next_wake_usec - now_usec > max_sleep_usec_) {
      deadline_usec = now_usec + max_sleep_usec_;
      capped = true;
    } else {
      deadline_usec = next_wake_usec;
    }
  }
  const std::chrono::nanoseconds timeout =
      std::chrono::microseconds(std::max<MonotonicUsec>(0, deadline_usec - now_usec));

  absl::StatusOr<PollResult> result = poller_.wait(timeout);
  Stats counted;
  counted.polls = 1;
  counted.forced_polls = zero_timeout ? 1 : 0;
  bool any_event = false;
  if (!result.ok()) {
    OPENGNS_LOG(LogLevel::kError, "service loop: ", result.status().ToString());
    counted.poll_errors = 1;
    std::this_thread::sleep_for(kPollErrorBackoff);
    any_event = true;  // let onService() run: it must not starve because of us
  } else {
    if (result->woken) {
      counted.woken = 1;
      any_event = true;
    }
    for (const PollEvent& event : result->events) {
      if (event.readable || event.error) {
        any_event = true;
        if (isRegistered(event.token)) {
          ++counted.readable_events;
          handler_->onReadable(event.token, clock_.nowUsec());
        }
      }
      if (event.writable) {
        any_event = true;
        ++counted.writable_events;
      }
    }
  }

  bool run_service = any_event || zero_timeout;
  if (!zero_timeout && clock_.nowUsec() >= deadline_usec) {
    run_service = true;
    if (capped) {
      counted.cap_wakeups = 1;
    } else {
      counted.timer_wakeups = 1;
      *timer_fired = !any_event;  // a pure timer wakeup: its lateness is meaningful
    }
  }
  if (!run_service) counted.early_returns = 1;

  std::lock_guard<std::mutex> lock(stats_mutex_);
  stats_.polls += counted.polls;
  stats_.forced_polls += counted.forced_polls;
  stats_.poll_errors += counted.poll_errors;
  stats_.woken += counted.woken;
  stats_.readable_events += counted.readable_events;
  stats_.writable_events += counted.writable_events;
  stats_.cap_wakeups += counted.cap_wakeups;
  stats_.timer_wakeups += counted.timer_wakeups;
  stats_.early_returns += counted.early_returns;
  return run_service;
}

// ---------------------------------------------------------------------------------------
// Measurements

void ServiceLoop::recordLatency(MonotonicUsec late_usec) {
  std::lock_guard<std::mutex> lock(stats_mutex_);
  if (latency_ring_.size() < kLatencySamples) {
    latency_ring_.push_back(late_usec);
  } else {
    latency_ring_[latency_next_] = late_usec;
  }
  latency_next_ = (latency_next_ + 1) % kLatencySamples;
}

ServiceLoop::Stats ServiceLoop::stats() const {
  std::lock_guard<std::mutex> lock(stats_mutex_);
  return stats_;
}

ServiceLoop::WakeLatency ServiceLoop::wakeLatency() const {
  std::vector<MonotonicUsec> samples;
  {
    std::lock_guard<std::mutex> lock(stats_mutex_);
    samples = latency_ring_;
  }
  WakeLatency latency;
  latency.samples = samples.size();
  if (samples.empty()) return latency;
  std::sort(samples.begin(), samples.end());
  latency.median_usec = samples[samples.size() / 2];
  latency.p90_usec = samples[samples.size() * 9 / 10];
  latency.max_usec = samples.back();
  return latency;
}

}  // namespace opengns::transport
