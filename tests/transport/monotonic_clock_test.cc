#include "transport/monotonic_clock.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace opengns::transport {
namespace {

TEST(MonotonicClockTest, NeverGoesBackwardsAndAdvancesWithRealTime) {
  MonotonicUsec previous = nowUsec();
  for (int i = 0; i < 1000; ++i) {
    const MonotonicUsec now = nowUsec();
    EXPECT_GE(now, previous);
    previous = now;
  }
  const MonotonicUsec before = nowUsec();
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_GE(nowUsec() - before, 5'000) << "sleep_for never returns early";
}

TEST(MonotonicClockTest, IsTheSameClockAsSteadyClock) {
  // Same origin and unit: a steady_clock reading taken in between lies in between.
  const MonotonicUsec before = nowUsec();
  const auto steady = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count();
  const MonotonicUsec after = nowUsec();
  EXPECT_GE(steady, before);
  EXPECT_LE(steady, after);
}

TEST(MonotonicClockTest, SystemClockObjectReadsTheSameClock) {
  const MonotonicClock& clock = systemMonotonicClock();
  EXPECT_EQ(&clockOrSystem(nullptr), &clock);
  const MonotonicUsec before = nowUsec();
  const MonotonicUsec read = clock.nowUsec();
  EXPECT_GE(read, before);
  EXPECT_GE(nowUsec(), read);
}

TEST(MonotonicClockTest, ManualClockMovesOnlyForwardAndOnlyWhenTold) {
  ManualClock clock(500);
  EXPECT_EQ(&clockOrSystem(&clock), &clock);
  EXPECT_EQ(clock.nowUsec(), 500);
  clock.advance(250);
  EXPECT_EQ(clock.nowUsec(), 750);
  clock.set(700);  // backwards: ignored
  EXPECT_EQ(clock.nowUsec(), 750);
  clock.advance(-10);  // backwards: ignored
  EXPECT_EQ(clock.nowUsec(), 750);
  clock.set(2'000);
  EXPECT_EQ(clock.nowUsec(), 2'000);
}

}  // namespace
}  // namespace opengns::transport
