// Round trips over loopback through UdpPacketWriter and UdpPacketReader in every mode, plus
// the writer's error handling (oversized datagrams, closed ports, unreachable families).
#include "transport/udp_packet_writer.h"

#include <gtest/gtest.h>
#include <netinet/in.h>

#include <vector>

#include "loopback_util.h"
#include "transport/udp_packet_reader.h"

namespace opengns::transport {
namespace {

using testing::openOrDie;
using testing::patternPayload;
using testing::receiveCount;
using testing::Received;
using testing::sendAll;
using testing::staysQuiet;

struct Planned {
  size_t destination;  // index into the receivers
  Bytes payload;
};

// ~600 datagrams in runs of equal size (what GSO coalesces), with sizes from 0 to the 1300
// maximum and runs that end in a shorter datagram, spread over `destinations` receivers in
// runs that do not line up with the size runs.
std::vector<Planned> mixedPlan(size_t destinations) {
  static constexpr size_t kSizes[] = {1200, 1300, 1, 5, 700, 1299, 64, 0, 1024, 1300};
  std::vector<Planned> plan;
  uint32_t tag = 0;
  for (size_t block = 0; plan.size() < 600; ++block) {
    const size_t size = kSizes[block % std::size(kSizes)];
    const size_t run = (block * 7) % 70 + 1;
    for (size_t k = 0; k < run; ++k) {
      size_t bytes = size;
      if (k + 1 == run && block % 3 == 0 && size > 100) bytes = size - 100;  // shorter tail
      const size_t destination = ((plan.size() / 37) + (plan.size() / 101)) % destinations;
      plan.push_back({destination, patternPayload(tag++, bytes)});
    }
  }
  return plan;
}

struct Mode {
  IoMode send;
  IoMode receive;
  bool receiver_gro;
};

std::string modeName(const ::testing::TestParamInfo<Mode>& info) {
  return absl::StrCat("send_", ioModeName(info.param.send), "_receive_",
                      ioModeName(info.param.receive), info.param.receiver_gro ? "_gro" : "");
}

class RoundTripTest : public ::testing::TestWithParam<Mode> {
 protected:
  // Sends `plan` from one socket to `receivers` and checks that each receiver got exactly
  // its datagrams, in order, from the sender's address, and checks the writer's counters.
  void roundTrip(const std::vector<Planned>& plan, const UdpSocket& sender,
                 std::vector<UdpSocket>& receivers) {
    UdpPacketWriter writer(sender, GetParam().send);
    DatagramBatch batch(plan.size(), plan.size() * kMaxDatagramBytes);
    std::vector<std::vector<Received>> expected(receivers.size());
    for (const Planned& item : plan) {
      const SocketAddress destination = receivers[item.destination].localAddress();
      EXPECT_TRUE(batch.append(destination, item.payload));
      // The receiver sees the sender's canonical address in the destination's family.
      const SocketAddress source = destination.isIpv4()
                                       ? SocketAddress::ipv4Loopback(sender.localAddress().port())
                                       : SocketAddress::ipv6Loopback(sender.localAddress().port());
      expected[item.destination].push_back({source, item.payload});
    }
    sendAll(writer, sender, batch);
    for (size_t r = 0; r < receivers.size(); ++r) {
      UdpPacketReader reader(receivers[r], GetParam().receive);
      const std::vector<Received> got = receiveCount(reader, receivers[r], expected[r].size());
      ASSERT_EQ(got.size(), expected[r].size()) << "receiver " << r;
      for (size_t i = 0; i < got.size(); ++i) {
        ASSERT_EQ(got[i].peer, expected[r][i].peer) << "receiver " << r << " datagram " << i;
        ASSERT_EQ(got[i].payload.size(), expected[r][i].payload.size())
            << "receiver " << r << " datagram " << i;
        ASSERT_EQ(got[i].payload, expected[r][i].payload) << "receiver " << r << " datagram " << i;
      }
      EXPECT_TRUE(staysQuiet(receivers[r], std::chrono::milliseconds(20)))
          << "receiver " << r << " got extra datagrams";
      EXPECT_EQ(reader.stats().datagrams_received, expected[r].size());
      EXPECT_EQ(reader.stats().receive_dropped, 0u);
    }
    const IoStats stats = writer.stats();
    EXPECT_EQ(stats.datagrams_sent, plan.size());
    size_t bytes = 0;
    for (const Planned& item : plan)
      bytes += item.payload.size();
    EXPECT_EQ(stats.bytes_sent, bytes);
    EXPECT_EQ(stats.send_dropped, 0u);
    if (GetParam().send == IoMode::kPlain) {
      EXPECT_EQ(stats.send_calls, plan.size());
    } else {
      EXPECT_LT(stats.send_calls, plan.size() / 10) << "batching should need far fewer calls";
    }
    if (GetParam().send != IoMode::kOffload || !sender.gsoSupported()) {
      EXPECT_EQ(stats.gso_sends, 0u);
    } else {
      EXPECT_GT(stats.gso_sends, 0u);
    }
  }

  UdpSocketOptions receiverOptions() const {
    UdpSocketOptions options;
    options.enable_gro = GetParam().receiver_gro;
    return options;
  }
};

TEST_P(RoundTripTest, MixedSizesToOneDestination) {
  UdpSocket sender = openOrDie(SocketAddress::ipv4Loopback(0));
  std::vector<UdpSocket> receivers;
  receivers.push_back(openOrDie(SocketAddress::ipv4Loopback(0), receiverOptions()));
  roundTrip(mixedPlan(1), sender, receivers);
}

TEST_P(RoundTripTest, MixedSizesToSeveralDestinations) {
  // A dual-stack sender reaches IPv4 and IPv6 receivers from one socket.
  UdpSocket sender = openOrDie(SocketAddress::ipv6Any(0));
  std::vector<UdpSocket> receivers;
  receivers.push_back(openOrDie(SocketAddress::ipv4Loopback(0), receiverOptions()));
  receivers.push_back(openOrDie(SocketAddress::ipv4Loopback(0), receiverOptions()));
  if (sender.dualStack()) {
    receivers.push_back(openOrDie(SocketAddress::ipv6Loopback(0), receiverOptions()));
  }
  roundTrip(mixedPlan(receivers.size()), sender, receivers);
}

INSTANTIATE_TEST_SUITE_P(AllModes, RoundTripTest,
                         ::testing::Values(Mode{IoMode::kPlain, IoMode::kPlain, false},
                                           Mode{IoMode::kPlain, IoMode::kPlain, true},
                                           Mode{IoMode::kBatched, IoMode::kBatched, false},
                                           Mode{IoMode::kBatched, IoMode::kOffload, true},
                                           Mode{IoMode::kOffload, IoMode::kBatched, false},
                                           Mode{IoMode::kOffload, IoMode::kOffload, true},
                                           Mode{IoMode::kOffload, IoMode::kPlain, true}),
                         modeName);

class UdpPacketWriterTest : public ::testing::Test {
 protected:
  static UdpSocketOptions noGro() {
    UdpSocketOptions options;
    options.enable_gro = false;
    return options;
  }
};

TEST_F(UdpPacketWriterTest, GsoSegmentsArriveAsSeparateDatagramsWithoutGro) {
  UdpSocket sender = openOrDie(SocketAddress::ipv4Loopback(0));
  if (!sender.gsoSupported()) GTEST_SKIP() << "kernel without UDP_SEGMENT";
  UdpSocket receiver = openOrDie(SocketAddress::ipv4Loopback(0), noGro());
  constexpr size_t kCount = 131;
  DatagramBatch batch = DatagramBatch::forSending(kCount);
  for (uint32_t i = 0; i < kCount; ++i) {
    ASSERT_TRUE(
        batch.append(receiver.localAddress(), patternPayload(i, i + 1 == kCount ? 500 : 1200)));
  }
  UdpPacketWriter writer(sender, IoMode::kOffload);
  ASSERT_TRUE(writer.gsoActive());
  sendAll(writer, sender, batch);
  // One GSO send per run that fits both kernel limits (segments and payload bytes).
  const size_t per_send = std::min(kMaxGsoSegments, kMaxGsoPayloadBytes / 1200);
  EXPECT_EQ(writer.stats().gso_sends, (kCount + per_send - 1) / per_send);
  EXPECT_EQ(writer.stats().send_calls, 1u);
  EXPECT_EQ(writer.stats().datagrams_sent, kCount);
  EXPECT_TRUE(writer.gsoActive());

  UdpPacketReader reader(receiver, IoMode::kBatched);
  const std::vector<Received> got = receiveCount(reader, receiver, kCount);
  ASSERT_EQ(got.size(), kCount);
  for (uint32_t i = 0; i < kCount; ++i) {
    EXPECT_EQ(got[i].payload, patternPayload(i, i + 1 == kCount ? 500 : 1200)) << i;
    EXPECT_EQ(got[i].peer, sender.localAddress());
  }
  EXPECT_EQ(reader.stats().gro_buffers, 0u);
}

TEST_F(UdpPacketWriterTest, GsoRunsStopAtTheSegmentLimitAndAtPeerOrSizeChanges) {
  UdpSocket sender = openOrDie(SocketAddress::ipv4Loopback(0));
  if (!sender.gsoSupported()) GTEST_SKIP() << "kernel without UDP_SEGMENT";
  UdpSocket first = openOrDie(SocketAddress::ipv4Loopback(0), noGro());
  UdpSocket second = openOrDie(SocketAddress::ipv4Loopback(0), noGro());
  DatagramBatch batch = DatagramBatch::forSending(300);
  // 200 small datagrams: the 64-segment limit binds -> 4 sends (64, 64, 64, 8).
  for (uint32_t i = 0; i < 200; ++i) {
    ASSERT_TRUE(batch.append(first.localAddress(), patternPayload(i, 100)));
  }
  // Peer change: 3 to the second receiver -> 1 send.
  for (uint32_t i = 200; i < 203; ++i) {
    ASSERT_TRUE(batch.append(second.localAddress(), patternPayload(i, 100)));
  }
  // A larger datagram cannot join a run; a shorter one joins and ends it: 101,100 is one
  // GSO send, and the final 100 goes alone without a cmsg.
  ASSERT_TRUE(batch.append(second.localAddress(), patternPayload(203, 101)));
  ASSERT_TRUE(batch.append(second.localAddress(), patternPayload(204, 100)));
  ASSERT_TRUE(batch.append(second.localAddress(), patternPayload(205, 100)));
  UdpPacketWriter writer(sender, IoMode::kOffload);
  sendAll(writer, sender, batch);
  EXPECT_EQ(writer.stats().gso_sends, 4u + 1u + 1u);
  EXPECT_EQ(writer.stats().datagrams_sent, 206u);

  UdpPacketReader first_reader(first);
  UdpPacketReader second_reader(second);
  const std::vector<Received> to_first = receiveCount(first_reader, first, 200);
  const std::vector<Received> to_second = receiveCount(second_reader, second, 6);
  ASSERT_EQ(to_first.size(), 200u);
  ASSERT_EQ(to_second.size(), 6u);
  for (uint32_t i = 0; i < 200; ++i)
    EXPECT_EQ(to_first[i].payload, patternPayload(i, 100));
  const size_t second_sizes[] = {100, 100, 100, 101, 100, 100};
  for (uint32_t i = 0; i < 6; ++i) {
    EXPECT_EQ(to_second[i].payload, patternPayload(200 + i, second_sizes[i])) << i;
  }
}

TEST_F(UdpPacketWriterTest, AllModesDeliverTheSameDatagrams) {
  UdpSocket receiver = openOrDie(SocketAddress::ipv4Loopback(0), noGro());
  std::vector<std::vector<Received>> results;
  std::vector<IoStats> stats;
  const std::vector<Planned> plan = mixedPlan(1);
  for (IoMode mode : {IoMode::kPlain, IoMode::kBatched, IoMode::kOffload}) {
    UdpSocket sender = openOrDie(SocketAddress::ipv4Loopback(0));
    DatagramBatch batch(plan.size(), plan.size() * kMaxDatagramBytes);
    for (const Planned& item : plan)
      ASSERT_TRUE(batch.append(receiver.localAddress(), item.payload));
    UdpPacketWriter writer(sender, mode);
    sendAll(writer, sender, batch);
    UdpPacketReader reader(receiver, mode);
    std::vector<Received> got = receiveCount(reader, receiver, plan.size());
    for (Received& item : got) {
      EXPECT_EQ(item.peer, sender.localAddress());
      item.peer = SocketAddress();  // senders differ by port; compare payloads only
    }
    results.push_back(std::move(got));
    stats.push_back(writer.stats());
  }
  ASSERT_EQ(results[0].size(), plan.size());
  EXPECT_EQ(results[1], results[0]);
  EXPECT_EQ(results[2], results[0]);
  for (const IoStats& each : stats) {
    EXPECT_EQ(each.datagrams_sent, stats[0].datagrams_sent);
    EXPECT_EQ(each.bytes_sent, stats[0].bytes_sent);
  }
  EXPECT_LE(stats[2].send_calls, stats[1].send_calls);
  EXPECT_LT(stats[1].send_calls, stats[0].send_calls);
}

TEST_F(UdpPacketWriterTest, OversizedDatagramIsDroppedAndTheRestOfTheBatchGoes) {
  UdpSocket sender = openOrDie(SocketAddress::ipv4Loopback(0));
  UdpSocket receiver = openOrDie(SocketAddress::ipv4Loopback(0), noGro());
  for (IoMode mode : {IoMode::kPlain, IoMode::kBatched, IoMode::kOffload}) {
    SCOPED_TRACE(ioModeName(mode));
    DatagramBatch batch(5, 80000);
    ASSERT_TRUE(batch.append(receiver.localAddress(), patternPayload(1, 300)));
    ASSERT_TRUE(batch.append(receiver.localAddress(), patternPayload(2, 300)));
    ASSERT_TRUE(batch.append(receiver.localAddress(), patternPayload(3, 70000)));  // > 65507
    ASSERT_TRUE(batch.append(receiver.localAddress(), patternPayload(4, 300)));
    UdpPacketWriter writer(sender, mode);
    absl::StatusOr<size_t> sent = writer.sendBatch(batch);
    ASSERT_TRUE(sent.ok()) << sent.status();
    EXPECT_EQ(*sent, 4u);
    EXPECT_EQ(writer.stats().send_dropped, 1u);
    EXPECT_EQ(writer.stats().datagrams_sent, 3u);
    UdpPacketReader reader(receiver);
    const std::vector<Received> got = receiveCount(reader, receiver, 3);
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0].payload, patternPayload(1, 300));
    EXPECT_EQ(got[1].payload, patternPayload(2, 300));
    EXPECT_EQ(got[2].payload, patternPayload(4, 300));
  }
}

// A port nobody listens on: bound once, then closed.
uint16_t closedPort() {
  UdpSocket socket = openOrDie(SocketAddress::ipv4Loopback(0));
  return socket.localAddress().port();
}

TEST_F(UdpPacketWriterTest, SendingToAClosedPortDoesNotBreakTheNextBatch) {
  const uint16_t closed = closedPort();
  for (bool report_icmp : {false, true}) {
    for (IoMode mode : {IoMode::kPlain, IoMode::kBatched, IoMode::kOffload}) {
      SCOPED_TRACE(absl::StrCat(ioModeName(mode), report_icmp ? " with IP_RECVERR" : ""));
      UdpSocket sender = openOrDie(SocketAddress::ipv4Loopback(0));
      UdpSocket receiver = openOrDie(SocketAddress::ipv4Loopback(0), noGro());
      if (report_icmp) {
        // Makes the kernel report ICMP port-unreachable on this unconnected socket: the
        // next send or receive fails once with ECONNREFUSED.
        const int on = 1;
        ASSERT_EQ(setsockopt(sender.fd(), SOL_IP, IP_RECVERR, &on, sizeof(on)), 0);
      }
      UdpPacketWriter writer(sender, mode);
      UdpPacketReader sender_reader(sender, mode);
      uint32_t tag = 0;
      std::vector<Bytes> expected;
      for (int round = 0; round < 3; ++round) {
        DatagramBatch batch = DatagramBatch::forSending(40);
        for (int i = 0; i < 10; ++i) {
          ASSERT_TRUE(
              batch.append(SocketAddress::ipv4Loopback(closed), patternPayload(tag++, 200)));
          for (int k = 0; k < 3; ++k) {
            expected.push_back(patternPayload(tag, 200));
            ASSERT_TRUE(batch.append(receiver.localAddress(), expected.back()));
            ++tag;
          }
        }
        sendAll(writer, sender, batch);
        // Reading on the sender must not fail either (it may see the ICMP error).
        DatagramBatch scratch = DatagramBatch::forReceiving();
        absl::StatusOr<size_t> nothing = sender_reader.receiveBatch(scratch);
        ASSERT_TRUE(nothing.ok()) << nothing.status();
        EXPECT_EQ(*nothing, 0u);
      }
      UdpPacketReader reader(receiver);
      const std::vector<Received> got = receiveCount(reader, receiver, expected.size());
      ASSERT_EQ(got.size(), expected.size());
      for (size_t i = 0; i < got.size(); ++i)
        EXPECT_EQ(got[i].payload, expected[i]) << i;
      // Datagrams to the closed port left the socket (the port is closed, not the route).
      EXPECT_EQ(writer.stats().datagrams_sent + writer.stats().send_dropped, 120u);
      EXPECT_GE(writer.stats().datagrams_sent, expected.size());
      if (report_icmp && mode == IoMode::kPlain) {
        // The error path really ran: each send after one to the closed port failed once with
        // ECONNREFUSED and was retried. (sendmmsg absorbs it in a short count instead.)
        EXPECT_EQ(writer.stats().send_errors, 30u);
      }
    }
  }
}

TEST_F(UdpPacketWriterTest, UnreachableFamilyIsDroppedInOrder) {
  UdpSocket sender = openOrDie(SocketAddress::ipv4Loopback(0));
  UdpSocket receiver = openOrDie(SocketAddress::ipv4Loopback(0), noGro());
  for (IoMode mode : {IoMode::kPlain, IoMode::kBatched, IoMode::kOffload}) {
    SCOPED_TRACE(ioModeName(mode));
    DatagramBatch batch = DatagramBatch::forSending(8);
    ASSERT_TRUE(batch.append(SocketAddress::ipv6Loopback(9), patternPayload(0, 50)));
    ASSERT_TRUE(batch.append(receiver.localAddress(), patternPayload(1, 50)));
    ASSERT_TRUE(batch.append(SocketAddress::ipv6Loopback(9), patternPayload(2, 50)));
    ASSERT_TRUE(batch.append(receiver.localAddress(), patternPayload(3, 50)));
    ASSERT_TRUE(batch.append(SocketAddress(), patternPayload(4, 50)));
    UdpPacketWriter writer(sender, mode);
    absl::StatusOr<size_t> sent = writer.sendBatch(batch);
    ASSERT_TRUE(sent.ok()) << sent.status();
    EXPECT_EQ(*sent, 5u);
    EXPECT_EQ(writer.stats().send_dropped, 3u);
    UdpPacketReader reader(receiver);
    const std::vector<Received> got = receiveCount(reader, receiver, 2);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].payload, patternPayload(1, 50));
    EXPECT_EQ(got[1].payload, patternPayload(3, 50));
  }
}

TEST_F(UdpPacketWriterTest, ResumesFromTheIndexItReturned) {
  UdpSocket sender = openOrDie(SocketAddress::ipv4Loopback(0));
  UdpSocket receiver = openOrDie(SocketAddress::ipv4Loopback(0), noGro());
  DatagramBatch batch = DatagramBatch::forSending(6);
  for (uint32_t i = 0; i < 6; ++i) {
    ASSERT_TRUE(batch.append(receiver.localAddress(), patternPayload(i, 80)));
  }
  UdpPacketWriter writer(sender, IoMode::kOffload);
  absl::StatusOr<size_t> sent = writer.sendBatch(batch, 4);  // as after a stop at index 4
  ASSERT_TRUE(sent.ok());
  EXPECT_EQ(*sent, 6u);
  EXPECT_EQ(writer.stats().datagrams_sent, 2u);
  sent = writer.sendBatch(batch, 6);
  ASSERT_TRUE(sent.ok());
  EXPECT_EQ(*sent, 6u);
  UdpPacketReader reader(receiver);
  const std::vector<Received> got = receiveCount(reader, receiver, 2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].payload, patternPayload(4, 80));
  EXPECT_EQ(got[1].payload, patternPayload(5, 80));
  EXPECT_TRUE(staysQuiet(receiver, std::chrono::milliseconds(20)));
}

TEST_F(UdpPacketWriterTest, ClosedSocketIsAnError) {
  UdpSocket sender = openOrDie(SocketAddress::ipv4Loopback(0));
  UdpPacketWriter writer(sender);
  sender.close();
  DatagramBatch batch = DatagramBatch::forSending(1);
  ASSERT_TRUE(batch.append(SocketAddress::ipv4Loopback(9), patternPayload(0, 10)));
  EXPECT_FALSE(writer.sendBatch(batch).ok());
}

}  // namespace
}  // namespace opengns::transport
