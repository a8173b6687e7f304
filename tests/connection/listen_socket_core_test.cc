// ListenSocketCore and a connection under hostile or unusual input: spoofed, garbage,
// truncated and replayed datagrams, a ChallengeRequest flood, duplicate (identity, ID)
// ConnectRequests, and every NoConnection case of udp.md §5.6.
#include "connection/listen_socket_core.h"

#include <gtest/gtest.h>

#include "connection/close_packets.h"
#include "connection/connection_state.h"
#include "connection_harness.h"
#include "wire/data_header.h"

namespace opengns::connection {
namespace {

using testing_util::addr;
using testing_util::decodeControl;
using testing_util::Harness;
using testing_util::SentDatagram;

constexpr snp::Usec kMs = snp::kUsecPerMsec;
constexpr snp::Usec kSec = snp::kUsecPerSec;

// Deterministic LCG for garbage.
struct Lcg {
  uint64_t state = 0x1234567;
  uint32_t next() {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<uint32_t>(state >> 33);
  }
};

Bytes control(const wire::ControlMessage& m) {
  return *wire::encodeControlPacket(m);
}

TEST(ListenSocketCoreTest, GarbageTruncatedAndSpoofedInputCreatesNoState) {
  Harness h;
  Lcg rng;
  // Random datagrams of every lead byte and many lengths from many addresses.
  for (int i = 0; i < 3000; ++i) {
    Bytes d(rng.next() % 700);
    for (auto& b : d)
      b = static_cast<uint8_t>(rng.next());
    if (!d.empty() && i % 3 == 0) d[0] = static_cast<uint8_t>(0x20 + i % 6);
    PeerAddress from = PeerAddress::fromIPv4(0x0a000000 + (rng.next() & 0xffff), 1000 + i % 50);
    h.listen().onDatagram(h.now(), from, d);
  }
  EXPECT_EQ(h.listen().connectionCount(), 0u);

  // A real ConnectRequest, truncated at every length, and replayed from other addresses.
  UdpConnection* c = h.connect();
  h.drop = [](const SentDatagram& d) { return d.lead() == wire::kLeadConnectRequest; };
  h.runFor(20 * kMs);
  auto requests = h.sent(true, wire::kLeadConnectRequest);
  ASSERT_EQ(requests.size(), 1u);
  const Bytes& request = requests[0].bytes;
  for (size_t n = 0; n < request.size(); ++n) {
    h.listen().onDatagram(h.now(), requests[0].from, ByteSpan(request).first(n));
  }
  EXPECT_EQ(h.listen().connectionCount(), 0u);
  h.listen().onDatagram(h.now(), addr("127.0.0.1:40536"), request);  // other port
  h.listen().onDatagram(h.now(), addr("10.0.0.1:40535"), request);   // other IP
  EXPECT_EQ(h.listen().connectionCount(), 0u);
  // A flipped bit in the challenge.
  auto msg = std::get<wire::ConnectRequest>(decodeControl(request).message);
  msg.set_challenge(msg.challenge() ^ 0x10000);
  h.listen().onDatagram(h.now(), requests[0].from, control(msg));
  EXPECT_EQ(h.listen().connectionCount(), 0u);
  // The genuine one, 5 s later: the challenge has expired (udp.md §3.3).
  h.runFor(5 * kSec);
  h.listen().onDatagram(h.now(), requests[0].from, request);
  EXPECT_EQ(h.listen().connectionCount(), 0u);
  // Without the filter the client's own retry gets through.
  h.drop = nullptr;
  h.runFor(1 * kSec);
  EXPECT_EQ(c->state(), ConnectionState::kConnected);
  EXPECT_EQ(h.listen().connectionCount(), 1u);
}

TEST(ListenSocketCoreTest, UnknownHostRepliesOnlyAsTheSpecSays) {
  Harness h;
  const PeerAddress stranger = addr("192.0.2.1:5000");
  const size_t before = h.log().size();
  // Data, ChallengeReply, ConnectOK, NoConnection: dropped, no reply.
  Bytes data = {0x80, 1, 2, 3, 4, 2, 0, 9, 9, 9};
  h.listen().onDatagram(h.now(), stranger, data);
  h.listen().onDatagram(h.now(), stranger, Bytes{0xff, 0xff, 0xff, 0xff, 0x00});
  wire::ChallengeReply reply;
  reply.set_connection_id(5);
  h.listen().onDatagram(h.now(), stranger, control(reply));
  wire::ConnectOK ok;
  ok.set_client_connection_id(5);
  h.listen().onDatagram(h.now(), stranger, control(ok));
  h.listen().onDatagram(h.now(), stranger, control(makeNoConnection(5, 6)));
  // A ChallengeRequest with connection_id 0: dropped.
  wire::ChallengeRequest zero;
  zero.set_connection_id(0);
  zero.set_my_timestamp(1);
  h.listen().onDatagram(h.now(), stranger, control(zero));
  EXPECT_EQ(h.log().size(), before);
  // ConnectionClosed: N1 echo each time, no rate limit.
  Bytes closed = control(makeConnectionClosed(0x1111, 0x2222, 1000, "bye"));
  h.listen().onDatagram(h.now(), stranger, closed);
  h.listen().onDatagram(h.now(), stranger, closed);
  ASSERT_EQ(h.log().size(), before + 2);
  auto echo = std::get<wire::NoConnection>(decodeControl(h.log()[before].bytes).message);
  EXPECT_EQ(echo.from_connection_id(), 0x2222u);
  EXPECT_EQ(echo.to_connection_id(), 0x1111u);
  EXPECT_EQ(h.log()[before].to, stranger);
  EXPECT_EQ(h.listen().connectionCount(), 0u);
}

TEST(ListenSocketCoreTest, ChallengeRequestFloodWhileARealClientConnects) {
  Harness h;
  Lcg rng;
  UdpConnection* c = h.connect();
  int flood_replies_expected = 0;
  for (int round = 0; round < 20; ++round) {
    for (int i = 0; i < 50; ++i) {
      wire::ChallengeRequest r;
      r.set_connection_id(rng.next() | 1);
      r.set_my_timestamp(rng.next());
      r.set_protocol_version(13);
      PeerAddress from = PeerAddress::fromIPv4(0xc6336400 + (rng.next() & 0xff), 2000 + i);
      h.listen().onDatagram(h.now(), from, control(r));
      ++flood_replies_expected;
    }
    h.runFor(1 * kMs);
  }
  h.runFor(100 * kMs);
  EXPECT_EQ(c->state(), ConnectionState::kConnected);
  EXPECT_EQ(h.listen().connectionCount(), 1u);
  int replies = 0;
  for (const auto& d : h.log()) {
    if (d.lead() != wire::kLeadChallengeReply) continue;
    EXPECT_EQ(d.bytes.size(), 26u);  // no amplification: 26 bytes for 512
    ++replies;
  }
  EXPECT_EQ(replies, flood_replies_expected + 1);
}

TEST(ListenSocketCoreTest, DuplicateIdentityAndIdFromAnotherAddressGets5001) {
  Harness h;
  NetworkingIdentity alice;
  ASSERT_TRUE(alice.setGenericString("alice"));
  UdpConnection* first = h.connect(addr("127.0.0.1:40535"), 0x30ae8a22, alice);
  h.runFor(100 * kMs);
  ASSERT_EQ(first->state(), ConnectionState::kConnected);
  UdpConnection* second = h.connect(addr("127.0.0.1:40999"), 0x30ae8a22, alice);
  h.runFor(100 * kMs);
  EXPECT_EQ(h.listen().connectionCount(), 1u);
  std::vector<SentDatagram> closes;
  for (const auto& d : h.sent(false, wire::kLeadConnectionClosed))
    if (d.to == addr("127.0.0.1:40999")) closes.push_back(d);
  ASSERT_GE(closes.size(), 1u);
  auto closed = std::get<wire::ConnectionClosed>(decodeControl(closes[0].bytes).message);
  EXPECT_EQ(closed.to_connection_id(), 0x30ae8a22u);
  EXPECT_FALSE(closed.has_from_connection_id());
  EXPECT_EQ(closed.reason_code(), 5001u);
  EXPECT_EQ(closes[0].bytes.size(), 512u);
  EXPECT_EQ(second->state(), ConnectionState::kClosedByPeer);
  EXPECT_EQ(second->endReason(), ConnectionEnd::kMiscGeneric);
}

TEST(ListenSocketCoreTest, AnonymousClientWithSameIdFromAnotherAddressGetsItsOwnConnection) {
  Harness h;
  h.connect(addr("127.0.0.1:40535"), 0x30ae8a22);
  h.runFor(100 * kMs);
  UdpConnection* second = h.connect(addr("127.0.0.1:40999"), 0x30ae8a22);
  h.runFor(100 * kMs);
  EXPECT_EQ(second->state(), ConnectionState::kConnected);
  EXPECT_EQ(h.listen().connectionCount(), 2u);
}

// --- a connected pair under attack ---

class ConnectedPairTest : public ::testing::Test {
 protected:
  void SetUp() override {
    c = h.connect();
    h.runFor(100 * kMs);
    s = h.serverConn();
    ASSERT_EQ(c->state(), ConnectionState::kConnected);
    ASSERT_EQ(s->state(), ConnectionState::kConnected);
  }
  Bytes lastDataTo(const PeerAddress& to) {
    for (auto it = h.log().rbegin(); it != h.log().rend(); ++it)
      if (it->to == to && (it->lead() & 0x80)) return it->bytes;
    ADD_FAILURE() << "no data packet";
    return {};
  }
  size_t count(bool to_server, uint8_t lead) { return h.sent(to_server, lead).size(); }

  Harness h;
  UdpConnection* c = nullptr;
  UdpConnection* s = nullptr;
  const PeerAddress client_address = addr("127.0.0.1:40535");
};

TEST_F(ConnectedPairTest, ReplayedTamperedAndTruncatedDataIsDropped) {
  ASSERT_TRUE(c->sendMessage(h.now(), asBytes(std::string("once")), kSendUnreliable).ok());
  h.runFor(10 * kMs);
  ASSERT_EQ(h.events().received[s->localId()], std::vector<std::string>{"once"});
  Bytes packet = lastDataTo(h.server_address);
  const int received_before = h.planeStats().packets_received;
  const size_t log_before = h.log().size();
  for (int i = 0; i < 5; ++i)
    h.inject(client_address, h.server_address, packet);  // replays
  Bytes tampered = packet;
  tampered.back() ^= 1;  // AES-GCM tag no longer verifies
  h.inject(client_address, h.server_address, tampered);
  for (size_t n = 0; n < packet.size(); ++n) {
    h.inject(client_address, h.server_address, ByteSpan(packet).first(n));
  }
  h.runFor(10 * kMs);
  EXPECT_EQ(h.events().received[s->localId()], std::vector<std::string>{"once"});
  EXPECT_EQ(h.planeStats().packets_received, received_before);
  EXPECT_EQ(s->state(), ConnectionState::kConnected);
  // Nothing answered them.
  for (size_t i = log_before; i < h.log().size(); ++i) {
    if (h.log()[i].to == client_address) {
      EXPECT_NE(h.log()[i].lead(), wire::kLeadNoConnection);
    }
  }
}

TEST_F(ConnectedPairTest, WrongIdDataGetsRateLimitedN3) {
  ASSERT_TRUE(c->sendMessage(h.now(), asBytes(std::string("m")), kSendUnreliable).ok());
  h.runFor(10 * kMs);
  Bytes packet = lastDataTo(h.server_address);
  ASSERT_FALSE(packet.empty());
  packet[1] ^= 0x55;  // another to_connection_id
  const uint32_t wrong_id =
      packet[1] | (packet[2] << 8) | (packet[3] << 16) | (static_cast<uint32_t>(packet[4]) << 24);
  const size_t before = count(false, wire::kLeadNoConnection);
  for (int i = 0; i < 10; ++i)
    h.inject(client_address, h.server_address, packet);
  h.runFor(10 * kMs);
  auto n = h.sent(false, wire::kLeadNoConnection);
  ASSERT_EQ(n.size(), before + 1);  // one per 250 ms
  auto n3 = std::get<wire::NoConnection>(decodeControl(n.back().bytes).message);
  EXPECT_EQ(n3.from_connection_id(), wrong_id);
  EXPECT_FALSE(n3.has_to_connection_id());
  h.runFor(300 * kMs);
  h.inject(client_address, h.server_address, packet);
  h.runFor(10 * kMs);
  EXPECT_EQ(count(false, wire::kLeadNoConnection), before + 2);
  EXPECT_EQ(s->state(), ConnectionState::kConnected);
}

TEST_F(ConnectedPairTest, NonMatchingConnectionClosedAtAConnectionIsRateLimited) {
  Bytes closed = control(makeConnectionClosed(0x1234, 0x5678, 1000, ""));
  const size_t before = count(false, wire::kLeadNoConnection);
  for (int i = 0; i < 4; ++i)
    h.inject(client_address, h.server_address, closed);
  h.runFor(10 * kMs);
  EXPECT_EQ(count(false, wire::kLeadNoConnection), before + 1);
  EXPECT_EQ(s->state(), ConnectionState::kConnected);
}

TEST_F(ConnectedPairTest, NoConnectionIsNeverAnsweredAndMustMatchBothIds) {
  const size_t before = h.log().size();
  h.inject(client_address, h.server_address, control(makeNoConnection(c->localId(), 999)));
  h.inject(client_address, h.server_address, control(makeNoConnection(999, s->localId())));
  h.runFor(10 * kMs);
  EXPECT_EQ(s->state(), ConnectionState::kConnected);
  h.inject(client_address, h.server_address, control(makeNoConnection(c->localId(), s->localId())));
  h.runFor(6 * kMs);
  EXPECT_EQ(s->state(), ConnectionState::kClosedByPeer);
  EXPECT_EQ(s->endReason(), ConnectionEnd::kMiscPeerSentNoConnection);
  EXPECT_EQ(s->endDebug(), kPeerSentNoConnectionDebug);
  for (size_t i = before; i < h.log().size(); ++i) {
    if (h.log()[i].to == client_address) {
      EXPECT_NE(h.log()[i].lead(), wire::kLeadNoConnection);
    }
  }
  // N2: data with the right ID while ClosedByPeer, one per packet (not rate limited).
  ASSERT_TRUE(c->sendMessage(h.now(), asBytes(std::string("x")), kSendUnreliable).ok());
  h.runFor(1 * kMs);
  ASSERT_TRUE(c->sendMessage(h.now(), asBytes(std::string("y")), kSendUnreliable).ok());
  h.runFor(20 * kMs);
  auto n = h.sent(false, wire::kLeadNoConnection);
  ASSERT_EQ(n.size(), 2u);
  for (const auto& d : n) {
    auto n2 = std::get<wire::NoConnection>(decodeControl(d.bytes).message);
    EXPECT_EQ(n2.from_connection_id(), s->localId());
    EXPECT_EQ(n2.to_connection_id(), c->localId());
  }
  // The client accepts N2 (both IDs match) and becomes ClosedByPeer 5010.
  EXPECT_EQ(c->state(), ConnectionState::kClosedByPeer);
  EXPECT_EQ(c->endReason(), ConnectionEnd::kMiscPeerSentNoConnection);
}

TEST_F(ConnectedPairTest, PacketNumberLurchFailsWith5001) {
  // Forge the next packet from the client with a number 0x4001 ahead: possible only for
  // someone holding the keys, so build it with a NULL-cipher pair instead.
  Harness::Options o;
  o.client_unencrypted = 3;
  o.server_unencrypted = 3;
  Harness n(o);
  UdpConnection* nc = n.connect();
  n.runFor(100 * kMs);
  UdpConnection* ns = n.serverConn();
  ASSERT_EQ(ns->state(), ConnectionState::kConnected);
  ASSERT_TRUE(nc->sendMessage(n.now(), asBytes(std::string("a")), kSendUnreliable).ok());
  n.runFor(10 * kMs);
  Bytes packet;
  for (auto it = n.log().rbegin(); it != n.log().rend(); ++it)
    if (it->to == n.server_address && (it->lead() & 0x80)) {
      packet = it->bytes;
      break;
    }
  ASSERT_FALSE(packet.empty());
  auto view = wire::decodeDataPacket(packet);
  ASSERT_TRUE(view.ok());
  // Within int16 expansion but more than 0x4000 ahead of the highest received.
  const uint16_t lurch = static_cast<uint16_t>(view->header.wire_packet_number + 0x4001);
  packet[5] = static_cast<uint8_t>(lurch & 0xff);
  packet[6] = static_cast<uint8_t>(lurch >> 8);
  n.inject(client_address, n.server_address, packet);
  n.runFor(10 * kMs);
  EXPECT_EQ(ns->state(), ConnectionState::kProblemDetectedLocally);
  EXPECT_EQ(ns->endReason(), ConnectionEnd::kMiscGeneric);
}

TEST_F(ConnectedPairTest, GarbageFromThePeerAddressDoesNotBreakTheConnection) {
  Lcg rng;
  for (int i = 0; i < 2000; ++i) {
    Bytes d(rng.next() % 600);
    for (auto& b : d)
      b = static_cast<uint8_t>(rng.next());
    if (d.size() > 5 && i % 2 == 0) {
      d[0] = 0x80;  // data with our ID and a random number
      d[1] = static_cast<uint8_t>(s->localId());
      d[2] = static_cast<uint8_t>(s->localId() >> 8);
      d[3] = static_cast<uint8_t>(s->localId() >> 16);
      d[4] = static_cast<uint8_t>(s->localId() >> 24);
    }
    s->onDatagram(h.now(), d);
  }
  EXPECT_EQ(s->state(), ConnectionState::kConnected);
  ASSERT_TRUE(c->sendMessage(h.now(), asBytes(std::string("still here")), kSendReliable).ok());
  h.runFor(100 * kMs);
  EXPECT_EQ(h.events().received[s->localId()], std::vector<std::string>{"still here"});
}

}  // namespace
}  // namespace opengns::connection
