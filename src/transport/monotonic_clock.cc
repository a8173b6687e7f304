#include "transport/monotonic_clock.h"

#include <time.h>

namespace opengns::transport {
namespace {

class SystemMonotonicClock final : public MonotonicClock {
 public:
  MonotonicUsec nowUsec() const override { return transport::nowUsec(); }
};

}  // namespace

MonotonicUsec nowUsec() {
  timespec now{};
  // CLOCK_MONOTONIC cannot fail with a valid pointer; vDSO makes this a few nanoseconds.
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<MonotonicUsec>(now.tv_sec) * 1'000'000 + now.tv_nsec / 1'000;
}

const MonotonicClock& systemMonotonicClock() {
  static const SystemMonotonicClock clock;
  return clock;
}

void ManualClock::set(MonotonicUsec now_usec) {
  MonotonicUsec current = now_usec_.load(std::memory_order_relaxed);
  while (now_usec > current &&
         !now_usec_.compare_exchange_weak(current, now_usec, std::memory_order_acq_rel)) {
  }
}

void ManualClock::advance(MonotonicUsec delta_usec) {
  if (delta_usec > 0) now_usec_.fetch_add(delta_usec, std::memory_order_acq_rel);
}

}  // namespace opengns::transport
