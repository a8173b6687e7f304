// Message data that arrives while the application has closed the connection with linger
// is thrown away, but the packets carrying it are still processed and acked (snp.md §2.4
// end, lifecycle.md §4.4), also when the application's receive queue would be full.
// Once in FinWait the connection answers data with its close packet (lifecycle.md §4.3),
// which ends the peer's side anyway; that part is covered by udp_connection_test.
#include <gtest/gtest.h>

#include "snp_pair_harness.h"

namespace opengns::connection {
namespace {

using testing_util::SnpPair;
using testing_util::textOf;

constexpr snp::Usec kMs = snp::kUsecPerMsec;
constexpr snp::Usec kSec = snp::kUsecPerSec;

// An application queue that is always full (RecvBufferMessages reached).
snp::ReceiveQueueState fullQueue() {
  return snp::ReceiveQueueState{1'000'000, 0};
}

TEST(LingerReceiveTest, DataReceivedDuringLingerIsAckedButNotDelivered) {
  SnpPair::Options options;
  options.client_app_queue = fullQueue;  // the lingering side
  SnpPair p(options);
  UdpConnection* c = p.connect();
  ASSERT_TRUE(p.runUntilTrue([&] { return p.server() != nullptr; }, p.now() + kSec));
  UdpConnection* s = p.server();
  ASSERT_EQ(s->accept(p.now()), Result::kOK);
  p.runFor(100 * kMs);
  ASSERT_EQ(c->state(), ConnectionState::kConnected);

  // Keep the client lingering: its big message never gets through; its small packets
  // (acks) do.
  constexpr size_t kBigBytes = 600;
  bool cut = true;
  p.drop = [&](const SnpPair::Datagram& d) {
    return cut && d.isData() && d.to == p.server_address && d.bytes.size() > kBigBytes;
  };
  const std::string farewell(1000, 'f');
  ASSERT_TRUE(c->sendMessage(p.now(), asBytes(farewell), kSendReliable).ok());
  p.runFor(20 * kMs);
  ASSERT_TRUE(c->close(p.now(), 1000, "bye", true));
  ASSERT_EQ(c->state(), ConnectionState::kLinger);

  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(s->sendMessage(p.now(), asBytes("late " + std::to_string(i)), kSendReliable).ok());
    ASSERT_TRUE(s->sendMessage(p.now(), asBytes("late u"), kSendUnreliable).ok());
  }
  p.runFor(500 * kMs);
  ASSERT_EQ(c->state(), ConnectionState::kLinger);
  // Acked: nothing reliable is pending on the server any more...
  EXPECT_FALSE(s->dataPlane()->hasPendingReliableData(p.now()));
  const snp::SnpSessionCounters& counters = SnpPair::plane(c)->session().counters();
  EXPECT_EQ(counters.packets_not_acked, 0u) << "the full application queue refused nothing";
  EXPECT_EQ(counters.reliable_messages_delivered, 3u);
  // ...and nothing reached the application.
  EXPECT_TRUE(p.received[c->localId()].empty());

  cut = false;
  p.runFor(3 * kSec);
  EXPECT_EQ(c->state(), ConnectionState::kFinWait);
  EXPECT_EQ(s->state(), ConnectionState::kClosedByPeer);
  ASSERT_EQ(p.received[s->localId()].size(), 1u);
  EXPECT_EQ(textOf(p.received[s->localId()][0].data), farewell);
  EXPECT_TRUE(p.received[c->localId()].empty());
}

TEST(LingerReceiveTest, FullApplicationQueueRefusesUnlessDiscarding) {
  // The adapter on its own: the same packet of a peer session, with a reliable message,
  // against a full application queue, open and after the application closed.
  snp::SnpSession peer(snp::SnpConfig{});
  const std::string text = "late";
  ASSERT_TRUE(peer.sendMessage(0, 0, Bytes(text.begin(), text.end()), kSendReliableNoNagle).ok());
  std::optional<snp::OutgoingPacket> packet = peer.buildPacket(0);
  ASSERT_TRUE(packet.has_value());

  SnpDataPlane open(snp::SnpConfig{}, fullQueue);
  std::vector<snp::ReceivedMessage> delivered;
  EXPECT_EQ(open.receivePacket(kMs, packet->packet_number, packet->plaintext,
                               snp::AckUrgency::kNone, delivered)
                .kind,
            DataPlaneReceiveResult::Kind::kRefused);
  EXPECT_TRUE(delivered.empty());

  SnpDataPlane closing(snp::SnpConfig{}, fullQueue);
  closing.discardReceivedMessages();
  EXPECT_EQ(closing
                .receivePacket(kMs, packet->packet_number, packet->plaintext,
                               snp::AckUrgency::kNone, delivered)
                .kind,
            DataPlaneReceiveResult::Kind::kProcessed);
  // The session hands the message up; the connection throws it away (test above).
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(textOf(delivered[0].data), text);
  EXPECT_TRUE(closing.wantsToSend(kMs + 60 * kMs)) << "its ack is due";
}

}  // namespace
}  // namespace opengns::connection
