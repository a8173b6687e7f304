// UdpPacketReader specifics: GRO splitting, the receive buffer size, batch capacity.
// (Round trips in every mode are in udp_packet_writer_test.cc.)
#include "transport/udp_packet_reader.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "loopback_util.h"
#include "transport/udp_packet_writer.h"

namespace opengns::transport {
namespace {

using testing::openOrDie;
using testing::patternPayload;
using testing::receiveCount;
using testing::Received;
using testing::sendAll;
using testing::staysQuiet;

UdpSocketOptions withGro(bool gro) {
  UdpSocketOptions options;
  options.enable_gro = gro;
  return options;
}

// Sends single datagrams with plain sendto, whatever their size (bypasses the writer).
void sendRaw(const UdpSocket& from, const SocketAddress& to, const Bytes& payload) {
  sockaddr_storage storage;
  const socklen_t length = to.toSockaddrFor(from.family(), &storage);
  ASSERT_EQ(::sendto(from.fd(), payload.data(), payload.size(), 0,
                     reinterpret_cast<const sockaddr*>(&storage), length),
            static_cast<ssize_t>(payload.size()));
}

class GroTest : public ::testing::TestWithParam<IoMode> {};

TEST_P(GroTest, CoalescedBuffersAreSplitBySegmentSize) {
  UdpSocket sender = openOrDie(SocketAddress::ipv4Loopback(0));
  UdpSocket receiver = openOrDie(SocketAddress::ipv4Loopback(0), withGro(true));
  if (!sender.gsoSupported() || !receiver.groEnabled()) {
    GTEST_SKIP() << "kernel without UDP GSO/GRO";
  }
  // Three runs: 100 x 1000 ending in 300, then 70 x 1300, then 20 x 7 (tiny segments).
  std::vector<Bytes> expected;
  uint32_t tag = 0;
  for (int i = 0; i < 100; ++i)
    expected.push_back(patternPayload(tag++, 1000));
  expected.push_back(patternPayload(tag++, 300));
  for (int i = 0; i < 70; ++i)
    expected.push_back(patternPayload(tag++, 1300));
  for (int i = 0; i < 20; ++i)
    expected.push_back(patternPayload(tag++, 7));
  DatagramBatch batch = DatagramBatch::forSending(expected.size());
  for (const Bytes& payload : expected)
    ASSERT_TRUE(batch.append(receiver.localAddress(), payload));
  UdpPacketWriter writer(sender, IoMode::kOffload);
  sendAll(writer, sender, batch);
  ASSERT_GT(writer.stats().gso_sends, 0u);

  UdpPacketReader reader(receiver, GetParam());
  const std::vector<Received> got = receiveCount(reader, receiver, expected.size());
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].peer, sender.localAddress()) << i;
    ASSERT_EQ(got[i].payload.size(), expected[i].size()) << i;
    EXPECT_EQ(got[i].payload, expected[i]) << i;
  }
  // On loopback a GSO send reaches a GRO socket unsplit, so the reader must have split.
  EXPECT_GT(reader.stats().gro_buffers, 0u);
  EXPECT_LT(reader.stats().receive_calls, expected.size());
  EXPECT_EQ(reader.stats().datagrams_received, expected.size());
  EXPECT_TRUE(staysQuiet(receiver, std::chrono::milliseconds(20)));
}

INSTANTIATE_TEST_SUITE_P(ReaderModes, GroTest,
                         ::testing::Values(IoMode::kPlain, IoMode::kBatched, IoMode::kOffload),
                         [](const ::testing::TestParamInfo<IoMode>& info) {
                           return std::string(ioModeName(info.param));
                         });

TEST(UdpPacketReaderTest, SingleDatagramsOnAGroSocketArePackedAndBatched) {
  // The server case: many peers, each datagram on its own, nothing to coalesce.
  UdpSocket receiver = openOrDie(SocketAddress::ipv4Loopback(0), withGro(true));
  if (!receiver.groEnabled()) GTEST_SKIP() << "kernel without UDP_GRO";
  std::vector<UdpSocket> senders;
  for (int i = 0; i < 5; ++i)
    senders.push_back(openOrDie(SocketAddress::ipv4Loopback(0)));
  std::vector<Received> expected;
  for (uint32_t i = 0; i < 200; ++i) {
    const UdpSocket& sender = senders[(i * 7) % senders.size()];
    const Bytes payload = patternPayload(i, 5 + (i * 97) % 1296);
    sendRaw(sender, receiver.localAddress(), payload);
    expected.push_back({sender.localAddress(), payload});
  }
  ASSERT_TRUE(testing::waitFor(receiver, POLLIN));
  UdpPacketReader reader(receiver, IoMode::kBatched);
  DatagramBatch batch = DatagramBatch::forReceiving();
  absl::StatusOr<size_t> got = reader.receiveBatch(batch);
  ASSERT_TRUE(got.ok()) << got.status();
  // Loopback queues each datagram before sendto returns, so all 200 are waiting, and the
  // batch holds them all because single datagrams are packed, not kept 64 KiB apart.
  ASSERT_EQ(*got, expected.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    EXPECT_EQ(batch.peer(i), expected[i].peer) << i;
    EXPECT_EQ(Bytes(batch.payload(i).begin(), batch.payload(i).end()), expected[i].payload) << i;
  }
  EXPECT_LE(reader.stats().receive_calls, expected.size() / kGroBuffersPerReceive + 2);
}

TEST(UdpPacketReaderTest, ReadsWholeDatagramsUpToTheGnsBufferSizeAndDropsLarger) {
  UdpSocket sender = openOrDie(SocketAddress::ipv4Loopback(0));
  for (IoMode mode : {IoMode::kPlain, IoMode::kBatched}) {
    SCOPED_TRACE(ioModeName(mode));
    UdpSocket receiver = openOrDie(SocketAddress::ipv4Loopback(0), withGro(false));
    sendRaw(sender, receiver.localAddress(), patternPayload(1, kMaxDatagramBytes));
    sendRaw(sender, receiver.localAddress(), patternPayload(2, kReceiveSlotBytes));
    sendRaw(sender, receiver.localAddress(), patternPayload(3, kReceiveSlotBytes + 1));
    sendRaw(sender, receiver.localAddress(), patternPayload(4, 9000));
    sendRaw(sender, receiver.localAddress(), patternPayload(5, 20));
    UdpPacketReader reader(receiver, mode);
    const std::vector<Received> got = receiveCount(reader, receiver, 3);
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0].payload, patternPayload(1, kMaxDatagramBytes));
    EXPECT_EQ(got[1].payload, patternPayload(2, kReceiveSlotBytes));
    EXPECT_EQ(got[2].payload, patternPayload(5, 20));
    EXPECT_EQ(reader.stats().receive_dropped, 2u);
    EXPECT_TRUE(staysQuiet(receiver, std::chrono::milliseconds(20)));
  }
}

TEST(UdpPacketReaderTest, StopsWhenTheBatchIsFullAndContinuesNextCall) {
  UdpSocket sender = openOrDie(SocketAddress::ipv4Loopback(0));
  for (IoMode mode : {IoMode::kPlain, IoMode::kBatched}) {
    SCOPED_TRACE(ioModeName(mode));
    UdpSocket receiver = openOrDie(SocketAddress::ipv4Loopback(0), withGro(false));
    for (uint32_t i = 0; i < 10; ++i) {
      sendRaw(sender, receiver.localAddress(), patternPayload(i, 100 + i));
    }
    ASSERT_TRUE(testing::waitFor(receiver, POLLIN));
    UdpPacketReader reader(receiver, mode);
    DatagramBatch batch(4, 4 * kReceiveSlotBytes);
    uint32_t next = 0;
    for (size_t expected_count : {4u, 4u, 2u}) {
      batch.clear();
      absl::StatusOr<size_t> got = reader.receiveBatch(batch);
      ASSERT_TRUE(got.ok()) << got.status();
      ASSERT_EQ(*got, expected_count);
      for (size_t i = 0; i < batch.size(); ++i, ++next) {
        EXPECT_EQ(Bytes(batch.payload(i).begin(), batch.payload(i).end()),
                  patternPayload(next, 100 + next));
      }
    }
    batch.clear();
    absl::StatusOr<size_t> none = reader.receiveBatch(batch);
    ASSERT_TRUE(none.ok());
    EXPECT_EQ(*none, 0u);
    // A batch that already holds datagrams and has no room left returns 0, not an error.
    DatagramBatch full(1, kReceiveSlotBytes);
    ASSERT_TRUE(full.append(sender.localAddress(), patternPayload(0, 1)));
    absl::StatusOr<size_t> no_room = reader.receiveBatch(full);
    ASSERT_TRUE(no_room.ok());
    EXPECT_EQ(*no_room, 0u);
  }
}

TEST(UdpPacketReaderTest, RefusesABatchThatCannotHoldOneBuffer) {
  UdpSocket plain = openOrDie(SocketAddress::ipv4Loopback(0), withGro(false));
  DatagramBatch tiny(8, 1000);
  UdpPacketReader reader(plain);
  absl::StatusOr<size_t> result = reader.receiveBatch(tiny);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("2324"), absl::string_view::npos) << result.status();

  UdpSocket gro = openOrDie(SocketAddress::ipv4Loopback(0), withGro(true));
  if (!gro.groEnabled()) GTEST_SKIP() << "kernel without UDP_GRO";
  DatagramBatch slots_only(64, 64 * kReceiveSlotBytes);  // fine without GRO, too few entries with
  UdpPacketReader gro_reader(gro);
  result = gro_reader.receiveBatch(slots_only);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("GRO"), absl::string_view::npos) << result.status();
}

TEST(UdpPacketReaderTest, IcmpErrorReportedOnReceiveIsCountedAndSkipped) {
  UdpSocket closed_owner = openOrDie(SocketAddress::ipv4Loopback(0));
  const SocketAddress closed = closed_owner.localAddress();
  closed_owner.close();
  for (IoMode mode : {IoMode::kPlain, IoMode::kBatched}) {
    SCOPED_TRACE(ioModeName(mode));
    UdpSocket socket = openOrDie(SocketAddress::ipv4Loopback(0), withGro(mode == IoMode::kPlain));
    UdpSocket peer = openOrDie(SocketAddress::ipv4Loopback(0));
    // With IP_RECVERR the port-unreachable reply surfaces as ECONNREFUSED on the next call.
    const int on = 1;
    ASSERT_EQ(setsockopt(socket.fd(), SOL_IP, IP_RECVERR, &on, sizeof(on)), 0);
    sendRaw(socket, closed, patternPayload(0, 10));
    sendRaw(peer, socket.localAddress(), patternPayload(1, 10));
    ASSERT_TRUE(testing::waitFor(socket, POLLIN));
    UdpPacketReader reader(socket, mode);
    const std::vector<Received> got = receiveCount(reader, socket, 1);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].payload, patternPayload(1, 10));
    EXPECT_EQ(reader.stats().receive_errors, 1u);
  }
}

TEST(UdpPacketReaderTest, EmptySocketGivesZeroAndClosedSocketAnError) {
  UdpSocket receiver = openOrDie(SocketAddress::ipv4Loopback(0));
  UdpPacketReader reader(receiver);
  DatagramBatch batch = DatagramBatch::forReceiving();
  absl::StatusOr<size_t> result = reader.receiveBatch(batch);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, 0u);
  EXPECT_EQ(reader.stats().receive_calls, 1u) << "one EAGAIN call, no spinning";
  receiver.close();
  EXPECT_FALSE(reader.receiveBatch(batch).ok());
}

}  // namespace
}  // namespace opengns::transport
