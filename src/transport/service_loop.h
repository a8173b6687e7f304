// ServiceLoop: the one service thread of an opengns instance.
//
// Why it exists: STYLE.md's sans-IO model needs a driver: something that sleeps until a
// socket is readable, an API thread asks for attention, or the protocol core's next wake
// time, and then calls the core with the current time. This class is that driver and
// nothing else: it knows sockets only as file descriptors with a token, and the protocol
// only through ServiceHandler, which the API layer implements.
// One iteration: wait until min(next wake, now + max_sleep_usec), a readable registered
// socket, or wake(); then call onReadable() for every readable socket, then onService()
// once, which returns the next wake time.
// Guarantees:
// - Never early: onService() is not called for a timer before the time it asked for (an
//   interrupted wait goes back to sleep). It is called early only because a socket became
//   ready, wake() was called, or max_sleep_usec passed.
// - No busy loop: a wake time already in the past runs onService() again at once, but at
//   most max_immediate_runs times in a row; then the loop polls the sockets (timeout 0) so
//   readable sockets and stop() are never starved.
// - Writability: while a registered endpoint's sendBlocked() is true the loop also watches
//   its socket for writability, and a writable socket counts as an event (onService()
//   follows, which flushes). A flush on an API thread that fills the socket wakes the loop
//   through the endpoint's notifier, so the loop starts watching.
// - wake() is never lost (Poller), from any thread. An API call that queued datagrams
//   without flushing them, or moved a timer earlier (including a fake-network send, which
//   creates a delivery time), must call wake() so onService() runs and re-computes.
// Threading: ServiceHandler calls come from the loop thread only, without any lock of the
// loop held; the handler takes its own lock inside them. registerEndpoint()/
// unregisterEndpoint() may be called from any thread, including inside handler calls, but
// must be serialized with every other use of that endpoint (the API layer's lock). stop()
// and the destructor join the thread: never call them while holding the lock the handler
// takes (the loop may be waiting for it), nor from inside a handler call (stop() there
// only asks the loop to end; the destructor there is a bug).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "transport/monotonic_clock.h"
#include "transport/poller.h"
#include "transport/socket_endpoint.h"

namespace opengns::transport {

// Implemented by the API layer. Both methods run on the loop thread.
class ServiceHandler {
 public:
  virtual ~ServiceHandler() = default;

  // The endpoint registered under `token` is readable or has an error pending: call its
  // receive(). May come for a token unregistered moments ago (the event was already
  // collected): ignore unknown tokens.
  virtual void onReadable(uint64_t token, MonotonicUsec now_usec) = 0;

  // Called once per iteration after the readable sockets: run due timers, build packets,
  // flush the endpoints. Returns the absolute time to be called again (kNeverUsec: only on
  // events; a past time: again at once). Fold every endpoint's nextWakeTime() in.
  virtual MonotonicUsec onService(MonotonicUsec now_usec) = 0;
};

struct ServiceLoopOptions {
  // Longest sleep even with nothing to do, usec: a safety net against lost timers.
  // 1 ms .. 1 h, default 1 s.
  MonotonicUsec max_sleep_usec = 1'000'000;
  // onService() calls in a row without polling when the wake time is already past.
  // 1..1000, default 8.
  int max_immediate_runs = 8;
  // The loop thread's timer slack (PR_SET_TIMERSLACK), nanoseconds: how late the kernel
  // may end a sleep to batch wakeups. 0 keeps the kernel default (50 us). Default 1 us.
  int64_t timer_slack_nsec = 1'000;
  // Ready sockets reported by one wait (more stay pending for the next). Default 64.
  size_t max_events = 64;
  // Where `now` comes from; null = the real monotonic clock. Sleeps are real time: a
  // virtual clock makes sense here only if it tracks real time. Must outlive the loop.
  const MonotonicClock* clock = nullptr;
};

class ServiceLoop {
 public:
  struct Stats {
    uint64_t iterations = 0;       // onService() calls
    uint64_t polls = 0;            // Poller::wait() calls
    uint64_t timer_wakeups = 0;    // waits that ended at the requested wake time
    uint64_t cap_wakeups = 0;      // waits that ended at max_sleep_usec
    uint64_t woken = 0;            // waits ended by wake()
    uint64_t readable_events = 0;  // onReadable() calls
    uint64_t writable_events = 0;  // writable sockets seen
    uint64_t immediate_runs = 0;   // onService() again without polling (past wake time)
    uint64_t forced_polls = 0;     // zero-timeout polls after max_immediate_runs
    uint64_t early_returns = 0;    // waits that returned with nothing to do (EINTR)
    uint64_t poll_errors = 0;
  };

  // How late onService() ran after the wake time it asked for, over the most recent
  // timer wakeups (up to kLatencySamples). Informative only.
  struct WakeLatency {
    size_t samples = 0;
    MonotonicUsec median_usec = 0;
    MonotonicUsec p90_usec = 0;
    MonotonicUsec max_usec = 0;
  };
  static constexpr size_t kLatencySamples = 1024;

  // `handler` must outlive the loop. The thread starts with start().
  static absl::StatusOr<std::unique_ptr<ServiceLoop>> create(
      ServiceHandler* handler, const ServiceLoopOptions& options = {});

  ServiceLoop(const ServiceLoop&) = delete;
  ServiceLoop& operator=(const ServiceLoop&) = delete;
  ~ServiceLoop();  // stop()

  // Starts the thread; its first iteration calls onService() at once. Error if running.
  absl::Status start();
  // Asks the thread to end and joins it. Safe from any thread but the loop thread, any
  // number of times; from the loop thread it only asks (the next stop() joins).
  void stop();
  bool running() const { return running_.load(std::memory_order_acquire); }
  // True on the loop thread.
  bool onLoopThread() const;

  // Makes the loop run an iteration (onService()) as soon as possible. Any thread.
  void wake();

  // Watches `endpoint`'s socket; readiness arrives as onReadable(token). The endpoint must
  // stay alive until unregisterEndpoint(token) has returned. Installs the endpoint's
  // send-blocked notifier. Error if the token is taken (or is ~0, reserved by Poller).
  absl::Status registerEndpoint(SocketEndpoint* endpoint, uint64_t token);
  // Stops watching; after it returns the loop no longer touches the endpoint (a readiness
  // event collected just before may still reach onReadable(token)). Error if unknown.
  absl::Status unregisterEndpoint(uint64_t token);

  Stats stats() const;
  WakeLatency wakeLatency() const;

 private:
  struct Registration {
    uint64_t token = 0;
    SocketEndpoint* endpoint = nullptr;
    bool watching_writable = false;
  };

  ServiceLoop(ServiceHandler* handler, const ServiceLoopOptions& options, Poller poller);

  void run();
  // One wait and the dispatch of what it returned; true if onService() should follow.
  bool waitAndDispatch(MonotonicUsec next_wake_usec, bool zero_timeout, bool* timer_fired);
  bool isRegistered(uint64_t token);
  // Turns writability watching on/off to match each endpoint's sendBlocked().
  void updateWritableInterest();
  void recordLatency(MonotonicUsec late_usec);

  ServiceHandler* const handler_;
  const MonotonicClock& clock_;
  const MonotonicUsec max_sleep_usec_;
  const int max_immediate_runs_;
  const int64_t timer_slack_nsec_;
  Poller poller_;

  std::mutex lifecycle_mutex_;  // start/stop
  std::thread thread_;
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> running_{false};
  std::atomic<std::thread::id> loop_thread_id_{};

  std::mutex registry_mutex_;
  std::vector<Registration> registrations_;

  mutable std::mutex stats_mutex_;
  Stats stats_;
  std::vector<MonotonicUsec> latency_ring_;
  size_t latency_next_ = 0;
};

}  // namespace opengns::transport
