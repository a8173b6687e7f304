// SocketEndpoint on 127.0.0.1: batching, the bounded send queue under a full socket, the
// receive budget, and the fake network in both directions. Fake-network timing runs on a
// ManualClock, so nothing here depends on how fast the machine is; the only real waits are
// "did the datagram arrive" polls bounded by generous timeouts.
#include "transport/socket_endpoint.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "loopback_util.h"
#include "socket_endpoint_test_peer.h"
#include "transport/udp_packet_reader.h"

namespace opengns::transport {
namespace {

using testing::openOrDie;
using testing::patternPayload;
using testing::receiveCount;
using testing::Received;
using testing::staysQuiet;
using testing::waitFor;

constexpr auto kQuiet = std::chrono::milliseconds(20);

uint32_t tagOf(ByteSpan payload) {
  uint32_t tag = 0;
  for (size_t i = 0; i < 4 && i < payload.size(); ++i)
    tag |= uint32_t{payload[i]} << (8 * i);
  return tag;
}

std::unique_ptr<SocketEndpoint> openEndpoint(SocketEndpointOptions options = {}) {
  if (options.socket.receive_buffer_bytes == 0) options.socket.receive_buffer_bytes = 4 << 20;
  absl::StatusOr<std::unique_ptr<SocketEndpoint>> endpoint =
      SocketEndpoint::open(SocketAddress::ipv4Loopback(0), options);
  EXPECT_TRUE(endpoint.ok()) << endpoint.status();
  return endpoint.ok() ? std::move(*endpoint) : nullptr;
}

// What a ReceiveHandler saw.
struct Handed {
  MonotonicUsec now_usec;
  SocketAddress peer;
  Bytes payload;
};

// Reads from the socket until the reader has seen `count` datagrams in total, handing
// whatever comes out to `handed`.
void readUntilSocketSaw(SocketEndpoint& endpoint, uint64_t count, std::vector<Handed>* handed) {
  while (endpoint.readerStats().datagrams_received < count) {
    absl::StatusOr<size_t> got =
        endpoint.receive([&](MonotonicUsec now_usec, const SocketAddress& peer, ByteSpan payload) {
          handed->push_back({now_usec, peer, Bytes(payload.begin(), payload.end())});
        });
    ASSERT_TRUE(got.ok()) << got.status();
    if (endpoint.readerStats().datagrams_received < count) {
      ASSERT_TRUE(waitFor(endpoint.socket(), POLLIN)) << "datagrams never arrived";
    }
  }
}

class SocketEndpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    UdpSocketOptions no_gro;
    no_gro.enable_gro = false;
    receiver_ = openOrDie(SocketAddress::ipv4Loopback(0), no_gro);
    reader_ = std::make_unique<UdpPacketReader>(receiver_);
  }

  std::vector<Received> receive(size_t count) { return receiveCount(*reader_, receiver_, count); }

  void expectTagsInOrder(const std::vector<Received>& got, uint32_t first, uint32_t count,
                         size_t bytes) {
    ASSERT_EQ(got.size(), count);
    for (uint32_t i = 0; i < count; ++i) {
      EXPECT_EQ(got[i].payload, patternPayload(first + i, bytes)) << "datagram " << i;
    }
  }

  UdpSocket receiver_;
  std::unique_ptr<UdpPacketReader> reader_;
};

TEST_F(SocketEndpointTest, SendToQueuesAndFlushSendsInOneBatch) {
  SocketEndpointOptions options;
  options.io_mode = IoMode::kBatched;
  auto endpoint = openEndpoint(options);
  ASSERT_NE(endpoint, nullptr);
  for (uint32_t i = 0; i < 10; ++i) {
    EXPECT_TRUE(endpoint->sendTo(receiver_.localAddress(), patternPayload(i, 100)));
  }
  EXPECT_EQ(endpoint->queuedSendDatagrams(), 10u);
  EXPECT_EQ(endpoint->writerStats().send_calls, 0u) << "sendTo makes no syscall";
  EXPECT_TRUE(staysQuiet(receiver_, kQuiet));

  ASSERT_TRUE(endpoint->flush().ok());
  EXPECT_EQ(endpoint->queuedSendDatagrams(), 0u);
  EXPECT_FALSE(endpoint->sendBlocked());
  EXPECT_EQ(endpoint->writerStats().send_calls, 1u) << "one sendmmsg for the batch";
  expectTagsInOrder(receive(10), 0, 10, 100);

  // An empty flush is free.
  ASSERT_TRUE(endpoint->flush().ok());
  EXPECT_EQ(endpoint->writerStats().send_calls, 1u);
}

TEST_F(SocketEndpointTest, FullQueueFlushesToMakeRoom) {
  SocketEndpointOptions options;
  options.send_queue_datagrams = 8;
  auto endpoint = openEndpoint(options);
  ASSERT_NE(endpoint, nullptr);
  for (uint32_t i = 0; i < 20; ++i) {
    EXPECT_TRUE(endpoint->sendTo(receiver_.localAddress(), patternPayload(i, 50)));
    EXPECT_LE(endpoint->queuedSendDatagrams(), 8u);
  }
  EXPECT_EQ(endpoint->queuedSendDatagrams(), 4u) << "16 went out in two automatic flushes";
  ASSERT_TRUE(endpoint->flush().ok());
  expectTagsInOrder(receive(20), 0, 20, 50);
  EXPECT_EQ(endpoint->stats().send_queue_dropped, 0u);
}

TEST_F(SocketEndpointTest, OversizeDatagramIsDroppedAndCounted) {
  auto endpoint = openEndpoint();
  ASSERT_NE(endpoint, nullptr);
  EXPECT_FALSE(endpoint->sendTo(receiver_.localAddress(), Bytes(kMaxDatagramBytes + 1, 7)));
  EXPECT_EQ(endpoint->stats().send_oversize_dropped, 1u);
  EXPECT_TRUE(endpoint->sendTo(receiver_.localAddress(), patternPayload(1, kMaxDatagramBytes)));
  ASSERT_TRUE(endpoint->flush().ok());
  expectTagsInOrder(receive(1), 1, 1, kMaxDatagramBytes);
}

TEST_F(SocketEndpointTest, FullSocketKeepsUnsentDatagramsBoundedAndResumes) {
  SocketEndpointOptions options;
  options.send_queue_datagrams = 16;
  auto endpoint = openEndpoint(options);
  ASSERT_NE(endpoint, nullptr);
  auto writer = std::make_unique<ThrottledWriter>(endpoint->socket());
  ThrottledWriter* throttle = writer.get();
  SocketEndpointTestPeer::replaceWriter(*endpoint, std::move(writer));
  int notified = 0;
  endpoint->setSendBlockedNotifier([&] { ++notified; });

  throttle->setBudget(5);
  for (uint32_t i = 0; i < 10; ++i) {
    ASSERT_TRUE(endpoint->sendTo(receiver_.localAddress(), patternPayload(i, 200)));
  }
  ASSERT_TRUE(endpoint->flush().ok());
  EXPECT_TRUE(endpoint->sendBlocked());
  EXPECT_EQ(endpoint->queuedSendDatagrams(), 5u);
  EXPECT_EQ(notified, 1);
  EXPECT_EQ(endpoint->stats().flushes_blocked, 1u);

  // Queue capacity 16: 11 more fit (5 unsent + 11), the next 4 are dropped, and no send is
  // attempted for them while the socket is known to be full.
  const uint64_t calls_before = throttle->calls();
  int accepted = 0;
  for (uint32_t i = 10; i < 25; ++i) {
    if (endpoint->sendTo(receiver_.localAddress(), patternPayload(i, 200))) ++accepted;
    EXPECT_LE(endpoint->queuedSendDatagrams(), 16u);
  }
  EXPECT_EQ(accepted, 11);
  EXPECT_EQ(endpoint->stats().send_queue_dropped, 4u);
  EXPECT_EQ(throttle->calls(), calls_before);

  // Still full: a flush spends one call, sends nothing, does not notify again.
  ASSERT_TRUE(endpoint->flush().ok());
  EXPECT_TRUE(endpoint->sendBlocked());
  EXPECT_EQ(endpoint->queuedSendDatagrams(), 16u);
  EXPECT_EQ(notified, 1);

  throttle->setBudget(ThrottledWriter::kUnlimited);
  ASSERT_TRUE(endpoint->flush().ok());
  EXPECT_FALSE(endpoint->sendBlocked());
  EXPECT_EQ(endpoint->queuedSendDatagrams(), 0u);
  // Datagrams 0..20 arrive once each, in order; 21..24 were dropped.
  expectTagsInOrder(receive(21), 0, 21, 200);
  EXPECT_TRUE(staysQuiet(receiver_, kQuiet));
}

TEST_F(SocketEndpointTest, BrokenSocketDropsTheQueueAndReportsIt) {
  auto endpoint = openEndpoint();
  ASSERT_NE(endpoint, nullptr);
  auto writer = std::make_unique<ThrottledWriter>(endpoint->socket());
  ThrottledWriter* throttle = writer.get();
  SocketEndpointTestPeer::replaceWriter(*endpoint, std::move(writer));
  for (uint32_t i = 0; i < 3; ++i)
    endpoint->sendTo(receiver_.localAddress(), patternPayload(i, 10));
  throttle->failNextCall();
  EXPECT_FALSE(endpoint->flush().ok());
  EXPECT_EQ(endpoint->stats().send_error_dropped, 3u);
  EXPECT_EQ(endpoint->queuedSendDatagrams(), 0u);
  EXPECT_FALSE(endpoint->sendBlocked());
  // The next datagrams go normally.
  endpoint->sendTo(receiver_.localAddress(), patternPayload(7, 10));
  ASSERT_TRUE(endpoint->flush().ok());
  expectTagsInOrder(receive(1), 7, 1, 10);
}

TEST_F(SocketEndpointTest, ReceiveHandsOverWithPeerAndRespectsTheBudget) {
  constexpr uint32_t kCount = 300;
  constexpr size_t kBudget = 10;
  constexpr size_t kBatch = 8;
  SocketEndpointOptions options;
  options.socket.enable_gro = false;  // no GRO headroom: a read returns at most kBatch
  options.receive_batch_datagrams = kBatch;
  options.receive_budget_datagrams = kBudget;
  auto endpoint = openEndpoint(options);
  ASSERT_NE(endpoint, nullptr);
  UdpSocket sender = openOrDie(SocketAddress::ipv4Loopback(0));
  UdpPacketWriter writer(sender, IoMode::kBatched);
  DatagramBatch batch = DatagramBatch::forSending(kCount);
  for (uint32_t i = 0; i < kCount; ++i) {
    batch.append(endpoint->localAddress(), patternPayload(i, 64));
  }
  testing::sendAll(writer, sender, batch);

  // Loopback delivers during the send call; the pause is only slack for a loaded machine.
  // However much has arrived, one receive() stops after the read that reaches the budget:
  // two reads of 8, not the whole queue.
  std::this_thread::sleep_for(kQuiet);
  std::vector<Handed> handed;
  auto collect = [&](MonotonicUsec now_usec, const SocketAddress& peer, ByteSpan payload) {
    handed.push_back({now_usec, peer, Bytes(payload.begin(), payload.end())});
  };
  int calls = 0;
  while (handed.size() < kCount && calls < 10'000) {
    absl::StatusOr<size_t> got = endpoint->receive(collect);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_LE(*got, 2 * kBatch);
    ++calls;
    if (*got == 0) {
      ASSERT_TRUE(waitFor(endpoint->socket(), POLLIN));
    }
  }
  EXPECT_GE(calls, 19);  // 300 / 16
  ASSERT_EQ(handed.size(), kCount);
  for (uint32_t i = 0; i < kCount; ++i) {
    EXPECT_EQ(handed[i].payload, patternPayload(i, 64));
    EXPECT_EQ(handed[i].peer, sender.localAddress());
  }
  EXPECT_EQ(endpoint->stats().received, kCount);
  EXPECT_EQ(endpoint->stats().handed_over, kCount);
}

// ---------------------------------------------------------------------------------------
// Fake network

TEST_F(SocketEndpointTest, TransparentFakeNetworkIsBypassed) {
  ManualClock clock;
  SocketEndpointOptions options;
  options.clock = &clock;
  auto endpoint = openEndpoint(options);
  ASSERT_NE(endpoint, nullptr);
  endpoint->setFakeNetwork(FakeNetworkOptions{}, FakeNetworkOptions{});  // all defaults
  EXPECT_TRUE(endpoint->sendSimulator().transparent());
  endpoint->sendTo(receiver_.localAddress(), patternPayload(3, 30));
  EXPECT_EQ(endpoint->queuedSendDatagrams(), 1u) << "straight into the batch";
  EXPECT_EQ(endpoint->sendSimulator().stats().submitted_datagrams, 0u);
  EXPECT_EQ(endpoint->nextWakeTime(), kNeverUsec);
  ASSERT_TRUE(endpoint->flush().ok());
  expectTagsInOrder(receive(1), 3, 1, 30);
}

TEST_F(SocketEndpointTest, FullSendLossDropsEverything) {
  ManualClock clock;
  SocketEndpointOptions options;
  options.clock = &clock;
  auto endpoint = openEndpoint(options);
  ASSERT_NE(endpoint, nullptr);
  FakeNetworkOptions send;
  send.packet_loss_percent = 100;
  endpoint->setFakeNetwork(send, FakeNetworkOptions{});
  for (uint32_t i = 0; i < 100; ++i) {
    EXPECT_TRUE(endpoint->sendTo(receiver_.localAddress(), patternPayload(i, 40)))
        << "fake loss looks like a successful send";
  }
  ASSERT_TRUE(endpoint->flush().ok());
  EXPECT_EQ(endpoint->sendSimulator().stats().dropped_loss_datagrams, 100u);
  EXPECT_EQ(endpoint->writerStats().datagrams_sent, 0u);
  EXPECT_EQ(endpoint->nextWakeTime(), kNeverUsec);
  EXPECT_TRUE(staysQuiet(receiver_, kQuiet));
}

TEST_F(SocketEndpointTest, FullReceiveLossDropsEverything) {
  auto endpoint = openEndpoint();
  ASSERT_NE(endpoint, nullptr);
  FakeNetworkOptions receive;
  receive.packet_loss_percent = 100;
  endpoint->setFakeNetwork(FakeNetworkOptions{}, receive);
  auto sender = openEndpoint();
  ASSERT_NE(sender, nullptr);
  for (uint32_t i = 0; i < 100; ++i)
    sender->sendTo(endpoint->localAddress(), patternPayload(i, 40));
  ASSERT_TRUE(sender->flush().ok());

  std::vector<Handed> handed;
  readUntilSocketSaw(*endpoint, 100, &handed);
  EXPECT_TRUE(handed.empty());
  EXPECT_EQ(endpoint->receiveSimulator().stats().dropped_loss_datagrams, 100u);
  EXPECT_EQ(endpoint->stats().handed_over, 0u);
}

TEST_F(SocketEndpointTest, SendLagHoldsDatagramsUntilDueAndKeepsPeers) {
  ManualClock clock(5'000'000);
  SocketEndpointOptions options;
  options.clock = &clock;
  auto endpoint = openEndpoint(options);
  ASSERT_NE(endpoint, nullptr);
  UdpSocketOptions no_gro;
  no_gro.enable_gro = false;
  UdpSocket other = openOrDie(SocketAddress::ipv4Loopback(0), no_gro);
  FakeNetworkOptions send;
  send.packet_lag_ms = 50;
  endpoint->setFakeNetwork(send, FakeNetworkOptions{});

  // Alternate between two receivers: each datagram must reach its own peer.
  for (uint32_t i = 0; i < 6; ++i) {
    const SocketAddress& peer = i % 2 == 0 ? receiver_.localAddress() : other.localAddress();
    ASSERT_TRUE(endpoint->sendTo(peer, patternPayload(i, 60)));
  }
  ASSERT_TRUE(endpoint->flush().ok());
  EXPECT_EQ(endpoint->nextWakeTime(), 5'050'000);
  EXPECT_TRUE(staysQuiet(receiver_, kQuiet));

  clock.set(5'049'999);
  ASSERT_TRUE(endpoint->flush().ok());
  EXPECT_TRUE(staysQuiet(receiver_, kQuiet)) << "one microsecond early";
  EXPECT_TRUE(staysQuiet(other, kQuiet));

  clock.set(5'050'000);
  ASSERT_TRUE(endpoint->flush().ok());
  EXPECT_EQ(endpoint->nextWakeTime(), kNeverUsec);
  const std::vector<Received> even = receive(3);
  UdpPacketReader other_reader(other);
  const std::vector<Received> odd = receiveCount(other_reader, other, 3);
  ASSERT_EQ(even.size(), 3u);
  ASSERT_EQ(odd.size(), 3u);
  for (uint32_t i = 0; i < 3; ++i) {
    EXPECT_EQ(even[i].payload, patternPayload(2 * i, 60));
    EXPECT_EQ(odd[i].payload, patternPayload(2 * i + 1, 60));
  }
}

TEST_F(SocketEndpointTest, ReceiveLagHandsOverWhenDue) {
  ManualClock clock(7'000'000);
  SocketEndpointOptions options;
  options.clock = &clock;
  auto endpoint = openEndpoint(options);
  ASSERT_NE(endpoint, nullptr);
  FakeNetworkOptions receive;
  receive.packet_lag_ms = 30;
  endpoint->setFakeNetwork(FakeNetworkOptions{}, receive);
  auto sender = openEndpoint();
  ASSERT_NE(sender, nullptr);
  for (uint32_t i = 0; i < 5; ++i)
    sender->sendTo(endpoint->localAddress(), patternPayload(i, 80));
  ASSERT_TRUE(sender->flush().ok());

  std::vector<Handed> handed;
  readUntilSocketSaw(*endpoint, 5, &handed);
  EXPECT_TRUE(handed.empty());
  EXPECT_EQ(endpoint->nextWakeTime(), 7'030'000);

  auto collect = [&](MonotonicUsec now_usec, const SocketAddress& peer, ByteSpan payload) {
    handed.push_back({now_usec, peer, Bytes(payload.begin(), payload.end())});
  };
  clock.set(7'029'999);
  EXPECT_EQ(endpoint->deliverDue(collect), 0u);
  clock.set(7'030'000);
  EXPECT_EQ(endpoint->deliverDue(collect), 5u);
  ASSERT_EQ(handed.size(), 5u);
  for (uint32_t i = 0; i < 5; ++i) {
    EXPECT_EQ(handed[i].payload, patternPayload(i, 80));
    EXPECT_EQ(handed[i].peer, sender->localAddress());
    EXPECT_EQ(handed[i].now_usec, 7'030'000);
  }
  EXPECT_EQ(endpoint->nextWakeTime(), kNeverUsec);
}

TEST_F(SocketEndpointTest, TenPercentLossDropsAboutTenPercent) {
  ManualClock clock;
  SocketEndpointOptions options;
  options.clock = &clock;
  options.fake_network_seed = 12345;
  auto endpoint = openEndpoint(options);
  ASSERT_NE(endpoint, nullptr);
  FakeNetworkOptions send;
  send.packet_loss_percent = 10;
  endpoint->setFakeNetwork(send, FakeNetworkOptions{});

  constexpr uint32_t kTotal = 10'000;
  constexpr uint32_t kChunk = 500;  // keeps the receiver's socket buffer from overflowing
  std::set<uint32_t> seen;
  uint64_t expected = 0;
  for (uint32_t start = 0; start < kTotal; start += kChunk) {
    for (uint32_t i = start; i < start + kChunk; ++i) {
      endpoint->sendTo(receiver_.localAddress(), patternPayload(i, 16));
    }
    ASSERT_TRUE(endpoint->flush().ok());
    const uint64_t delivered = endpoint->sendSimulator().stats().delivered_datagrams;
    const std::vector<Received> got = receive(delivered - expected);
    ASSERT_EQ(got.size(), delivered - expected);
    for (const Received& datagram : got) {
      EXPECT_EQ(datagram.payload, patternPayload(tagOf(datagram.payload), 16));
      EXPECT_TRUE(seen.insert(tagOf(datagram.payload)).second) << "duplicate";
    }
    expected = delivered;
  }
  const uint64_t lost = kTotal - seen.size();
  EXPECT_EQ(lost, endpoint->sendSimulator().stats().dropped_loss_datagrams);
  // Binomial(10000, 0.1): mean 1000, sigma 30. Six sigma either way.
  EXPECT_GE(lost, 820u);
  EXPECT_LE(lost, 1180u);
}

TEST_F(SocketEndpointTest, ReorderChangesTheOrderButLosesNothing) {
  ManualClock clock;
  SocketEndpointOptions options;
  options.clock = &clock;
  auto endpoint = openEndpoint(options);
  ASSERT_NE(endpoint, nullptr);
  FakeNetworkOptions send;
  send.packet_reorder_percent = 30;
  send.packet_reorder_time_ms = 10;
  endpoint->setFakeNetwork(send, FakeNetworkOptions{});

  constexpr uint32_t kCount = 200;
  for (uint32_t i = 0; i < kCount; ++i) {
    endpoint->sendTo(receiver_.localAddress(), patternPayload(i, 24));
    ASSERT_TRUE(endpoint->flush().ok());
    clock.advance(200);  // 200 us between datagrams: a 10 ms hold lets ~50 overtake
  }
  clock.advance(20'000);
  ASSERT_TRUE(endpoint->flush().ok());
  EXPECT_EQ(endpoint->nextWakeTime(), kNeverUsec);

  const std::vector<Received> got = receive(kCount);
  ASSERT_EQ(got.size(), kCount);
  std::vector<uint32_t> tags;
  for (const Received& datagram : got)
    tags.push_back(tagOf(datagram.payload));
  EXPECT_FALSE(std::is_sorted(tags.begin(), tags.end())) << "nothing was reordered";
  std::vector<uint32_t> sorted = tags;
  std::sort(sorted.begin(), sorted.end());
  for (uint32_t i = 0; i < kCount; ++i)
    EXPECT_EQ(sorted[i], i);
  EXPECT_GT(endpoint->sendSimulator().stats().reordered_datagrams, 0u);
}

TEST_F(SocketEndpointTest, DuplicatesReachTheRightPeerTwice) {
  ManualClock clock;
  SocketEndpointOptions options;
  options.clock = &clock;
  auto endpoint = openEndpoint(options);
  ASSERT_NE(endpoint, nullptr);
  FakeNetworkOptions send;
  send.packet_dup_percent = 100;
  send.packet_dup_time_max_ms = 5;
  endpoint->setFakeNetwork(send, FakeNetworkOptions{});
  for (uint32_t i = 0; i < 20; ++i)
    endpoint->sendTo(receiver_.localAddress(), patternPayload(i, 33));
  ASSERT_TRUE(endpoint->flush().ok());
  clock.advance(5'000);
  ASSERT_TRUE(endpoint->flush().ok());
  const std::vector<Received> got = receive(40);
  ASSERT_EQ(got.size(), 40u);
  std::vector<int> copies(20, 0);
  for (const Received& datagram : got) {
    ASSERT_LT(tagOf(datagram.payload), 20u);
    ++copies[tagOf(datagram.payload)];
    EXPECT_EQ(datagram.payload, patternPayload(tagOf(datagram.payload), 33));
  }
  for (int count : copies)
    EXPECT_EQ(count, 2);
}

TEST_F(SocketEndpointTest, ClearingConditionsKeepsOrderWithDatagramsInFlight) {
  ManualClock clock;
  SocketEndpointOptions options;
  options.clock = &clock;
  auto endpoint = openEndpoint(options);
  ASSERT_NE(endpoint, nullptr);
  NetworkConditions lag;
  lag.lag_usec = 10'000;
  endpoint->setSendConditions(lag);
  for (uint32_t i = 0; i < 5; ++i)
    endpoint->sendTo(receiver_.localAddress(), patternPayload(i, 20));
  endpoint->setSendConditions(NetworkConditions{});
  // Not transparent while 0..4 are in flight: 5..9 queue behind them instead of overtaking.
  for (uint32_t i = 5; i < 10; ++i)
    endpoint->sendTo(receiver_.localAddress(), patternPayload(i, 20));
  ASSERT_TRUE(endpoint->flush().ok());
  EXPECT_TRUE(staysQuiet(receiver_, kQuiet));
  clock.advance(10'000);
  ASSERT_TRUE(endpoint->flush().ok());
  EXPECT_TRUE(endpoint->sendSimulator().transparent());
  endpoint->sendTo(receiver_.localAddress(), patternPayload(10, 20));
  EXPECT_EQ(endpoint->queuedSendDatagrams(), 1u) << "bypassed again";
  ASSERT_TRUE(endpoint->flush().ok());
  expectTagsInOrder(receive(11), 0, 11, 20);
}

}  // namespace
}  // namespace opengns::transport
