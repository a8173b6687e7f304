#include "transport/poller.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "loopback_util.h"
#include "transport/udp_packet_writer.h"

namespace opengns::transport {
namespace {

using std::chrono::milliseconds;
using testing::openOrDie;
using testing::patternPayload;

// Generous bound for "should happen now" waits: a broken poller fails the test instead
// of hanging it. Nothing asserts how fast anything is.
constexpr milliseconds kLongWait{10000};

Poller createOrDie() {
  absl::StatusOr<Poller> poller = Poller::create();
  EXPECT_TRUE(poller.ok()) << poller.status();
  return std::move(*poller);
}

TEST(PollerTest, WakesWhenASocketBecomesReadable) {
  Poller poller = createOrDie();
  UdpSocket receiver = openOrDie(SocketAddress::ipv4Loopback(0));
  UdpSocket sender = openOrDie(SocketAddress::ipv4Loopback(0));
  ASSERT_TRUE(poller.add(receiver.fd(), 42).ok());

  absl::StatusOr<PollResult> result = poller.wait(std::chrono::nanoseconds(0));
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->events.empty()) << "nothing sent yet";

  std::thread sending([&] {
    std::this_thread::sleep_for(milliseconds(50));
    DatagramBatch batch = DatagramBatch::forSending(1);
    ASSERT_TRUE(batch.append(receiver.localAddress(), patternPayload(0, 10)));
    UdpPacketWriter writer(sender);
    ASSERT_TRUE(writer.sendBatch(batch).ok());
  });
  result = poller.wait(kLongWait);
  sending.join();
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->events.size(), 1u);
  EXPECT_EQ(result->events[0].token, 42u);
  EXPECT_TRUE(result->events[0].readable);
  EXPECT_FALSE(result->events[0].writable);
  EXPECT_FALSE(result->woken);

  // Level-triggered: still readable until read.
  result = poller.wait(std::chrono::nanoseconds(0));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->events.size(), 1u);

  // After remove() the socket no longer wakes the poller.
  ASSERT_TRUE(poller.remove(receiver.fd()).ok());
  result = poller.wait(std::chrono::nanoseconds(0));
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->events.empty());
  EXPECT_FALSE(poller.remove(receiver.fd()).ok());
}

TEST(PollerTest, WakeFromAnotherThreadInterruptsAWait) {
  Poller poller = createOrDie();
  std::thread waker([&] {
    std::this_thread::sleep_for(milliseconds(50));
    poller.wake();
  });
  absl::StatusOr<PollResult> result = poller.wait(kLongWait);
  waker.join();
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->woken);
  EXPECT_TRUE(result->events.empty());
}

TEST(PollerTest, WakeInterruptsAnEndlessWait) {
  Poller poller = createOrDie();
  // Safety net so a broken wake() fails the test instead of hanging it: a datagram to a
  // watched socket ends the wait after kLongWait anyway.
  UdpSocket watched = openOrDie(SocketAddress::ipv4Loopback(0));
  UdpSocket sender = openOrDie(SocketAddress::ipv4Loopback(0));
  ASSERT_TRUE(poller.add(watched.fd(), 5).ok());
  std::atomic<bool> done{false};
  std::thread waker([&] {
    std::this_thread::sleep_for(milliseconds(50));
    poller.wake();
    const auto give_up = std::chrono::steady_clock::now() + kLongWait;
    while (!done.load() && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(milliseconds(10));
    }
    if (!done.load()) {
      DatagramBatch batch = DatagramBatch::forSending(1);
      batch.append(watched.localAddress(), patternPayload(0, 1));
      UdpPacketWriter writer(sender);
      (void)writer.sendBatch(batch);
    }
  });
  absl::StatusOr<PollResult> result = poller.wait(Poller::kForever);
  done.store(true);
  waker.join();
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->woken);
  EXPECT_TRUE(result->events.empty());
}

TEST(PollerTest, WakesBeforeWaitAreNotLostAndCollapse) {
  Poller poller = createOrDie();
  poller.wake();
  poller.wake();
  poller.wake();
  absl::StatusOr<PollResult> result = poller.wait(kLongWait);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->woken);
  result = poller.wait(std::chrono::nanoseconds(0));
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(result->woken) << "three wakes, one wake-up";
}

TEST(PollerTest, TimesOutWithoutReturningEarly) {
  Poller poller = createOrDie();
  UdpSocket idle = openOrDie(SocketAddress::ipv4Loopback(0));
  ASSERT_TRUE(poller.add(idle.fd(), 1).ok());
  for (auto timeout : {std::chrono::nanoseconds(milliseconds(30)),
                       std::chrono::nanoseconds(1'500'000) /* not whole ms */}) {
    const auto start = std::chrono::steady_clock::now();
    absl::StatusOr<PollResult> result = poller.wait(timeout);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    ASSERT_TRUE(result.ok());
    if (!result->events.empty() || result->woken) continue;  // nothing should, but no flake
    EXPECT_GE(elapsed, timeout);
  }
  const auto deadline = std::chrono::steady_clock::now() + milliseconds(20);
  absl::StatusOr<PollResult> result = poller.waitUntil(deadline);
  ASSERT_TRUE(result.ok());
  EXPECT_GE(std::chrono::steady_clock::now(), deadline);
  // A deadline in the past just polls.
  result = poller.waitUntil(std::chrono::steady_clock::now() - milliseconds(5));
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->events.empty());
}

TEST(PollerTest, ReportsWritabilityOnlyWhenAsked) {
  Poller poller = createOrDie();
  UdpSocket socket = openOrDie(SocketAddress::ipv4Loopback(0));
  ASSERT_TRUE(poller.add(socket.fd(), 7, /*want_writable=*/true).ok());
  absl::StatusOr<PollResult> result = poller.wait(kLongWait);
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->events.size(), 1u);
  EXPECT_EQ(result->events[0].token, 7u);
  EXPECT_TRUE(result->events[0].writable);
  EXPECT_FALSE(result->events[0].readable);

  ASSERT_TRUE(poller.modify(socket.fd(), 7, /*want_writable=*/false).ok());
  result = poller.wait(std::chrono::nanoseconds(0));
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->events.empty());
}

TEST(PollerTest, RejectsTheReservedTokenAndBadDescriptors) {
  Poller poller = createOrDie();
  UdpSocket socket = openOrDie(SocketAddress::ipv4Loopback(0));
  EXPECT_FALSE(poller.add(socket.fd(), ~uint64_t{0}).ok());
  EXPECT_FALSE(poller.add(-1, 1).ok());
  EXPECT_FALSE(poller.modify(socket.fd(), 1, false).ok()) << "not added yet";
  ASSERT_TRUE(poller.add(socket.fd(), 1).ok());
  EXPECT_FALSE(poller.add(socket.fd(), 1).ok()) << "added twice";
  EXPECT_FALSE(Poller::create(0).ok());
}

TEST(PollerTest, ReportsSeveralSocketsByToken) {
  Poller poller = createOrDie();
  UdpSocket sender = openOrDie(SocketAddress::ipv4Loopback(0));
  UdpSocket a = openOrDie(SocketAddress::ipv4Loopback(0));
  UdpSocket b = openOrDie(SocketAddress::ipv6Loopback(0));
  ASSERT_TRUE(poller.add(a.fd(), 1).ok());
  ASSERT_TRUE(poller.add(b.fd(), 2).ok());
  // b is IPv6-only; the sender is IPv4, so send to b from a v6 socket instead.
  UdpSocket v6_sender = openOrDie(SocketAddress::ipv6Loopback(0));
  DatagramBatch to_a = DatagramBatch::forSending(1);
  ASSERT_TRUE(to_a.append(a.localAddress(), patternPayload(0, 5)));
  DatagramBatch to_b = DatagramBatch::forSending(1);
  ASSERT_TRUE(to_b.append(b.localAddress(), patternPayload(1, 5)));
  UdpPacketWriter writer_a(sender);
  UdpPacketWriter writer_b(v6_sender);
  ASSERT_TRUE(writer_a.sendBatch(to_a).ok());
  ASSERT_TRUE(writer_b.sendBatch(to_b).ok());
  std::vector<uint64_t> tokens;
  for (int attempt = 0; attempt < 10 && tokens.size() < 2; ++attempt) {
    tokens.clear();
    absl::StatusOr<PollResult> result = poller.wait(kLongWait);
    ASSERT_TRUE(result.ok());
    for (const PollEvent& event : result->events)
      tokens.push_back(event.token);
  }
  std::sort(tokens.begin(), tokens.end());
  EXPECT_EQ(tokens, (std::vector<uint64_t>{1, 2}));
}

}  // namespace
}  // namespace opengns::transport
