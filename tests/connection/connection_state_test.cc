// The pure rules under the state machine: collapse and wire state (lifecycle.md §1.1),
// closeConnection reasons (§2.2), close packets and matching (udp.md §2.6-2.7, §5.6),
// the spam limiter (§5.7), the liveness bookkeeping (lifecycle.md §5.3) and the
// description / flags (lifecycle.md §8.2-8.3, checked against the vectors' app events).
#include "connection/connection_state.h"

#include <gtest/gtest.h>

#include "connection/close_packets.h"
#include "connection/connection_description.h"
#include "connection/liveness_tracker.h"
#include "connection/reply_rate_limiter.h"
#include "support/vectors.h"

namespace opengns::connection {
namespace {

using S = ConnectionState;
constexpr snp::Usec kMs = snp::kUsecPerMsec;
constexpr snp::Usec kSec = snp::kUsecPerSec;

TEST(ConnectionStateTest, CollapseAndNotify) {
  EXPECT_EQ(collapseState(S::kFinWait), S::kNone);
  EXPECT_EQ(collapseState(S::kLinger), S::kNone);
  EXPECT_EQ(collapseState(S::kDead), S::kNone);
  EXPECT_EQ(collapseState(S::kClosedByPeer), S::kClosedByPeer);
  EXPECT_FALSE(shouldNotify(S::kLinger, S::kFinWait));   // T15
  EXPECT_FALSE(shouldNotify(S::kFinWait, S::kDead));     // T19
  EXPECT_TRUE(shouldNotify(S::kConnected, S::kLinger));  // T14: 3 -> 0
  EXPECT_TRUE(shouldNotify(S::kClosedByPeer, S::kFinWait));
}

TEST(ConnectionStateTest, WireStateTable) {
  EXPECT_EQ(nextWireState(S::kConnected, S::kConnected, S::kLinger), S::kConnected);
  EXPECT_EQ(nextWireState(S::kClosedByPeer, S::kClosedByPeer, S::kFinWait), S::kClosedByPeer);
  EXPECT_EQ(nextWireState(S::kProblemDetectedLocally, S::kProblemDetectedLocally, S::kFinWait),
            S::kProblemDetectedLocally);
  EXPECT_EQ(nextWireState(S::kConnecting, S::kConnecting, S::kFinWait), S::kFinWait);
  EXPECT_EQ(nextWireState(S::kLinger, S::kConnected, S::kFinWait), S::kFinWait);
  EXPECT_EQ(nextWireState(S::kConnected, S::kConnected, S::kClosedByPeer), S::kClosedByPeer);
}

TEST(ConnectionStateTest, AppCloseReasons) {
  EXPECT_EQ(appCloseReason(0, "").reason, ConnectionEnd::kAppGeneric);
  EXPECT_EQ(appCloseReason(0, "").debug, kDefaultAppCloseDebug);
  EXPECT_EQ(appCloseReason(1500, "x").reason, static_cast<ConnectionEnd>(1500));
  EXPECT_EQ(appCloseReason(1500, "x").debug, "x");
  EXPECT_EQ(appCloseReason(2999, "").debug, kDefaultAppExceptionCloseDebug);
  for (int bad : {-1, 1, 999, 3000, 5003, 100000}) {
    AppCloseReason r = appCloseReason(bad, "mine");
    EXPECT_EQ(r.reason, ConnectionEnd::kAppMax) << bad;
    EXPECT_EQ(r.debug, kInvalidReasonDebug) << bad;
  }
  EXPECT_EQ(appCloseReason(1000, std::string(300, 'a')).debug.size(), 127u);
  EXPECT_EQ(truncateEndDebug(std::string(127, 'b')).size(), 127u);
}

TEST(ClosePacketsTest, ShapesAndMatching) {
  wire::ConnectionClosed closed = makeConnectionClosed(7, 0, 1000, "");
  EXPECT_FALSE(closed.has_to_connection_id());
  EXPECT_FALSE(closed.has_debug());
  EXPECT_EQ(closed.from_connection_id(), 7u);
  EXPECT_EQ(makeConnectionClosed(7, 9, 1000, std::string(200, 'z')).debug().size(), 127u);

  // N1 echo swaps and drops zeros; nothing at all when both are zero.
  auto echo = echoNoConnection(makeConnectionClosed(7, 9, 1000, ""));
  ASSERT_TRUE(echo);
  EXPECT_EQ(echo->from_connection_id(), 9u);
  EXPECT_EQ(echo->to_connection_id(), 7u);
  EXPECT_FALSE(echo->has_to_connection_id() && echo->to_connection_id() == 0);
  EXPECT_FALSE(echoNoConnection(makeConnectionClosed(0, 0, 1000, "")));
  auto half = echoNoConnection(makeConnectionClosed(7, 0, 1000, ""));
  ASSERT_TRUE(half);
  EXPECT_FALSE(half->has_from_connection_id());

  // Matching (udp.md §2.6): to = mine, or to absent and from = the known remote.
  EXPECT_TRUE(connectionClosedMatches(makeConnectionClosed(5, 1, 0, ""), 1, 5));
  EXPECT_TRUE(connectionClosedMatches(makeConnectionClosed(5, 0, 0, ""), 1, 5));
  EXPECT_FALSE(connectionClosedMatches(makeConnectionClosed(5, 2, 0, ""), 1, 5));
  EXPECT_FALSE(connectionClosedMatches(makeConnectionClosed(6, 0, 0, ""), 1, 5));
  EXPECT_FALSE(connectionClosedMatches(makeConnectionClosed(0, 0, 0, ""), 1, 0));
  // NoConnection (udp.md §2.7): both must match; absent from matches unknown remote.
  EXPECT_TRUE(noConnectionMatches(makeNoConnection(5, 1), 1, 5));
  EXPECT_FALSE(noConnectionMatches(makeNoConnection(5, 0), 1, 5));
  EXPECT_TRUE(noConnectionMatches(makeNoConnection(0, 1), 1, 0));
  EXPECT_FALSE(noConnectionMatches(makeNoConnection(6, 1), 1, 5));
}

TEST(ReplyRateLimiterTest, OnePer250ms) {
  ReplyRateLimiter limiter;
  EXPECT_TRUE(limiter.allow(1000 * kMs));
  EXPECT_FALSE(limiter.allow(1000 * kMs + 249 * kMs));
  EXPECT_TRUE(limiter.allow(1000 * kMs + 250 * kMs));
}

TEST(LivenessTrackerTest, ReplyTimeoutFormula) {
  EXPECT_EQ(LivenessTracker::replyTimeout(std::nullopt, false), 1250 * kMs);
  EXPECT_EQ(LivenessTracker::replyTimeout(std::nullopt, true), 1450 * kMs);
  EXPECT_EQ(LivenessTracker::replyTimeout(10 * kMs, false), 270 * kMs);
  EXPECT_EQ(LivenessTracker::replyTimeout(900 * kMs, false), 1250 * kMs);
}

TEST(LivenessTrackerTest, SilentPeerTimeline) {
  // lifecycle.md §5.3 with no ping known: keepalive at 10 s, first timeout at 11.45 s,
  // urgent pings every 1.25 s, death at 11.45 + 10 s once 4 timeouts are counted.
  LivenessTracker t(0);
  const snp::Usec tc = 10 * kSec;
  EXPECT_FALSE(t.needsKeepalive(10 * kSec - 1));
  EXPECT_EQ(t.nextWakeTime(tc), 10 * kSec);
  EXPECT_TRUE(t.needsKeepalive(10 * kSec));
  t.onSentExpectingReply(10 * kSec, std::nullopt, true);
  EXPECT_FALSE(t.needsKeepalive(10 * kSec));
  EXPECT_EQ(t.nextWakeTime(tc), 11450 * kMs);
  snp::Usec now = 11450 * kMs;
  t.onTimer(now);
  EXPECT_EQ(t.replyTimeouts(), 1);
  while (!t.isDead(now, tc)) {
    ASSERT_LT(now, 30 * kSec);
    if (t.needsUrgentPing(now)) {
      t.onUrgentPingSent(now);
      t.onSentExpectingReply(now, std::nullopt, false);
    }
    now = t.nextWakeTime(tc);
    t.onTimer(now);
  }
  EXPECT_EQ(now, 21450 * kMs);
  EXPECT_GE(t.replyTimeouts(), 4);
  // Anything received resets it all.
  t.onReceived(now);
  EXPECT_EQ(t.replyTimeouts(), 0);
  EXPECT_FALSE(t.isDead(now + tc, tc));
}

TEST(LivenessTrackerTest, TimeoutConnectedZeroDiesAfterFourTimeouts) {
  LivenessTracker t(0);
  snp::Usec now = 0;
  for (int i = 0; i < 4; ++i) {
    t.onSentExpectingReply(now, 0, false);
    now += 250 * kMs;
    t.onTimer(now);
    EXPECT_EQ(t.isDead(now, 0), i == 3) << i;
  }
}

TEST(ConnectionDescriptionTest, MatchesTheVectorsAppEvents) {
  OPENGNS_REQUIRE_SHARED();
  // Every status event of the lossless sessions: rebuild the description from its parts.
  int checked = 0;
  for (const char* session : {"encrypted_session", "unencrypted_session", "ipv6_session"}) {
    auto doc =
        testing::loadJson(testing::vectorsDir() / (std::string(session) + ".app_messages.json"));
    for (const auto& e : doc["app_events"]) {
      if (e.value("event", "") != "status") continue;
      const std::string text = e["description"];
      // "#<id> UDP [identity@]<addr>"
      const size_t space = text.find(' ');
      const uint32_t id = static_cast<uint32_t>(std::stoul(text.substr(1, space - 1)));
      std::string rest = text.substr(space + 5);
      NetworkingIdentity identity;
      if (size_t at = rest.find('@'); at != std::string::npos) {
        ASSERT_EQ(rest.substr(0, at), "invalid");
        rest = rest.substr(at + 1);
      }
      auto address = NetworkingIPAddr::parse(rest);
      ASSERT_TRUE(address) << rest;
      if (text.find('@') == std::string::npos) identity.setIPAddr(*address);
      EXPECT_EQ(describeUdpConnection(id, identity, *address), text);
      // Flags: loopback (Fast) and unauthenticated always; Unencrypted unless AES.
      const int flags = e["info_flags"];
      EXPECT_EQ(flags & ~kConnectionInfoFlagUnencrypted,
                udpConnectionInfoFlags(false, true, false, *address));
      ++checked;
    }
  }
  EXPECT_GT(checked, 10);
  EXPECT_EQ(udpConnectionInfoFlags(false, false, false, *NetworkingIPAddr::parse("127.0.0.1:1")),
            11);
  EXPECT_EQ(udpConnectionInfoFlags(false, true, false, *NetworkingIPAddr::parse("127.0.0.1:1")), 9);
  EXPECT_EQ(udpConnectionInfoFlags(false, true, false, *NetworkingIPAddr::parse("10.1.1.1:1")), 1);
  NetworkingIdentity str;
  ASSERT_TRUE(str.setGenericString("bob"));
  EXPECT_EQ(describeUdpConnection(5, str, *NetworkingIPAddr::parse("10.1.1.1:7"), "game"),
            "#5 UDP str:bob@10.1.1.1:7 'game'");
}

}  // namespace
}  // namespace opengns::connection
