// Messages sent while a connection is still connecting (snp.md §2.1 "when assigned",
// §6.1 NoDelay, §6.2 "Messages queued while connecting go out once the connection is
// established", §5.3 SendBufferSize, §7.1 lanes configured before the handshake), on both
// roles, through UdpConnection and the real SNP engine.
//
// Our reading, pinned here: the server side may send between its 0 -> 1 event and
// acceptConnection (it is Connecting like the client; nothing in the spec sets it apart,
// and the send path's checks are the same); its messages go out right after the
// ConnectOK that accept sends.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "snp_pair_harness.h"

namespace opengns::connection {
namespace {

using testing_util::SnpPair;
using testing_util::textOf;

constexpr snp::Usec kMs = snp::kUsecPerMsec;
constexpr snp::Usec kSec = snp::kUsecPerSec;

struct SentMessage {
  uint32_t lane = 0;
  int64_t number = 0;
  std::string text;
  bool reliable = false;
};

UdpConnection* waitForServer(SnpPair& p) {
  EXPECT_TRUE(p.runUntilTrue([&] { return p.server() != nullptr; }, p.now() + kSec));
  return p.server();
}

void expectReceived(const std::vector<snp::ReceivedMessage>& got,
                    const std::vector<SentMessage>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].lane, want[i].lane) << i;
    EXPECT_EQ(static_cast<int64_t>(got[i].message_number), want[i].number) << i;
    EXPECT_EQ(textOf(got[i].data), want[i].text) << i;
    EXPECT_EQ(got[i].reliable, want[i].reliable) << i;
  }
}

Result resultOf(const absl::StatusOr<int64_t>& sent) {
  return snp::sendResultFromStatus(sent.status());
}

TEST(ConnectQueueTest, ClientMessagesSentWhileConnectingArriveAfterTheHandshake) {
  SnpPair p;
  UdpConnection* c = p.connect();
  ASSERT_NE(c, nullptr);
  ASSERT_EQ(c->state(), ConnectionState::kConnecting);
  ASSERT_NE(c->dataPlane(), nullptr) << "the data plane exists from creation";

  std::vector<SentMessage> sent = {{0, 0, "r1", true},
                                   {0, 0, "u2", false},
                                   {0, 0, "r3", true},
                                   {0, 0, std::string(3000, 'B'), true},
                                   {0, 0, "u5", false}};
  const std::vector<int> flags = {kSendReliable, kSendUnreliable, kSendReliable, kSendReliable,
                                  kSendUnreliableNoNagle};
  for (size_t i = 0; i < sent.size(); ++i) {
    absl::StatusOr<int64_t> number = c->sendMessage(p.now(), asBytes(sent[i].text), flags[i]);
    ASSERT_TRUE(number.ok()) << number.status();
    sent[i].number = *number;
    // §2.1: numbered at send time, from 1, one counter for both kinds.
    EXPECT_EQ(*number, static_cast<int64_t>(i + 1));
  }

  UdpConnection* s = waitForServer(p);
  ASSERT_NE(s, nullptr);
  ASSERT_EQ(s->accept(p.now()), Result::kOK);
  p.runFor(300 * kMs);
  ASSERT_EQ(c->state(), ConnectionState::kConnected);
  expectReceived(p.received[s->localId()], sent);

  // Nothing went out before the connection was established, and everything right then.
  const std::optional<snp::Usec> connected_at =
      p.enteredAt(c->localId(), ConnectionState::kConnected);
  ASSERT_TRUE(connected_at.has_value());
  std::vector<SnpPair::Datagram> data;
  for (const auto& d : p.sent(true))
    if (d.isData()) data.push_back(d);
  ASSERT_FALSE(data.empty());
  EXPECT_EQ(data.front().at, *connected_at);
  auto first = wire::decodeDataPacket(data.front().bytes);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->header.wire_packet_number, 2) << "peer v13: the handshake is packet 1";
}

TEST(ConnectQueueTest, ServerMayQueueBetweenItsConnectingEventAndAccept) {
  SnpPair p;
  UdpConnection* c = p.connect();
  UdpConnection* s = waitForServer(p);
  ASSERT_NE(s, nullptr);
  ASSERT_EQ(s->state(), ConnectionState::kConnecting);

  std::vector<SentMessage> from_server = {
      {0, 0, "s1", true}, {0, 0, "s2", false}, {0, 0, "s3", true}};
  for (SentMessage& m : from_server) {
    absl::StatusOr<int64_t> number =
        s->sendMessage(p.now(), asBytes(m.text), m.reliable ? kSendReliable : kSendUnreliable);
    ASSERT_TRUE(number.ok()) << number.status();
    m.number = *number;
  }
  EXPECT_EQ(from_server[2].number, 3);
  std::vector<SentMessage> from_client = {{0, 0, "c1", true}};
  from_client[0].number = *c->sendMessage(p.now(), asBytes("c1"), kSendReliable);
  EXPECT_EQ(from_client[0].number, 1);

  // The application takes its time: nothing of the queue leaks out before accept.
  p.runFor(1 * kSec);
  EXPECT_EQ(s->state(), ConnectionState::kConnecting);
  EXPECT_EQ(c->state(), ConnectionState::kConnecting);
  for (const auto& d : p.log)
    EXPECT_FALSE(d.isData()) << "data before accept";

  const snp::Usec accepted_at = p.now();
  ASSERT_EQ(s->accept(p.now()), Result::kOK);
  // ConnectOK first, the queued data right behind it.
  std::vector<SnpPair::Datagram> after = p.sent(false);
  std::erase_if(after, [&](const SnpPair::Datagram& d) { return d.at < accepted_at; });
  ASSERT_GE(after.size(), 2u);
  EXPECT_EQ(after[0].lead(), wire::kLeadConnectOK);
  EXPECT_TRUE(after[1].isData());

  p.runFor(300 * kMs);
  ASSERT_EQ(c->state(), ConnectionState::kConnected);
  expectReceived(p.received[c->localId()], from_server);
  expectReceived(p.received[s->localId()], from_client);
}

TEST(ConnectQueueTest, QueuedReliableMessagesSurviveALostConnectOK) {
  SnpPair p;
  int connect_oks = 0;
  p.drop = [&](const SnpPair::Datagram& d) {
    return d.lead() == wire::kLeadConnectOK && ++connect_oks == 1;
  };
  UdpConnection* c = p.connect();
  UdpConnection* s = waitForServer(p);
  ASSERT_NE(s, nullptr);
  std::vector<SentMessage> sent;
  for (int i = 0; i < 4; ++i) {
    SentMessage m{0, 0, "early" + std::to_string(i), true};
    m.number = *s->sendMessage(p.now(), asBytes(m.text), kSendReliable);
    sent.push_back(m);
  }
  ASSERT_EQ(s->accept(p.now()), Result::kOK);
  // The client drops the data while Connecting (udp.md §5.1 table), retries the
  // handshake, gets a fresh ConnectOK; SNP resends what was lost.
  p.runFor(3 * kSec);
  EXPECT_EQ(connect_oks, 2);
  ASSERT_EQ(c->state(), ConnectionState::kConnected);
  expectReceived(p.received[c->localId()], sent);
}

TEST(ConnectQueueTest, NoDelayWhileConnectingIsIgnoredAndUsesNoNumber) {
  SnpPair p;
  UdpConnection* c = p.connect();
  EXPECT_EQ(resultOf(c->sendMessage(p.now(), asBytes("now"), kSendUnreliableNoDelay)),
            Result::kIgnored);
  EXPECT_EQ(resultOf(c->sendMessage(p.now(), asBytes("now"), kSendReliable | kSendNoDelay)),
            Result::kIgnored);
  EXPECT_EQ(*c->sendMessage(p.now(), asBytes("queued"), kSendReliable), 1);

  UdpConnection* s = waitForServer(p);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(resultOf(s->sendMessage(p.now(), asBytes("now"), kSendUnreliableNoDelay)),
            Result::kIgnored)
      << "before accept too";
  EXPECT_EQ(*s->sendMessage(p.now(), asBytes("queued"), kSendUnreliable), 1);

  ASSERT_EQ(s->accept(p.now()), Result::kOK);
  p.runFor(200 * kMs);
  ASSERT_EQ(c->state(), ConnectionState::kConnected);
  // Connected and idle: a NoDelay message goes (number 2, after the queued one).
  EXPECT_EQ(*c->sendMessage(p.now(), asBytes("fast"), kSendUnreliableNoDelay), 2);
  p.runFor(100 * kMs);
  std::vector<std::string> texts;
  for (const auto& m : p.received[s->localId()])
    texts.push_back(textOf(m.data));
  EXPECT_EQ(texts, (std::vector<std::string>{"queued", "fast"}));
  ASSERT_EQ(p.received[c->localId()].size(), 1u);
  EXPECT_EQ(textOf(p.received[c->localId()][0].data), "queued");
}

TEST(ConnectQueueTest, SendBufferLimitAppliesWhileConnecting) {
  SnpPair::Options options;
  options.client_snp.send_buffer_bytes = 4096;  // the smallest SendBufferSize (§5.3)
  SnpPair p(options);
  UdpConnection* c = p.connect();
  EXPECT_EQ(*c->sendMessage(p.now(), asBytes(std::string(3000, 'a')), kSendReliable), 1);
  // 3000 + header queued, + 2000 > 4096: refused, no number used.
  EXPECT_EQ(resultOf(c->sendMessage(p.now(), asBytes(std::string(2000, 'b')), kSendReliable)),
            Result::kLimitExceeded);
  EXPECT_EQ(*c->sendMessage(p.now(), asBytes(std::string(1000, 'c')), kSendReliable), 2);

  UdpConnection* s = waitForServer(p);
  ASSERT_NE(s, nullptr);
  ASSERT_EQ(s->accept(p.now()), Result::kOK);
  p.runFor(300 * kMs);
  expectReceived(p.received[s->localId()],
                 {{0, 1, std::string(3000, 'a'), true}, {0, 2, std::string(1000, 'c'), true}});
}

TEST(ConnectQueueTest, LanesConfiguredWhileConnectingApply) {
  SnpPair p;
  UdpConnection* c = p.connect();
  SnpDataPlane* plane = SnpPair::plane(c);
  ASSERT_NE(plane, nullptr);
  const std::vector<int> priorities = {0, 1, 1};
  const std::vector<uint16_t> weights = {1, 1, 2};
  ASSERT_TRUE(plane->session().configureLanes(3, priorities, weights).ok());
  EXPECT_EQ(*c->sendMessage(p.now(), asBytes("lane2"), kSendReliable, 2), 1);
  EXPECT_EQ(*c->sendMessage(p.now(), asBytes("lane1"), kSendUnreliable, 1), 1);
  EXPECT_EQ(*c->sendMessage(p.now(), asBytes("lane2 again"), kSendReliable, 2), 2);
  EXPECT_EQ(resultOf(c->sendMessage(p.now(), asBytes("x"), kSendReliable, 3)),
            Result::kInvalidParam);

  UdpConnection* s = waitForServer(p);
  ASSERT_NE(s, nullptr);
  // The server's lanes too, before accept.
  ASSERT_TRUE(SnpPair::plane(s)->session().configureLanes(2, {}, {}).ok());
  EXPECT_EQ(*s->sendMessage(p.now(), asBytes("back on 1"), kSendReliable, 1), 1);
  ASSERT_EQ(s->accept(p.now()), Result::kOK);
  p.runFor(300 * kMs);
  ASSERT_EQ(c->state(), ConnectionState::kConnected);

  std::vector<snp::ReceivedMessage> got = p.received[s->localId()];
  ASSERT_EQ(got.size(), 3u);
  // Lanes are independent: check each lane's order and numbers.
  std::vector<std::tuple<uint32_t, uint64_t, std::string>> by_lane;
  for (const auto& m : got)
    by_lane.emplace_back(m.lane, m.message_number, textOf(m.data));
  std::sort(by_lane.begin(), by_lane.end());
  EXPECT_EQ(by_lane, (std::vector<std::tuple<uint32_t, uint64_t, std::string>>{
                         {1, 1, "lane1"}, {2, 1, "lane2"}, {2, 2, "lane2 again"}}));
  expectReceived(p.received[c->localId()], {{1, 1, "back on 1", true}});
}

TEST(ConnectQueueTest, ClosingWhileConnectingSendsNothingQueued) {
  SnpPair p;
  UdpConnection* c = p.connect();
  ASSERT_TRUE(c->sendMessage(p.now(), asBytes("never"), kSendReliable).ok());
  ASSERT_TRUE(c->close(p.now(), 1000, "changed my mind", true));
  EXPECT_EQ(c->state(), ConnectionState::kFinWait);
  EXPECT_EQ(c->dataPlane(), nullptr);
  EXPECT_FALSE(c->sendMessage(p.now(), asBytes("late"), kSendReliable).ok());
  p.runFor(2 * kSec);
  for (const auto& d : p.log)
    EXPECT_FALSE(d.isData());
}

TEST(ConnectQueueTest, SeveralLanesWithAnOldPeerEndTheConnection) {
  // The data plane's own check at onConnected (snp.md §7.1: "if the peer's version is not
  // known yet, the check happens when the handshake finishes"); the handshake makes the
  // same check first (crypto.md §3.4 check 3) with the lane count the connection passes.
  DataPlaneFactory factory = snpDataPlaneFactory(snp::SnpConfig{});
  DataPlaneParams params;
  params.connected = false;
  params.peer_protocol_version = 13;
  params.mtu_bytes = 1300;
  params.cipher_tag_bytes = 16;
  std::unique_ptr<DataPlane> plane = factory(params);
  auto* snp_plane = dynamic_cast<SnpDataPlane*>(plane.get());
  ASSERT_NE(snp_plane, nullptr);
  EXPECT_FALSE(snp_plane->session().connected());
  ASSERT_TRUE(snp_plane->session().configureLanes(2, {}, {}).ok());
  EXPECT_EQ(plane->laneCount(), 2);
  params.connected = true;
  params.peer_protocol_version = 10;
  std::optional<DataPlaneFailure> failure = plane->onConnected(params);
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->end_reason, static_cast<int>(ConnectionEnd::kRemoteBadProtocolVersion));
  EXPECT_NE(failure->debug.find("lanes"), std::string::npos) << failure->debug;

  DataPlaneParams provisional;
  provisional.connected = false;
  std::unique_ptr<DataPlane> one_lane = factory(provisional);
  params.peer_protocol_version = 9;
  EXPECT_FALSE(one_lane->onConnected(params).has_value());
  // Peer below 10: the handshake is no packet, data starts at 1 (snp.md §3.1).
  EXPECT_EQ(dynamic_cast<SnpDataPlane*>(one_lane.get())->session().nextPacketNumber(), 1u);
}

}  // namespace
}  // namespace opengns::connection
