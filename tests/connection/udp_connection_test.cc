// UdpConnection against a ListenSocketCore in virtual time: handshake, retries, timeouts,
// accept/reject, closing, Linger, FinWait, keepalives and the death rule.
#include "connection/udp_connection.h"

#include <gtest/gtest.h>

#include "connection/connection_state.h"
#include "connection_harness.h"
#include "wire/data_header.h"
#include "wire/inline_stats.h"

namespace opengns::connection {
namespace {

using testing_util::addr;
using testing_util::decodeControl;
using testing_util::Harness;
using testing_util::SentDatagram;
using wire::kLeadChallengeReply;
using wire::kLeadChallengeRequest;
using wire::kLeadConnectionClosed;
using wire::kLeadConnectOK;
using wire::kLeadConnectRequest;
using wire::kLeadNoConnection;

constexpr snp::Usec kMs = snp::kUsecPerMsec;
constexpr snp::Usec kSec = snp::kUsecPerSec;

bool isData(const SentDatagram& d) {
  return (d.lead() & 0x80) != 0;
}

std::vector<std::pair<int, int>> transitions(const Harness& h, uint32_t id) {
  std::vector<std::pair<int, int>> out;
  for (const auto& e : const_cast<Harness&>(h).events().eventsFor(id)) {
    out.emplace_back(static_cast<int>(e.old_state), static_cast<int>(e.info.connection_state));
  }
  return out;
}

using Transitions = std::vector<std::pair<int, int>>;

void expectHandshake(int client_unencrypted, int server_unencrypted, int expected_flags) {
  Harness::Options o;
  o.client_unencrypted = client_unencrypted;
  o.server_unencrypted = server_unencrypted;
  Harness h(o);
  UdpConnection* c = h.connect();
  ASSERT_NE(c, nullptr);
  h.runFor(100 * kMs);
  ASSERT_EQ(c->state(), ConnectionState::kConnected);
  UdpConnection* s = h.serverConn();
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->state(), ConnectionState::kConnected);
  EXPECT_EQ(c->remoteId(), s->localId());
  EXPECT_EQ(s->remoteId(), c->localId());

  // lifecycle.md §1.3 normal connect: client 0->1, 1->3; server 0->1, 1->3.
  EXPECT_EQ(transitions(h, c->localId()), (Transitions{{0, 1}, {1, 3}}));
  EXPECT_EQ(transitions(h, s->localId()), (Transitions{{0, 1}, {1, 3}}));
  // Descriptions and flags as in the vectors (encrypted_session app events).
  auto ce = h.events().eventsFor(c->localId());
  EXPECT_EQ(ce[0].info.debug_description, "#816744994 UDP invalid@127.0.0.1:27020");
  EXPECT_EQ(ce[0].info.info_flags, 11);
  EXPECT_EQ(ce[1].info.debug_description, "#816744994 UDP 127.0.0.1:27020");
  EXPECT_EQ(ce[1].info.info_flags, expected_flags);
  EXPECT_EQ(ce[1].info.identity.toString(), "ip:127.0.0.1:27020");
  auto se = h.events().eventsFor(s->localId());
  EXPECT_EQ(se[0].info.debug_description, "#1187063328 UDP 127.0.0.1:40535");
  EXPECT_EQ(se[0].info.info_flags, 11);
  EXPECT_EQ(se[0].info.listen_socket, ListenSocketHandle{0x10001});
  EXPECT_EQ(se[1].info.info_flags, expected_flags);
  EXPECT_EQ(ce[0].info.listen_socket, kInvalidListenSocket);

  // Packet order: 0x20, 0x21, 0x22, 0x23 and nothing else during the handshake.
  ASSERT_GE(h.log().size(), 4u);
  EXPECT_EQ(h.log()[0].lead(), kLeadChallengeRequest);
  EXPECT_EQ(h.log()[1].lead(), kLeadChallengeReply);
  EXPECT_EQ(h.log()[2].lead(), kLeadConnectRequest);
  EXPECT_EQ(h.log()[3].lead(), kLeadConnectOK);

  // Messages both ways; the first data packet each way is number 2, flag byte 0x80.
  ASSERT_TRUE(c->sendMessage(h.now(), asBytes(std::string("hello server")), kSendReliable).ok());
  ASSERT_TRUE(s->sendMessage(h.now(), asBytes(std::string("hello client")), kSendReliable).ok());
  h.runFor(200 * kMs);
  EXPECT_EQ(h.events().received[s->localId()], std::vector<std::string>{"hello server"});
  EXPECT_EQ(h.events().received[c->localId()], std::vector<std::string>{"hello client"});
  for (bool to_server : {true, false}) {
    std::vector<SentDatagram> data;
    for (auto& d : h.sent(to_server))
      if (isData(d)) data.push_back(d);
    ASSERT_FALSE(data.empty());
    auto view = wire::decodeDataPacket(data[0].bytes);
    ASSERT_TRUE(view.ok()) << view.status();
    EXPECT_EQ(view->flags, 0x80);
    EXPECT_EQ(view->header.wire_packet_number, 2);
    EXPECT_EQ(view->header.to_connection_id, to_server ? s->localId() : c->localId());
  }
}

TEST(UdpConnectionTest, HandshakeAesGcm) {
  expectHandshake(0, 0, 9);
}
TEST(UdpConnectionTest, HandshakeNullCipher) {
  expectHandshake(3, 3, 11);
}

TEST(UdpConnectionTest, ChallengeRequestsRetryEvery500msUnderLoss) {
  Harness h;
  int dropped = 0;
  // Lose the first three ChallengeRequests on the way to the server.
  h.drop = [&](const SentDatagram& d) {
    return d.lead() == kLeadChallengeRequest && dropped++ < 3;
  };
  const snp::Usec t0 = h.now();
  UdpConnection* c = h.connect();
  h.runFor(3 * kSec);
  ASSERT_EQ(c->state(), ConnectionState::kConnected);
  std::vector<SentDatagram> requests = h.sent(true, kLeadChallengeRequest);
  ASSERT_EQ(requests.size(), 4u);
  std::set<uint64_t> timestamps;
  for (size_t i = 0; i < requests.size(); ++i) {
    EXPECT_EQ(requests[i].at, t0 + static_cast<snp::Usec>(i) * 500 * kMs) << i;
    auto msg = std::get<wire::ChallengeRequest>(decodeControl(requests[i].bytes).message);
    timestamps.insert(msg.my_timestamp());
    EXPECT_EQ(msg.my_timestamp(), static_cast<uint64_t>(requests[i].at));
  }
  EXPECT_EQ(timestamps.size(), 4u);  // a new my_timestamp each time
}

TEST(UdpConnectionTest, LostConnectRequestRestartsFromChallenge500msLater) {
  Harness h;
  bool dropped = false;
  h.drop = [&](const SentDatagram& d) {
    if (d.lead() == kLeadConnectRequest && !dropped) return dropped = true;
    return false;
  };
  UdpConnection* c = h.connect();
  h.runFor(2 * kSec);
  ASSERT_EQ(c->state(), ConnectionState::kConnected);
  auto connect_requests = h.sent(true, kLeadConnectRequest);
  auto challenge_requests = h.sent(true, kLeadChallengeRequest);
  ASSERT_EQ(connect_requests.size(), 2u);
  ASSERT_EQ(challenge_requests.size(), 2u);
  // udp.md §5.1 step 2: 500 ms measured from the last request of either kind.
  EXPECT_EQ(challenge_requests[1].at, connect_requests[0].at + 500 * kMs);
}

TEST(UdpConnectionTest, LostConnectOKIsResentForTheRetryEchoingTheFirstRequest) {
  Harness h;
  bool dropped = false;
  h.drop = [&](const SentDatagram& d) {
    if (d.lead() == kLeadConnectOK && !dropped) return dropped = true;
    return false;
  };
  UdpConnection* c = h.connect();
  h.runFor(2 * kSec);
  ASSERT_EQ(c->state(), ConnectionState::kConnected);
  auto oks = h.sent(false, kLeadConnectOK);
  ASSERT_EQ(oks.size(), 2u);
  auto first_request = std::get<wire::ConnectRequest>(
      decodeControl(h.sent(true, kLeadConnectRequest)[0].bytes).message);
  auto first_request_arrival = h.sent(true, kLeadConnectRequest)[0].at + h.options_.lag_usec;
  auto ok2 = std::get<wire::ConnectOK>(decodeControl(oks[1].bytes).message);
  // udp.md §2.5: the resent ConnectOK echoes the FIRST request, delay from its arrival.
  EXPECT_EQ(ok2.your_timestamp(), first_request.my_timestamp());
  EXPECT_EQ(static_cast<snp::Usec>(ok2.delay_time_usec()), oks[1].at - first_request_arrival);
  // The retry was a ChallengeRequest routed to the Connected connection (no new reply).
  EXPECT_EQ(h.sent(false, kLeadChallengeReply).size(), 1u);
  EXPECT_EQ(h.listen().connectionCount(), 1u);
}

TEST(UdpConnectionTest, ConnectTimeoutAgainstSilentServer) {
  Harness h;
  h.drop = [](const SentDatagram& d) { return d.to == addr("127.0.0.1:27020"); };
  const snp::Usec t0 = h.now();
  UdpConnection* c = h.connect();
  h.runFor(9999 * kMs);
  EXPECT_EQ(c->state(), ConnectionState::kConnecting);
  h.runFor(2 * kMs);
  ASSERT_EQ(c->state(), ConnectionState::kProblemDetectedLocally);
  EXPECT_EQ(c->endReason(), ConnectionEnd::kMiscTimeout);
  EXPECT_EQ(c->endDebug(), kConnectTimeoutDebug);
  // udp.md §5.1: 20 requests at t0 + k * 0.5 s, then the ConnectionClosed at t0 + 10 s.
  auto requests = h.sent(true, kLeadChallengeRequest);
  ASSERT_EQ(requests.size(), 20u);
  EXPECT_EQ(requests.back().at, t0 + 9500 * kMs);
  auto closes = h.sent(true, kLeadConnectionClosed);
  ASSERT_EQ(closes.size(), 1u);
  EXPECT_EQ(closes[0].at, t0 + 10 * kSec);
  EXPECT_EQ(closes[0].bytes.size(), 512u);
  auto closed = std::get<wire::ConnectionClosed>(decodeControl(closes[0].bytes).message);
  EXPECT_EQ(closed.from_connection_id(), c->localId());
  EXPECT_FALSE(closed.has_to_connection_id());
  EXPECT_EQ(closed.reason_code(), 5003u);
  EXPECT_EQ(transitions(h, c->localId()), (Transitions{{0, 1}, {1, 5}}));
  // The app closes: FinWait, the same ConnectionClosed once more, dead 5 s later.
  EXPECT_TRUE(c->close(h.now(), 0, "", false));
  EXPECT_FALSE(c->close(h.now(), 0, "", false));  // handle no longer visible
  EXPECT_EQ(h.sent(true, kLeadConnectionClosed).size(), 2u);
  EXPECT_EQ(h.sent(true, kLeadConnectionClosed)[1].bytes, closes[0].bytes);
  EXPECT_EQ(c->endReason(), ConnectionEnd::kMiscTimeout);  // first reason wins
  const snp::Usec closed_at = h.now();
  h.runFor(6 * kSec);
  EXPECT_TRUE(c->isDead());
  EXPECT_EQ(h.events().dead[c->localId()], closed_at + 5 * kSec);
}

TEST(UdpConnectionTest, NeverAcceptedTimesOutOnTheServer) {
  Harness::Options o;
  o.auto_accept = false;
  o.client_timeout_initial_ms = 20000;  // the server's timer fires first
  Harness h(o);
  UdpConnection* c = h.connect();
  h.runFor(100 * kMs);
  UdpConnection* s = h.serverConn();
  ASSERT_NE(s, nullptr);
  const snp::Usec created = h.events().eventsFor(s->localId())[0].at;
  h.runFor(12 * kSec);
  EXPECT_EQ(s->state(), ConnectionState::kProblemDetectedLocally);
  EXPECT_EQ(s->endReason(), ConnectionEnd::kMiscTimeout);
  EXPECT_EQ(s->endDebug(), kAcceptTimeoutDebug);
  auto se = h.events().eventsFor(s->localId());
  ASSERT_EQ(se.size(), 2u);
  EXPECT_EQ(se[1].at, created + 10 * kSec);
  auto closes = h.sent(false, kLeadConnectionClosed);
  ASSERT_EQ(closes.size(), 1u);
  auto closed = std::get<wire::ConnectionClosed>(decodeControl(closes[0].bytes).message);
  EXPECT_EQ(closed.to_connection_id(), c->localId());
  EXPECT_EQ(closed.from_connection_id(), s->localId());
  EXPECT_EQ(closed.reason_code(), 5003u);
  // The client becomes ClosedByPeer with the server's reason and echoes a NoConnection.
  EXPECT_EQ(c->state(), ConnectionState::kClosedByPeer);
  EXPECT_EQ(c->endReason(), ConnectionEnd::kMiscTimeout);
  EXPECT_EQ(transitions(h, c->localId()), (Transitions{{0, 1}, {1, 4}}));
  auto echoes = h.sent(true, kLeadNoConnection);
  ASSERT_EQ(echoes.size(), 1u);
  auto echo = std::get<wire::NoConnection>(decodeControl(echoes[0].bytes).message);
  EXPECT_EQ(echo.from_connection_id(), c->localId());
  EXPECT_EQ(echo.to_connection_id(), s->localId());
  // While waiting for the app, the client's retries were routed to the pending
  // connection and ignored: exactly one ChallengeReply went out.
  EXPECT_EQ(h.sent(false, kLeadChallengeReply).size(), 1u);
  EXPECT_GT(h.sent(true, kLeadChallengeRequest).size(), 10u);
  EXPECT_EQ(s->accept(h.now()), Result::kInvalidState);
}

TEST(UdpConnectionTest, AppRejectsByClosingBeforeAccept) {
  Harness::Options o;
  o.auto_accept = false;
  Harness h(o);
  UdpConnection* c = h.connect();
  h.runFor(100 * kMs);
  UdpConnection* s = h.serverConn();
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->close(h.now(), 1234, "go away", false));
  EXPECT_EQ(s->accept(h.now()), Result::kInvalidParam);
  h.runFor(100 * kMs);
  EXPECT_EQ(c->state(), ConnectionState::kClosedByPeer);
  EXPECT_EQ(c->endReason(), static_cast<ConnectionEnd>(1234));
  EXPECT_EQ(c->endDebug(), "go away");
  EXPECT_EQ(c->remoteId(), 0u);  // not learned from the ConnectionClosed (udp.md §5.6)
  EXPECT_EQ(transitions(h, s->localId()), (Transitions{{0, 1}, {1, 0}}));
  // The client app closes: N2 carries only from = C (udp.md §5.6).
  EXPECT_TRUE(c->close(h.now(), 0, "", false));
  auto n = h.sent(true, kLeadNoConnection);
  ASSERT_EQ(n.size(), 2u);
  auto n2 = std::get<wire::NoConnection>(decodeControl(n[1].bytes).message);
  EXPECT_EQ(n2.from_connection_id(), c->localId());
  EXPECT_FALSE(n2.has_to_connection_id());
}

TEST(UdpConnectionTest, AcceptFailsWithoutCommonCipher) {
  Harness::Options o;
  o.client_unencrypted = 3;  // NULL only
  o.server_unencrypted = 0;  // AES only
  Harness h(o);
  UdpConnection* c = h.connect();
  h.runFor(100 * kMs);
  UdpConnection* s = h.serverConn();
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(h.accept_results_[s->localId()], Result::kHandshakeFailed);
  EXPECT_EQ(s->state(), ConnectionState::kProblemDetectedLocally);
  EXPECT_EQ(s->endReason(), ConnectionEnd::kRemoteBadCrypt);
  EXPECT_EQ(h.sent(false, kLeadConnectOK).size(), 0u);
  EXPECT_EQ(c->state(), ConnectionState::kClosedByPeer);
  EXPECT_EQ(c->endReason(), ConnectionEnd::kRemoteBadCrypt);
  // A second copy when the server app closes (udp.md §5.2).
  s->close(h.now(), 0, "", false);
  EXPECT_EQ(h.sent(false, kLeadConnectionClosed).size(), 2u);
}

TEST(UdpConnectionTest, CloseWithReasonSeenByPeerAndTwoNoConnections) {
  Harness h;
  UdpConnection* c = h.connect();
  h.runFor(100 * kMs);
  UdpConnection* s = h.serverConn();
  ASSERT_EQ(c->state(), ConnectionState::kConnected);
  EXPECT_TRUE(c->close(h.now(), 1000, "goodbye from vector client", true));
  EXPECT_EQ(c->state(), ConnectionState::kFinWait);  // nothing pending: straight to FinWait
  h.runFor(20 * kMs);
  EXPECT_EQ(s->state(), ConnectionState::kClosedByPeer);
  EXPECT_EQ(s->endReason(), ConnectionEnd::kAppGeneric);
  EXPECT_EQ(s->endDebug(), "goodbye from vector client");
  s->close(h.now(), 0, "ignored", false);  // T17: N2
  EXPECT_EQ(s->endDebug(), "goodbye from vector client");
  h.runFor(20 * kMs);
  auto n = h.sent(false, kLeadNoConnection);
  ASSERT_EQ(n.size(), 2u);
  EXPECT_EQ(n[0].bytes, n[1].bytes);  // two identical NoConnections, as in every capture
  EXPECT_EQ(n[0].bytes.size(), 11u);
  auto nc = std::get<wire::NoConnection>(decodeControl(n[0].bytes).message);
  EXPECT_EQ(nc.from_connection_id(), s->localId());
  EXPECT_EQ(nc.to_connection_id(), c->localId());
  EXPECT_EQ(transitions(h, c->localId()), (Transitions{{0, 1}, {1, 3}, {3, 0}}));
  EXPECT_EQ(transitions(h, s->localId()), (Transitions{{0, 1}, {1, 3}, {3, 4}, {4, 0}}));
  auto last = h.events().eventsFor(s->localId()).back();
  EXPECT_EQ(last.info.end_reason, ConnectionEnd::kAppGeneric);  // x -> 0 keeps the reason
  EXPECT_EQ(h.events().eventsFor(c->localId()).back().info.end_debug, "goodbye from vector client");
}

TEST(UdpConnectionTest, LingerFlushesReliableDataThenCloses) {
  Harness h;
  UdpConnection* c = h.connect();
  h.runFor(100 * kMs);
  UdpConnection* s = h.serverConn();
  bool cut = true;
  h.drop = [&](const SentDatagram& d) { return cut && isData(d) && d.to == h.server_address; };
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c->sendMessage(h.now(), asBytes("m" + std::to_string(i)), kSendReliable).ok());
  }
  h.runFor(50 * kMs);
  EXPECT_TRUE(c->close(h.now(), 1001, "", true));
  EXPECT_EQ(c->state(), ConnectionState::kLinger);
  EXPECT_EQ(c->wireState(), ConnectionState::kConnected);
  EXPECT_EQ(h.sent(true, kLeadConnectionClosed).size(), 0u);
  EXPECT_EQ(transitions(h, c->localId()).back(), std::make_pair(3, 0));
  h.runFor(500 * kMs);
  EXPECT_EQ(c->state(), ConnectionState::kLinger);  // still unacked
  cut = false;
  h.runFor(1 * kSec);
  EXPECT_EQ(h.events().received[s->localId()], (std::vector<std::string>{"m0", "m1", "m2"}));
  EXPECT_EQ(c->state(), ConnectionState::kFinWait);
  EXPECT_EQ(s->state(), ConnectionState::kClosedByPeer);
  EXPECT_EQ(s->endReason(), static_cast<ConnectionEnd>(1001));
  EXPECT_EQ(s->endDebug(), kDefaultAppCloseDebug);
  // Linger -> FinWait posts no event.
  EXPECT_EQ(transitions(h, c->localId()).size(), 3u);
}

TEST(UdpConnectionTest, FinWaitAnswersLatePacketsAndDiesAfter5s) {
  Harness h;
  UdpConnection* c = h.connect();
  h.runFor(100 * kMs);
  UdpConnection* s = h.serverConn();
  // The server does not hear the close; it keeps sending data.
  h.drop = [&](const SentDatagram& d) { return d.to == h.server_address; };
  ASSERT_TRUE(c->close(h.now(), 0, "", false));
  const snp::Usec closed_at = h.now();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(s->sendMessage(h.now(), asBytes(std::string("late")), kSendUnreliable).ok());
    h.runFor(300 * kMs);
  }
  // One ConnectionClosed on entering FinWait + one per late data packet, not limited.
  EXPECT_EQ(h.sent(true, kLeadConnectionClosed).size(), 4u);
  EXPECT_TRUE(h.events().received[c->localId()].empty());
  h.runFor(5 * kSec);
  EXPECT_TRUE(c->isDead());
  EXPECT_EQ(h.events().dead[c->localId()], closed_at + 5 * kSec);
  const size_t before = h.log().size();
  ASSERT_TRUE(s->sendMessage(h.now(), asBytes(std::string("later")), kSendUnreliable).ok());
  h.runFor(100 * kMs);
  for (size_t i = before; i < h.log().size(); ++i)
    EXPECT_NE(h.log()[i].to, h.server_address);
}

TEST(UdpConnectionTest, KeepalivesKeepAnIdleConnectionAliveForAMinute) {
  Harness h;
  UdpConnection* c = h.connect();
  h.runFor(100 * kMs);
  UdpConnection* s = h.serverConn();
  const size_t before = h.log().size();
  h.runFor(60 * kSec);
  EXPECT_EQ(c->state(), ConnectionState::kConnected);
  EXPECT_EQ(s->state(), ConnectionState::kConnected);
  int keepalives = 0;
  for (size_t i = before; i < h.log().size(); ++i) {
    const auto& d = h.log()[i];
    if (d.lead() != 0x81) continue;
    auto view = wire::decodeDataPacket(d.bytes);
    ASSERT_TRUE(view.ok());
    // The keepalive blob `02 18 02`: flags = ACK_REQUEST_E2E only.
    EXPECT_EQ(d.bytes[7], 0x02);
    EXPECT_EQ(d.bytes[8], 0x18);
    EXPECT_EQ(d.bytes[9], 0x02);
    ++keepalives;
  }
  EXPECT_GE(keepalives, 5);   // about one per 10 s of silence
  EXPECT_LE(keepalives, 14);  // not more than one per side per round
}

TEST(UdpConnectionTest, VanishedPeerDiesAtTheDeathRuleTime) {
  Harness h;  // 5 ms one-way lag: handshake ping = 10 ms
  UdpConnection* c = h.connect();
  h.runFor(1 * kSec);
  ASSERT_EQ(c->state(), ConnectionState::kConnected);
  ASSERT_EQ(c->handshakePingMs(), 10);
  h.drop = [](const SentDatagram&) { return true; };
  const snp::Usec last_recv = h.last_client_receive;
  h.runFor(30 * kSec);
  ASSERT_EQ(c->state(), ConnectionState::kProblemDetectedLocally);
  EXPECT_EQ(c->endReason(), ConnectionEnd::kMiscTimeout);
  EXPECT_EQ(c->endDebug(), kConnectionDroppedDebug);
  // lifecycle.md §5.3: keepalive 10 s after last_recv; its reply timeout
  // min(2 x 10 ms + 250 ms, 1250 ms) + 200 ms (delayed ack allowed) = 470 ms later the
  // first timeout starts the clock; death TimeoutConnected (10 s) after that, with >= 4
  // timeouts counted meanwhile (urgent pings every 270 ms).
  const snp::Usec expected = last_recv + 10 * kSec + 470 * kMs + 10 * kSec;
  auto ev = h.events().eventsFor(c->localId());
  ASSERT_EQ(ev.back().info.connection_state, ConnectionState::kProblemDetectedLocally);
  EXPECT_EQ(ev.back().at, expected);
  // Urgent pings (flags 6) were sent at least 200 ms apart.
  std::vector<snp::Usec> urgent;
  for (const auto& d : h.sent(true))
    if (d.lead() == 0x81 && d.bytes.size() > 9 && d.bytes[9] == 0x06) urgent.push_back(d.at);
  ASSERT_GE(urgent.size(), 3u);
  for (size_t i = 1; i < urgent.size(); ++i)
    EXPECT_GE(urgent[i] - urgent[i - 1], 200 * kMs);
}

TEST(UdpConnectionTest, DataPlaneFatalErrorFailsTheConnection) {
  Harness h;
  UdpConnection* c = h.connect();
  h.runFor(100 * kMs);
  UdpConnection* s = h.serverConn();
  ASSERT_TRUE(c->sendMessage(h.now(), asBytes(std::string("FATAL")), kSendUnreliable).ok());
  h.runFor(100 * kMs);
  EXPECT_EQ(s->state(), ConnectionState::kProblemDetectedLocally);
  EXPECT_EQ(s->endReason(), ConnectionEnd::kMiscInternalError);
  EXPECT_EQ(c->state(), ConnectionState::kClosedByPeer);
  EXPECT_EQ(c->endReason(), ConnectionEnd::kMiscInternalError);
  EXPECT_EQ(c->endDebug(), "fake: FATAL frame");
}

TEST(UdpConnectionTest, CloseListenSocketDestroysSilently) {
  Harness h;
  UdpConnection* c = h.connect();
  h.runFor(100 * kMs);
  const uint32_t server_id = h.serverConn()->localId();
  const size_t before = h.log().size();
  h.closeListenSocket();
  EXPECT_EQ(h.log().size(), before);  // nothing sent
  EXPECT_EQ(transitions(h, server_id).back(), std::make_pair(3, 0));
  EXPECT_TRUE(h.events().dead.count(server_id));
  EXPECT_EQ(c->state(), ConnectionState::kConnected);
}

TEST(UdpConnectionTest, BadServerIdInConnectOKFailsWith4002NamingThatId) {
  Harness h;
  // Rewrite the ConnectOK's server id to 0x00010000 (low 16 bits 0) on its way.
  h.drop = [&](const SentDatagram& d) {
    if (d.lead() != kLeadConnectOK) return false;
    auto ok = std::get<wire::ConnectOK>(decodeControl(d.bytes).message);
    if (ok.server_connection_id() == 0x00010000) return false;  // our rewritten copy
    ok.set_server_connection_id(0x00010000);
    h.inject(d.from, d.to, *wire::encodeControlPacket(ok));
    return true;
  };
  UdpConnection* c = h.connect();
  h.runFor(30 * kMs);
  EXPECT_EQ(c->state(), ConnectionState::kProblemDetectedLocally);
  EXPECT_EQ(c->endReason(), ConnectionEnd::kRemoteBadCrypt);
  auto closes = h.sent(true, kLeadConnectionClosed);
  ASSERT_EQ(closes.size(), 1u);
  auto closed = std::get<wire::ConnectionClosed>(decodeControl(closes[0].bytes).message);
  EXPECT_EQ(closed.to_connection_id(), 0x00010000u);
  EXPECT_EQ(closed.reason_code(), 4002u);
}

}  // namespace
}  // namespace opengns::connection
