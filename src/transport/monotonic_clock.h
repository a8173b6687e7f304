// The transport's clock: the one place in opengns that reads the time.
//
// Why it exists: the protocol core is sans-IO and takes `now` as an argument (STYLE.md); the
// service thread and the socket endpoints are where `now` comes from. Keeping the read in
// one place makes the unit and origin uniform and lets tests swap in a virtual clock.
// Guarantees:
// - nowUsec() is CLOCK_MONOTONIC in whole microseconds: it never goes backwards and does
//   not jump with wall-clock changes. Its origin is unspecified (on Linux: boot, not
//   counting suspend), so only differences mean anything; it is the same clock as
//   std::chrono::steady_clock on Linux, so the two can be compared.
// - MonotonicClock is the injection point: objects that need the time take a
//   `const MonotonicClock*` (null = systemMonotonicClock()). ManualClock is a virtual clock
//   that only moves when told to.
// Threading: every function and both clocks may be used from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <limits>

namespace opengns::transport {

// A monotonic time in microseconds (same alias as network_simulator.h declares).
using MonotonicUsec = int64_t;

// "No deadline": a wake time that never comes.
inline constexpr MonotonicUsec kNeverUsec = std::numeric_limits<MonotonicUsec>::max();

// CLOCK_MONOTONIC in microseconds (see the file comment for the origin).
MonotonicUsec nowUsec();

class MonotonicClock {
 public:
  virtual ~MonotonicClock() = default;
  virtual MonotonicUsec nowUsec() const = 0;
};

// The real clock (transport::nowUsec()). A process-wide immutable object.
const MonotonicClock& systemMonotonicClock();

// `clock` if set, else the real clock: how options with a nullable clock resolve.
inline const MonotonicClock& clockOrSystem(const MonotonicClock* clock) {
  return clock != nullptr ? *clock : systemMonotonicClock();
}

// A virtual clock for tests and simulations: starts at `start_usec` and moves only through
// set()/advance(). Time never goes backwards: set() to an earlier value is ignored.
class ManualClock final : public MonotonicClock {
 public:
  explicit ManualClock(MonotonicUsec start_usec = 1'000'000) : now_usec_(start_usec) {}

  MonotonicUsec nowUsec() const override { return now_usec_.load(std::memory_order_acquire); }
  void set(MonotonicUsec now_usec);
  void advance(MonotonicUsec delta_usec);

 private:
  std::atomic<MonotonicUsec> now_usec_;
};

}  // namespace opengns::transport
