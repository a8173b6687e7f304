// UdpConnection driving the real SNP engine (SnpDataPlane adapter) in virtual time:
// messages both ways under both ciphers, loss recovery, Linger, keepalives and the death
// rule with real acks.
#include "connection/snp_data_plane.h"

#include <gtest/gtest.h>

#include "connection_harness.h"
#include "wire/data_header.h"

namespace opengns::connection {
namespace {

using testing_util::Harness;
using testing_util::SentDatagram;

constexpr snp::Usec kMs = snp::kUsecPerMsec;
constexpr snp::Usec kSec = snp::kUsecPerSec;

Harness::Options snpOptions(int unencrypted) {
  Harness::Options o;
  o.use_snp = true;
  o.client_unencrypted = unencrypted;
  o.server_unencrypted = unencrypted;
  return o;
}

std::vector<SentDatagram> dataTo(Harness& h, bool to_server) {
  std::vector<SentDatagram> out;
  for (auto& d : h.sent(to_server))
    if (d.lead() & 0x80) out.push_back(d);
  return out;
}

void exchange(int unencrypted) {
  Harness h(snpOptions(unencrypted));
  UdpConnection* c = h.connect();
  h.runFor(100 * kMs);
  UdpConnection* s = h.serverConn();
  ASSERT_EQ(c->state(), ConnectionState::kConnected);
  ASSERT_EQ(s->state(), ConnectionState::kConnected);
  std::vector<std::string> sent;
  for (int i = 0; i < 20; ++i) {
    sent.push_back("reliable #" + std::to_string(i) +
                   std::string(static_cast<size_t>(i) * 50, 'x'));
    ASSERT_TRUE(c->sendMessage(h.now(), asBytes(sent.back()), kSendReliable).ok());
  }
  ASSERT_TRUE(s->sendMessage(h.now(), asBytes(std::string("reply")), kSendReliable).ok());
  h.runFor(500 * kMs);
  EXPECT_EQ(h.events().received[s->localId()], sent);
  EXPECT_EQ(h.events().received[c->localId()], std::vector<std::string>{"reply"});
  for (bool to_server : {true, false}) {
    auto data = dataTo(h, to_server);
    ASSERT_FALSE(data.empty());
    auto view = wire::decodeDataPacket(data[0].bytes);
    ASSERT_TRUE(view.ok());
    EXPECT_EQ(view->header.wire_packet_number, 2);  // udp.md §4.4
    EXPECT_EQ(view->flags, 0x80);
    for (size_t i = 1; i < data.size(); ++i) {
      auto v = wire::decodeDataPacket(data[i].bytes);
      ASSERT_TRUE(v.ok());
      EXPECT_EQ(v->header.wire_packet_number, static_cast<uint16_t>(2 + i));  // never skips
      EXPECT_LE(data[i].bytes.size(), 1255u + (v->flags & 1 ? 45u : 0u));
    }
  }
}

TEST(SnpDataPlaneTest, MessagesBothWaysAesGcm) {
  exchange(0);
}
TEST(SnpDataPlaneTest, MessagesBothWaysNullCipher) {
  exchange(3);
}

TEST(SnpDataPlaneTest, ReliableMessagesSurviveLoss) {
  Harness h(snpOptions(0));
  UdpConnection* c = h.connect();
  h.runFor(100 * kMs);
  UdpConnection* s = h.serverConn();
  ASSERT_EQ(c->state(), ConnectionState::kConnected);
  uint32_t counter = 0;
  h.drop = [&](const SentDatagram& d) { return (d.lead() & 0x80) && (++counter % 4 == 0); };
  std::vector<std::string> sent;
  for (int i = 0; i < 50; ++i) {
    sent.push_back("msg" + std::to_string(i));
    ASSERT_TRUE(c->sendMessage(h.now(), asBytes(sent.back()), kSendReliable).ok());
    h.runFor(5 * kMs);
  }
  h.runFor(5 * kSec);
  EXPECT_EQ(h.events().received[s->localId()], sent);
  EXPECT_EQ(c->state(), ConnectionState::kConnected);
}

TEST(SnpDataPlaneTest, LingerWaitsForAcksThenSendsConnectionClosed) {
  Harness h(snpOptions(0));
  UdpConnection* c = h.connect();
  h.runFor(100 * kMs);
  UdpConnection* s = h.serverConn();
  bool cut = true;
  h.drop = [&](const SentDatagram& d) {
    return cut && (d.lead() & 0x80) && d.to == h.server_address;
  };
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(c->sendMessage(h.now(), asBytes("linger" + std::to_string(i)), kSendReliable).ok());
  }
  h.runFor(20 * kMs);
  ASSERT_TRUE(c->close(h.now(), 1000, "bye", true));
  EXPECT_EQ(c->state(), ConnectionState::kLinger);
  h.runFor(300 * kMs);
  EXPECT_EQ(c->state(), ConnectionState::kLinger);
  cut = false;
  h.runFor(3 * kSec);
  EXPECT_EQ(h.events().received[s->localId()].size(), 5u);
  EXPECT_EQ(c->state(), ConnectionState::kFinWait);
  EXPECT_EQ(s->state(), ConnectionState::kClosedByPeer);
  EXPECT_EQ(s->endDebug(), "bye");
}

TEST(SnpDataPlaneTest, IdleConnectionStaysUpForAMinuteWithKeepalives) {
  Harness h(snpOptions(0));
  UdpConnection* c = h.connect();
  h.runFor(100 * kMs);
  UdpConnection* s = h.serverConn();
  const size_t before = h.log().size();
  h.runFor(60 * kSec);
  EXPECT_EQ(c->state(), ConnectionState::kConnected);
  EXPECT_EQ(s->state(), ConnectionState::kConnected);
  int keepalives = 0;
  for (size_t i = before; i < h.log().size(); ++i)
    if (h.log()[i].lead() == 0x81) ++keepalives;
  EXPECT_GE(keepalives, 5);
}

TEST(SnpDataPlaneTest, VanishedPeerIsDeclaredDeadWith5003) {
  Harness h(snpOptions(0));
  UdpConnection* c = h.connect();
  h.runFor(200 * kMs);
  ASSERT_EQ(c->state(), ConnectionState::kConnected);
  h.drop = [](const SentDatagram&) { return true; };
  const snp::Usec last_recv = h.last_client_receive;
  h.runFor(40 * kSec);
  ASSERT_EQ(c->state(), ConnectionState::kProblemDetectedLocally);
  EXPECT_EQ(c->endReason(), ConnectionEnd::kMiscTimeout);
  const snp::Usec died = h.events().eventsFor(c->localId()).back().at;
  // lifecycle.md §5.3: about 10 s (keepalive) + up to 1.45 s + 10 s after the last packet.
  EXPECT_GE(died, last_recv + 20 * kSec);
  EXPECT_LE(died, last_recv + 22 * kSec);
}

}  // namespace
}  // namespace opengns::connection
