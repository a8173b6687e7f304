// ServiceLoop with real threads, sockets and the real clock. Nothing asserts how fast
// anything happens: waits for "should happen" are bounded by generous timeouts so a broken
// loop fails instead of hanging, and the timing checks are one-sided (never early, at least
// the configured lag). Wake-up latency is printed, not asserted.
#include "transport/service_loop.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "loopback_util.h"
#include "socket_endpoint_test_peer.h"
#include "transport/udp_packet_reader.h"

namespace opengns::transport {
namespace {

using std::chrono::milliseconds;
using testing::openOrDie;
using testing::patternPayload;

constexpr auto kPatience = std::chrono::seconds(20);

// Polls `condition` every millisecond until it holds or kPatience passed.
bool eventually(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + kPatience;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(1));
  }
  return true;
}

// The API layer's role in these tests: one lock, taken inside every handler call, that the
// test thread also takes whenever it touches an endpoint.
class TestHandler final : public ServiceHandler {
 public:
  std::function<void(uint64_t token, MonotonicUsec now_usec)> readable;
  std::function<MonotonicUsec(MonotonicUsec now_usec)> service;

  void onReadable(uint64_t token, MonotonicUsec now_usec) override {
    std::lock_guard<std::mutex> lock(mutex);
    if (readable) readable(token, now_usec);
  }
  MonotonicUsec onService(MonotonicUsec now_usec) override {
    std::lock_guard<std::mutex> lock(mutex);
    service_calls.fetch_add(1);
    return service ? service(now_usec) : kNeverUsec;
  }

  std::mutex mutex;
  std::atomic<uint64_t> service_calls{0};
};

std::unique_ptr<ServiceLoop> createLoop(TestHandler* handler, ServiceLoopOptions options = {}) {
  absl::StatusOr<std::unique_ptr<ServiceLoop>> loop = ServiceLoop::create(handler, options);
  EXPECT_TRUE(loop.ok()) << loop.status();
  return loop.ok() ? std::move(*loop) : nullptr;
}

std::unique_ptr<SocketEndpoint> openEndpoint() {
  SocketEndpointOptions options;
  options.socket.receive_buffer_bytes = 4 << 20;
  absl::StatusOr<std::unique_ptr<SocketEndpoint>> endpoint =
      SocketEndpoint::open(SocketAddress::ipv4Loopback(0), options);
  EXPECT_TRUE(endpoint.ok()) << endpoint.status();
  return endpoint.ok() ? std::move(*endpoint) : nullptr;
}

void printLatency(const char* what, const ServiceLoop& loop) {
  const ServiceLoop::WakeLatency latency = loop.wakeLatency();
  std::printf(
      "[ latency  ] %s: %zu timer wakeups, late by median %lld us, p90 %lld us, max %lld us\n",
      what, latency.samples, static_cast<long long>(latency.median_usec),
      static_cast<long long>(latency.p90_usec), static_cast<long long>(latency.max_usec));
}

TEST(ServiceLoopTest, TwoEndpointsPlayPingPong) {
  constexpr uint64_t kTokenA = 1;
  constexpr uint64_t kTokenB = 2;
  constexpr uint32_t kRounds = 1000;
  constexpr uint32_t kPongBit = 0x80000000u;
  auto size = [](uint32_t round) { return size_t{8} + (round * 37u) % 1200u; };

  TestHandler handler;
  auto a = openEndpoint();
  auto b = openEndpoint();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  uint32_t pings_seen = 0;  // by B
  uint32_t pongs_seen = 0;  // by A
  std::string first_error;
  auto fail = [&](std::string error) {
    if (first_error.empty()) first_error = std::move(error);
  };

  handler.readable = [&](uint64_t token, MonotonicUsec) {
    if (token == kTokenB) {
      absl::StatusOr<size_t> got =
          b->receive([&](MonotonicUsec, const SocketAddress& peer, ByteSpan payload) {
            if (peer != a->localAddress()) fail("ping from " + peer.toString());
            const Bytes expected = patternPayload(pings_seen, size(pings_seen));
            if (!std::equal(payload.begin(), payload.end(), expected.begin(), expected.end())) {
              fail("ping " + std::to_string(pings_seen) + " has wrong contents");
            }
            b->sendTo(peer, patternPayload(pings_seen | kPongBit, size(pings_seen)));
            ++pings_seen;
          });
      if (!got.ok()) fail(got.status().ToString());
    } else if (token == kTokenA) {
      absl::StatusOr<size_t> got =
          a->receive([&](MonotonicUsec, const SocketAddress& peer, ByteSpan payload) {
            if (peer != b->localAddress()) fail("pong from " + peer.toString());
            const Bytes expected = patternPayload(pongs_seen | kPongBit, size(pongs_seen));
            if (!std::equal(payload.begin(), payload.end(), expected.begin(), expected.end())) {
              fail("pong " + std::to_string(pongs_seen) + " has wrong contents");
            }
            ++pongs_seen;
            if (pongs_seen < kRounds) {
              a->sendTo(b->localAddress(), patternPayload(pongs_seen, size(pongs_seen)));
            }
          });
      if (!got.ok()) fail(got.status().ToString());
    } else {
      fail("unknown token " + std::to_string(token));
    }
  };
  handler.service = [&](MonotonicUsec) {
    if (!a->flush().ok() || !b->flush().ok()) fail("flush failed");
    return std::min(a->nextWakeTime(), b->nextWakeTime());
  };

  auto loop = createLoop(&handler);
  ASSERT_NE(loop, nullptr);
  ASSERT_TRUE(loop->registerEndpoint(a.get(), kTokenA).ok());
  ASSERT_TRUE(loop->registerEndpoint(b.get(), kTokenB).ok());
  ASSERT_TRUE(loop->start().ok());
  {
    std::lock_guard<std::mutex> lock(handler.mutex);
    a->sendTo(b->localAddress(), patternPayload(0, size(0)));
  }
  loop->wake();

  EXPECT_TRUE(eventually([&] {
    std::lock_guard<std::mutex> lock(handler.mutex);
    return pongs_seen == kRounds || !first_error.empty();
  }));
  loop->stop();
  EXPECT_EQ(first_error, "");
  EXPECT_EQ(pings_seen, kRounds);
  EXPECT_EQ(pongs_seen, kRounds);
  EXPECT_EQ(a->stats().handed_over, kRounds);
  EXPECT_EQ(b->stats().handed_over, kRounds);
  // Strictly alternating: every datagram needs its own readable event.
  EXPECT_GE(loop->stats().readable_events, 2u * kRounds);
  ASSERT_TRUE(loop->unregisterEndpoint(kTokenA).ok());
  ASSERT_TRUE(loop->unregisterEndpoint(kTokenB).ok());
}

TEST(ServiceLoopTest, WakeFromAnotherThreadRunsOnService) {
  TestHandler handler;
  MonotonicUsec last_call_usec = 0;
  handler.service = [&](MonotonicUsec now_usec) {
    last_call_usec = now_usec;
    return kNeverUsec;
  };
  ServiceLoopOptions options;
  options.max_sleep_usec = 3'600'000'000;  // so only wake() can end the sleep
  auto loop = createLoop(&handler, options);
  ASSERT_NE(loop, nullptr);
  ASSERT_TRUE(loop->start().ok());
  ASSERT_TRUE(eventually([&] { return handler.service_calls.load() == 1; }))
      << "the first iteration runs at once";
  std::this_thread::sleep_for(milliseconds(20));
  EXPECT_EQ(handler.service_calls.load(), 1u) << "asleep with nothing to do";

  std::vector<MonotonicUsec> latencies;
  for (uint64_t round = 2; round <= 100; ++round) {
    std::atomic<MonotonicUsec> woken_at{0};
    std::thread waker([&] {
      woken_at = nowUsec();
      loop->wake();
    });
    waker.join();
    ASSERT_TRUE(eventually([&] { return handler.service_calls.load() >= round; }))
        << "wake() " << round << " was lost";
    std::lock_guard<std::mutex> lock(handler.mutex);
    latencies.push_back(last_call_usec - woken_at.load());
  }
  std::sort(latencies.begin(), latencies.end());
  std::printf("[ latency  ] wake() to onService(): median %lld us, max %lld us\n",
              static_cast<long long>(latencies[latencies.size() / 2]),
              static_cast<long long>(latencies.back()));
  EXPECT_GE(loop->stats().woken, 1u);
  loop->stop();
}

TEST(ServiceLoopTest, TimersAreNeverEarly) {
  TestHandler handler;
  std::vector<std::pair<MonotonicUsec, MonotonicUsec>> calls;  // (asked for, called at)
  MonotonicUsec asked = 0;
  constexpr size_t kShortWaits = 300;
  handler.service = [&](MonotonicUsec now_usec) -> MonotonicUsec {
    const MonotonicUsec real_now = nowUsec();
    if (asked != 0) calls.emplace_back(asked, std::min(now_usec, real_now));
    if (calls.empty()) {
      asked = now_usec + 20'000;  // first: 20 ms
    } else if (calls.size() <= kShortWaits) {
      asked = now_usec + 1'000;  // then a few hundred 1 ms waits for the latency figure
    } else {
      asked = 0;
      return kNeverUsec;
    }
    return asked;
  };
  auto loop = createLoop(&handler);
  ASSERT_NE(loop, nullptr);
  ASSERT_TRUE(loop->start().ok());
  ASSERT_TRUE(eventually([&] {
    std::lock_guard<std::mutex> lock(handler.mutex);
    return calls.size() > kShortWaits;
  }));
  loop->stop();
  ASSERT_EQ(calls.size(), kShortWaits + 1);
  for (size_t i = 0; i < calls.size(); ++i) {
    EXPECT_GE(calls[i].second, calls[i].first) << "wait " << i << " ended early";
  }
  EXPECT_GE(loop->stats().timer_wakeups, kShortWaits + 1);
  printLatency("1 ms timers", *loop);
  EXPECT_GT(loop->wakeLatency().samples, 0u);
}

TEST(ServiceLoopTest, StopFromAnotherThreadWhileIdle) {
  TestHandler handler;
  auto loop = createLoop(&handler);
  ASSERT_NE(loop, nullptr);
  ASSERT_TRUE(loop->start().ok());
  ASSERT_TRUE(eventually([&] { return handler.service_calls.load() >= 1; }));
  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    loop->stop();
    stopped = true;
  });
  EXPECT_TRUE(eventually([&] { return stopped.load(); })) << "stop() hangs";
  stopper.join();
  EXPECT_FALSE(loop->running());
  loop->stop();  // again: harmless
}

TEST(ServiceLoopTest, StopFromAnotherThreadWhileBusy) {
  TestHandler handler;
  handler.service = [](MonotonicUsec now_usec) { return now_usec; };  // always overdue
  auto loop = createLoop(&handler);
  ASSERT_NE(loop, nullptr);
  ASSERT_TRUE(loop->start().ok());
  ASSERT_TRUE(eventually([&] { return handler.service_calls.load() >= 1000; }));
  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    loop->stop();
    stopped = true;
  });
  EXPECT_TRUE(eventually([&] { return stopped.load(); })) << "stop() hangs";
  stopper.join();
  const uint64_t calls = handler.service_calls.load();
  std::this_thread::sleep_for(milliseconds(10));
  EXPECT_EQ(handler.service_calls.load(), calls) << "no call after stop() returned";
  // Overdue wake times did not starve polling: every max_immediate_runs (8) runs, one poll.
  const ServiceLoop::Stats stats = loop->stats();
  EXPECT_GT(stats.forced_polls, 0u);
  EXPECT_LE(stats.immediate_runs, 8 * (stats.polls + 1));
}

TEST(ServiceLoopTest, StopFromInsideTheHandlerEndsTheLoopAndItCanRestart) {
  TestHandler handler;
  std::unique_ptr<ServiceLoop> loop;
  uint64_t calls = 0;
  handler.service = [&](MonotonicUsec now_usec) {
    if (++calls == 3) loop->stop();  // only asks, cannot join itself
    return now_usec;
  };
  loop = createLoop(&handler);
  ASSERT_NE(loop, nullptr);
  ASSERT_TRUE(loop->start().ok());
  ASSERT_TRUE(eventually([&] { return !loop->running(); }));
  EXPECT_EQ(handler.service_calls.load(), 3u);
  ASSERT_TRUE(loop->start().ok());
  ASSERT_TRUE(eventually([&] { return handler.service_calls.load() > 3; }));
  EXPECT_FALSE(loop->start().ok()) << "already running";
  loop->stop();
}

TEST(ServiceLoopTest, FakeLagDelaysDeliveryThroughTheLoop) {
  constexpr uint64_t kTokenA = 10;
  constexpr uint64_t kTokenB = 11;
  constexpr MonotonicUsec kSendLagUsec = 30'000;
  constexpr MonotonicUsec kReceiveLagUsec = 20'000;
  TestHandler handler;
  auto a = openEndpoint();
  auto b = openEndpoint();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  FakeNetworkOptions send;
  send.packet_lag_ms = 30;
  a->setFakeNetwork(send, FakeNetworkOptions{});
  FakeNetworkOptions receive;
  receive.packet_lag_ms = 20;
  b->setFakeNetwork(FakeNetworkOptions{}, receive);

  std::vector<MonotonicUsec> delays;
  std::vector<uint32_t> order;
  auto onDatagram = [&](MonotonicUsec now_usec, const SocketAddress&, ByteSpan payload) {
    MonotonicUsec sent_usec = 0;
    uint32_t index = 0;
    ASSERT_EQ(payload.size(), sizeof(sent_usec) + sizeof(index));
    std::memcpy(&sent_usec, payload.data(), sizeof(sent_usec));
    std::memcpy(&index, payload.data() + sizeof(sent_usec), sizeof(index));
    delays.push_back(now_usec - sent_usec);
    order.push_back(index);
  };
  handler.readable = [&](uint64_t token, MonotonicUsec) {
    if (token == kTokenB) {
      EXPECT_TRUE(b->receive(onDatagram).ok());
    }
  };
  handler.service = [&](MonotonicUsec) {
    EXPECT_TRUE(a->flush().ok());
    b->deliverDue(onDatagram);
    return std::min(a->nextWakeTime(), b->nextWakeTime());
  };
  auto loop = createLoop(&handler);
  ASSERT_NE(loop, nullptr);
  ASSERT_TRUE(loop->registerEndpoint(a.get(), kTokenA).ok());
  ASSERT_TRUE(loop->registerEndpoint(b.get(), kTokenB).ok());
  ASSERT_TRUE(loop->start().ok());

  constexpr uint32_t kCount = 20;
  for (uint32_t i = 0; i < kCount; ++i) {
    {
      std::lock_guard<std::mutex> lock(handler.mutex);
      uint8_t payload[sizeof(MonotonicUsec) + sizeof(uint32_t)];
      const MonotonicUsec sent_usec = nowUsec();
      std::memcpy(payload, &sent_usec, sizeof(sent_usec));
      std::memcpy(payload + sizeof(sent_usec), &i, sizeof(i));
      a->sendTo(b->localAddress(), ByteSpan(payload, sizeof(payload)));
    }
    loop->wake();  // the send changed the next wake time
    std::this_thread::sleep_for(milliseconds(2));
  }
  ASSERT_TRUE(eventually([&] {
    std::lock_guard<std::mutex> lock(handler.mutex);
    return delays.size() == kCount;
  }));
  loop->stop();
  for (uint32_t i = 0; i < kCount; ++i) {
    EXPECT_EQ(order[i], i) << "lag alone never reorders";
    EXPECT_GE(delays[i], kSendLagUsec + kReceiveLagUsec) << "datagram " << i;
  }
  std::sort(delays.begin(), delays.end());
  std::printf("[ latency  ] 50 ms fake lag: median delivery after %lld us\n",
              static_cast<long long>(delays[delays.size() / 2]));
}

TEST(ServiceLoopTest, BlockedEndpointIsWatchedForWritabilityUntilItDrains) {
  TestHandler handler;
  auto a = openEndpoint();
  ASSERT_NE(a, nullptr);
  UdpSocketOptions no_gro;
  no_gro.enable_gro = false;
  UdpSocket receiver = openOrDie(SocketAddress::ipv4Loopback(0), no_gro);
  auto writer = std::make_unique<ThrottledWriter>(a->socket());
  ThrottledWriter* throttle = writer.get();
  SocketEndpointTestPeer::replaceWriter(*a, std::move(writer));
  handler.service = [&](MonotonicUsec) {
    EXPECT_TRUE(a->flush().ok());
    return kNeverUsec;
  };
  ServiceLoopOptions options;
  options.max_sleep_usec = 3'600'000'000;
  auto loop = createLoop(&handler, options);
  ASSERT_NE(loop, nullptr);
  ASSERT_TRUE(loop->registerEndpoint(a.get(), 5).ok());
  ASSERT_TRUE(loop->start().ok());
  ASSERT_TRUE(eventually([&] { return handler.service_calls.load() >= 1; }));

  // An API thread sends with "use current thread": it flushes itself and fills the socket.
  throttle->setBudget(10);
  {
    std::lock_guard<std::mutex> lock(handler.mutex);
    for (uint32_t i = 0; i < 50; ++i)
      a->sendTo(receiver.localAddress(), patternPayload(i, 500));
    ASSERT_TRUE(a->flush().ok());
    EXPECT_TRUE(a->sendBlocked());
  }
  // The notifier woke the loop, which now watches for writability (the fake full socket is
  // really writable, so the event comes at once).
  ASSERT_TRUE(eventually([&] { return loop->stats().writable_events >= 1; }));
  throttle->setBudget(ThrottledWriter::kUnlimited);
  ASSERT_TRUE(eventually([&] { return !a->sendBlocked(); }));

  UdpPacketReader reader(receiver);
  const std::vector<testing::Received> got = testing::receiveCount(reader, receiver, 50);
  ASSERT_EQ(got.size(), 50u);
  for (uint32_t i = 0; i < 50; ++i)
    EXPECT_EQ(got[i].payload, patternPayload(i, 500));

  // Drained: the loop stopped watching, so the always-writable socket no longer wakes it.
  std::this_thread::sleep_for(milliseconds(20));
  const uint64_t writable = loop->stats().writable_events;
  const uint64_t calls = handler.service_calls.load();
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_EQ(loop->stats().writable_events, writable);
  EXPECT_EQ(handler.service_calls.load(), calls);
  loop->stop();
  ASSERT_TRUE(loop->unregisterEndpoint(5).ok());
}

TEST(ServiceLoopTest, RegistrationRules) {
  TestHandler handler;
  std::atomic<int> readable_calls{0};
  auto a = openEndpoint();
  auto other = openEndpoint();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(other, nullptr);
  handler.readable = [&](uint64_t token, MonotonicUsec) {
    EXPECT_EQ(token, 7u);
    readable_calls.fetch_add(1);
    EXPECT_TRUE(a->receive([](MonotonicUsec, const SocketAddress&, ByteSpan) {}).ok());
  };
  auto loop = createLoop(&handler);
  ASSERT_NE(loop, nullptr);
  ASSERT_TRUE(loop->registerEndpoint(a.get(), 7).ok());
  EXPECT_EQ(loop->registerEndpoint(a.get(), 8).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(loop->registerEndpoint(other.get(), 7).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(loop->registerEndpoint(other.get(), ~uint64_t{0}).code(),
            absl::StatusCode::kInvalidArgument)
      << "reserved by the poller";
  EXPECT_EQ(loop->unregisterEndpoint(99).code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(loop->start().ok());

  auto sendOne = [&] {
    std::lock_guard<std::mutex> lock(handler.mutex);
    other->sendTo(a->localAddress(), patternPayload(1, 10));
    ASSERT_TRUE(other->flush().ok());
  };
  sendOne();
  ASSERT_TRUE(eventually([&] { return readable_calls.load() == 1; }));

  ASSERT_TRUE(loop->unregisterEndpoint(7).ok());
  sendOne();
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_EQ(readable_calls.load(), 1) << "unregistered sockets are not watched";
  loop->stop();
}

}  // namespace
}  // namespace opengns::transport
