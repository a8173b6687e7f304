// createSocketPair through the public API (lifecycle.md §9, T21), in both modes: the
// in-process pipe (§9.1) and real UDP over 127.0.0.1 (§9.2). Both ends come up Connected
// with no callback; messages go both ways with their fields; the info, status and config
// of each mode; closing either end puts the partner in ClosedByPeer with the same reason;
// poll groups, lanes and identities; and, in loopback mode, fake packet loss that the
// reliable messages survive.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "instance_test_peer.h"
#include "loopback_peers.h"
#include "opengns/networking_sockets.h"

namespace opengns {
namespace {

using testing::bytesOf;
using testing::Peer;
using testing::receiveN;
using testing::stateOf;
using testing::textOf;
using testing::waitUntil;

constexpr uint64_t kSteamId = 76561197960287930ull;  // valid individual SteamID

std::string pattern(size_t size, uint32_t seed) {
  std::string text(size, '\0');
  for (size_t i = 0; i < size; ++i)
    text[i] = static_cast<char>((i * 131 + seed * 7 + (i >> 8)) & 0xff);
  return text;
}

// Tests of both modes: the parameter is createSocketPair's `loopback`.
class SocketPairTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    // 8 MB/s so the big messages of the loopback mode take a fraction of a second (an
    // interface-scope value, inherited by the pair; pipes override it).
    ASSERT_TRUE(peer_->setConfigValue(ConfigValue::kSendRateMin, int32_t{8 << 20}));
    ASSERT_TRUE(peer_->setConfigValue(ConfigValue::kSendRateMax, int32_t{8 << 20}));
  }

  bool loopback() const { return GetParam(); }

  // A pair, checked; {connection1, connection2}.
  std::pair<ConnectionHandle, ConnectionHandle> makePair(
      const NetworkingIdentity& identity1 = NetworkingIdentity(),
      const NetworkingIdentity& identity2 = NetworkingIdentity()) {
    SocketPairResult pair = peer_->createSocketPair(loopback(), identity1, identity2);
    EXPECT_TRUE(pair.success);
    EXPECT_NE(pair.connection1, kInvalidConnection);
    EXPECT_NE(pair.connection2, kInvalidConnection);
    EXPECT_NE(pair.connection1, pair.connection2);
    return {pair.connection1, pair.connection2};
  }

  std::vector<MessagePtr> receive(ConnectionHandle connection, size_t count) {
    return receiveN(peer_, {&peer_}, connection, count);
  }

  Peer peer_;
};

INSTANTIATE_TEST_SUITE_P(Modes, SocketPairTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? std::string("Loopback") : std::string("Pipe");
                         });

TEST_P(SocketPairTest, BothEndsAreConnectedAtOnceWithoutCallbacks) {
  auto [c1, c2] = makePair();
  EXPECT_EQ(stateOf(peer_, c1), ConnectionState::kConnected);
  EXPECT_EQ(stateOf(peer_, c2), ConnectionState::kConnected);
  // Traffic both ways, then every callback queued so far: none is about the pair.
  ASSERT_EQ(peer_->sendMessageToConnection(c1, bytesOf("x"), kSendReliable).result, Result::kOK);
  ASSERT_EQ(peer_->sendMessageToConnection(c2, bytesOf("y"), kSendReliable).result, Result::kOK);
  EXPECT_EQ(receive(c2, 1).size(), 1u);
  EXPECT_EQ(receive(c1, 1).size(), 1u);
  peer_->runNetworkingCallbacks();
  EXPECT_TRUE(peer_.events().empty());
}

TEST_P(SocketPairTest, MessagesGoBothWaysWithTheirFields) {
  auto [c1, c2] = makePair();
  ASSERT_TRUE(peer_->setConnectionUserData(c1, 11));
  ASSERT_TRUE(peer_->setConnectionUserData(c2, 22));
  for (auto [from, to] : {std::pair{c1, c2}, std::pair{c2, c1}}) {
    SendMessageResult r1 = peer_->sendMessageToConnection(from, bytesOf("one"), kSendReliable);
    SendMessageResult r2 = peer_->sendMessageToConnection(from, bytesOf("two"), kSendReliable);
    SendMessageResult u1 = peer_->sendMessageToConnection(from, bytesOf("three"), kSendUnreliable);
    EXPECT_EQ(r1.message_number, 1);  // per lane, from 1
    EXPECT_EQ(r2.message_number, 2);
    EXPECT_EQ(u1.message_number, 3);
    std::vector<MessagePtr> got = receive(to, 3);
    ASSERT_EQ(got.size(), 3u);
    // Unreliable and reliable messages are not ordered relative to each other.
    std::sort(got.begin(), got.end(), [](const MessagePtr& a, const MessagePtr& b) {
      return a->message_number < b->message_number;
    });
    EXPECT_EQ(textOf(*got[0]), "one");
    EXPECT_EQ(textOf(*got[1]), "two");
    EXPECT_EQ(textOf(*got[2]), "three");
    EXPECT_EQ(got[0]->flags, kSendReliable);
    EXPECT_EQ(got[2]->flags, 0);
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(got[i]->message_number, i + 1);
      EXPECT_EQ(got[i]->connection, to);
      EXPECT_EQ(got[i]->receiver_user_data, to == c1 ? 11 : 22);
      EXPECT_EQ(got[i]->identity, peer_->getConnectionInfo(to)->identity);
      EXPECT_EQ(got[i]->lane, 0);
    }
  }
}

TEST_P(SocketPairTest, LargestMessagesArriveWholeBothWays) {
  auto [c1, c2] = makePair();
  const std::string big1 = pattern(kMaxMessageSizeSend, 1);
  const std::string big2 = pattern(kMaxMessageSizeSend, 2);
  ASSERT_EQ(peer_->sendMessageToConnection(c1, bytesOf(big1), kSendReliable).result, Result::kOK);
  ASSERT_EQ(peer_->sendMessageToConnection(c2, bytesOf(big2), kSendReliable).result, Result::kOK);
  std::vector<MessagePtr> at2 = receive(c2, 1);
  std::vector<MessagePtr> at1 = receive(c1, 1);
  ASSERT_EQ(at2.size(), 1u);
  ASSERT_EQ(at1.size(), 1u);
  EXPECT_TRUE(textOf(*at2[0]) == big1);
  EXPECT_TRUE(textOf(*at1[0]) == big2);
}

TEST_P(SocketPairTest, IdentitiesFollowGnsNaming) {
  const NetworkingIdentity alice = *NetworkingIdentity::parse("str:alice");
  const NetworkingIdentity bob = *NetworkingIdentity::parse("str:bob");
  auto [c1, c2] = makePair(alice, bob);
  // Connection 1's REMOTE identity is identity1 (lifecycle.md §9.1 interop note).
  EXPECT_EQ(peer_->getConnectionInfo(c1)->identity, alice);
  EXPECT_EQ(peer_->getConnectionInfo(c2)->identity, bob);
  ASSERT_EQ(peer_->sendMessageToConnection(c1, bytesOf("hi"), kSendReliable).result, Result::kOK);
  std::vector<MessagePtr> got = receive(c2, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]->identity, bob);
  // Absent identities are the localhost one.
  auto [d1, d2] = makePair();
  EXPECT_EQ(peer_->getConnectionInfo(d1)->identity, NetworkingIdentity::localHost());
  EXPECT_EQ(peer_->getConnectionInfo(d2)->identity, NetworkingIdentity::localHost());
}

TEST_P(SocketPairTest, Uint64OverloadTakesZeroAsAbsent) {
  SocketPairResult pair = peer_->createSocketPair(loopback(), kSteamId, 0);
  ASSERT_TRUE(pair.success);
  NetworkingIdentity steam;
  steam.setSteamID(kSteamId);
  EXPECT_EQ(peer_->getConnectionInfo(pair.connection1)->identity, steam);
  EXPECT_EQ(peer_->getConnectionInfo(pair.connection2)->identity, NetworkingIdentity::localHost());
  EXPECT_FALSE(peer_->createSocketPair(loopback(), 0, 1).success);  // 1 is not a SteamID
}

TEST_P(SocketPairTest, ClosingEitherEndClosesThePartner) {
  for (bool close_first : {true, false}) {
    SCOPED_TRACE(close_first ? "closing connection 1" : "closing connection 2");
    auto [c1, c2] = makePair();
    const ConnectionHandle closer = close_first ? c1 : c2;
    const ConnectionHandle partner = close_first ? c2 : c1;
    // A message sent before the close stays readable on the partner (§7.5).
    ASSERT_EQ(peer_->sendMessageToConnection(closer, bytesOf("last words"), kSendReliable).result,
              Result::kOK);
    ASSERT_TRUE(waitUntil({&peer_}, [&] {  // delivered and acknowledged
      std::optional<RealTimeStatus> status =
          peer_->getConnectionRealTimeStatus(closer, 0).connection_status;
      return status->pending_reliable == 0 && status->send_unacknowledged_reliable == 0;
    }));
    ASSERT_TRUE(peer_->closeConnection(closer, 1042, "see you", false));
    EXPECT_FALSE(peer_->getConnectionInfo(closer).has_value());  // invalid at once
    ASSERT_TRUE(waitUntil({&peer_}, [&] {
      return stateOf(peer_, partner) == ConnectionState::kClosedByPeer &&
             !peer_.eventsFor(partner).empty();
    }));
    std::optional<ConnectionInfo> info = peer_->getConnectionInfo(partner);
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(static_cast<int>(info->end_reason), 1042);
    EXPECT_EQ(info->end_debug, "see you");
    EXPECT_EQ(peer_->sendMessageToConnection(partner, bytesOf("late"), kSendReliable).result,
              Result::kNoConnection);
    std::vector<MessagePtr> got;
    EXPECT_EQ(peer_->receiveMessagesOnConnection(partner, 10, &got), 1);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(textOf(*got[0]), "last words");

    // The callback came through runNetworkingCallbacks: 3 -> 4, with the reason.
    std::vector<testing::RecordedEvent> events = peer_.eventsFor(partner);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].old_state, ConnectionState::kConnected);
    EXPECT_EQ(events[0].new_state, ConnectionState::kClosedByPeer);
    EXPECT_EQ(static_cast<int>(events[0].info.end_reason), 1042);
    EXPECT_EQ(events[0].info.end_debug, "see you");
    EXPECT_EQ(peer_.transitionsOf(closer), (std::vector<std::pair<int, int>>{{3, 0}}));

    ASSERT_TRUE(peer_->closeConnection(partner, 0, "", false));
    peer_->runNetworkingCallbacks();
    EXPECT_EQ(peer_.transitionsOf(partner), (std::vector<std::pair<int, int>>{{3, 4}, {4, 0}}));
    EXPECT_FALSE(peer_->getConnectionInfo(partner).has_value());
  }
}

TEST_P(SocketPairTest, PollGroupsCollectBothEnds) {
  auto [c1, c2] = makePair();
  const PollGroupHandle group = peer_->createPollGroup();
  ASSERT_TRUE(peer_->setConnectionPollGroup(c1, group));
  ASSERT_TRUE(peer_->setConnectionPollGroup(c2, group));
  ASSERT_EQ(peer_->sendMessageToConnection(c1, bytesOf("to 2"), kSendReliable).result, Result::kOK);
  ASSERT_EQ(peer_->sendMessageToConnection(c2, bytesOf("to 1"), kSendReliable).result, Result::kOK);
  std::vector<MessagePtr> got;
  ASSERT_TRUE(waitUntil({&peer_}, [&] {
    peer_->receiveMessagesOnPollGroup(group, 10, &got);
    return got.size() >= 2;
  }));
  ASSERT_EQ(got.size(), 2u);
  for (const MessagePtr& message : got) {
    EXPECT_EQ(textOf(*message), message->connection == c2 ? "to 2" : "to 1");
  }
  EXPECT_NE(got[0]->connection, got[1]->connection);
}

TEST_P(SocketPairTest, LanesNumberTheirOwnMessages) {
  auto [c1, c2] = makePair();
  ASSERT_EQ(peer_->configureConnectionLanes(c1, 3, {}, {}), Result::kOK);
  EXPECT_EQ(peer_->sendMessageToConnection(c1, bytesOf("x"), kSendReliable, 3).result,
            Result::kInvalidParam);  // lane not configured
  for (int lane = 0; lane < 3; ++lane) {
    SendMessageResult r =
        peer_->sendMessageToConnection(c1, bytesOf(std::to_string(lane)), kSendReliable, lane);
    EXPECT_EQ(r.message_number, 1);  // each lane numbers from 1
  }
  std::vector<MessagePtr> got = receive(c2, 3);
  ASSERT_EQ(got.size(), 3u);
  for (const MessagePtr& message : got)
    EXPECT_EQ(textOf(*message), std::to_string(message->lane));
  RealTimeStatusResult status = peer_->getConnectionRealTimeStatus(c1, 3);
  EXPECT_EQ(status.result, Result::kOK);
  EXPECT_EQ(status.lanes_status.size(), 3u);
  EXPECT_EQ(peer_->getConnectionRealTimeStatus(c1, 4).result, Result::kInvalidParam);
}

// ---- pipes (§9.1) ----------------------------------------------------------------------------

class PipePairTest : public ::testing::Test {
 protected:
  Peer peer_;
};

TEST_F(PipePairTest, InfoStatusAndConfig) {
  SocketPairResult pair = peer_->createSocketPair(false, 0, 0);
  ASSERT_TRUE(pair.success);
  for (ConnectionHandle handle : {pair.connection1, pair.connection2}) {
    std::optional<ConnectionInfo> info = peer_->getConnectionInfo(handle);
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->connection_state, ConnectionState::kConnected);
    EXPECT_EQ(info->listen_socket, kInvalidListenSocket);
    EXPECT_EQ(info->remote_address, NetworkingIPAddr());
    EXPECT_EQ(info->info_flags, 12);  // LoopbackBuffers | Fast
    EXPECT_EQ(info->debug_description,
              "#" + std::to_string(static_cast<uint32_t>(handle)) + " pipe");
    EXPECT_EQ(info->end_reason, ConnectionEnd::kInvalid);

    RealTimeStatusResult status = peer_->getConnectionRealTimeStatus(handle, 1);
    ASSERT_EQ(status.result, Result::kOK);
    ASSERT_TRUE(status.connection_status.has_value());
    EXPECT_EQ(status.connection_status->state, ConnectionState::kConnected);
    EXPECT_EQ(status.connection_status->ping, 0);
    EXPECT_EQ(status.connection_status->send_rate, 0x10000000);
    EXPECT_EQ(status.connection_status->queue_time, 0);
    EXPECT_EQ(status.lanes_status.size(), 1u);

    // §9.1: effectively unlimited buffers.
    for (ConfigValue id :
         {ConfigValue::kSendRateMin, ConfigValue::kSendRateMax, ConfigValue::kRecvBufferSize,
          ConfigValue::kRecvBufferMessages, ConfigValue::kRecvMaxMessageSize}) {
      ConfigGetResult value = peer_->getConfigValue(handle, id);
      EXPECT_EQ(value.result, GetConfigValueResult::kOK);
      EXPECT_EQ(std::get<int32_t>(value.value), 0x10000000);
    }
    EXPECT_EQ(peer_->acceptConnection(handle), Result::kInvalidParam);
    EXPECT_EQ(peer_->flushMessagesOnConnection(handle), Result::kOK);
  }
  peer_->setConnectionName(pair.connection1, "left");
  EXPECT_EQ(peer_->getConnectionInfo(pair.connection1)->debug_description,
            "#" + std::to_string(static_cast<uint32_t>(pair.connection1)) + " pipe 'left'");

  ASSERT_EQ(peer_->sendMessageToConnection(pair.connection1, bytesOf("abc"), kSendReliable).result,
            Result::kOK);
  DetailedConnectionStatus detailed = peer_->getDetailedConnectionStatus(pair.connection2);
  EXPECT_EQ(detailed.success, 0);
  EXPECT_NE(detailed.buffer.find("connected"), std::string::npos) << detailed.buffer;
  EXPECT_NE(detailed.buffer.find("pipe"), std::string::npos) << detailed.buffer;
}

TEST_F(PipePairTest, MessageGoesStraightToThePartnerQueue) {
  SocketPairResult pair = peer_->createSocketPair(false, 0, 0);
  ASSERT_TRUE(pair.success);
  const auto before = std::chrono::steady_clock::now();
  const int64_t before_usec =
      std::chrono::duration_cast<std::chrono::microseconds>(before.time_since_epoch()).count();
  ASSERT_EQ(
      peer_->sendMessageToConnection(pair.connection1, bytesOf("now"), kSendUnreliable).result,
      Result::kOK);
  // Queued by the send call itself: no service thread, no wait.
  std::vector<MessagePtr> got;
  ASSERT_EQ(peer_->receiveMessagesOnConnection(pair.connection2, 10, &got), 1);
  EXPECT_EQ(textOf(*got[0]), "now");
  EXPECT_GE(got[0]->time_received, before_usec);  // time_received = the send time
  // Larger than a UDP connection allows: the limit is the partner's receive limit.
  const std::string huge = pattern(2 * kMaxMessageSizeSend, 3);
  ASSERT_EQ(peer_->sendMessageToConnection(pair.connection2, bytesOf(huge), kSendReliable).result,
            Result::kOK);
  got.clear();
  ASSERT_EQ(peer_->receiveMessagesOnConnection(pair.connection1, 10, &got), 1);
  EXPECT_TRUE(textOf(*got[0]) == huge);
  ASSERT_TRUE(
      peer_->setConfigValue(pair.connection1, ConfigValue::kRecvMaxMessageSize, int32_t{1000}));
  EXPECT_EQ(peer_->sendMessageToConnection(pair.connection2, bytesOf(pattern(1001, 4)), 0).result,
            Result::kInvalidParam);
  EXPECT_EQ(peer_->sendMessageToConnection(pair.connection2, bytesOf(pattern(1000, 4)), 0).result,
            Result::kOK);
}

TEST_F(PipePairTest, ClosedPipesAreFreedAtOnce) {
  SocketPairResult pair = peer_->createSocketPair(false, 0, 0);
  ASSERT_TRUE(pair.success);
  EXPECT_EQ(api::InstanceTestPeer::connectionObjects(peer_.sockets()), 2u);
  // linger=true changes nothing: nothing is ever pending (§9.1).
  ASSERT_TRUE(peer_->closeConnection(pair.connection1, 0, "", true));
  EXPECT_EQ(api::InstanceTestPeer::connectionObjects(peer_.sockets()), 1u);
  EXPECT_EQ(stateOf(peer_, pair.connection2), ConnectionState::kClosedByPeer);
  std::optional<ConnectionInfo> info = peer_->getConnectionInfo(pair.connection2);
  EXPECT_EQ(info->end_reason, ConnectionEnd::kAppGeneric);  // 0 -> 1000 (§2.2)
  EXPECT_EQ(info->end_debug, "Application closed connection");
  ASSERT_TRUE(peer_->closeConnection(pair.connection2, 0, "", false));
  EXPECT_EQ(api::InstanceTestPeer::connectionObjects(peer_.sockets()), 0u);
  EXPECT_FALSE(peer_->closeConnection(pair.connection2, 0, "", false));
}

// ---- loopback (§9.2) ----------------------------------------------------------------------

class LoopbackPairTest : public ::testing::Test {
 protected:
  void TearDown() override {
    peer_->clearGlobalConfigValue(ConfigValue::kFakePacketLossSend);  // process-wide
  }
  Peer peer_;
};

TEST_F(LoopbackPairTest, InfoOfTwoUdpEnds) {
  const NetworkingIdentity alice = *NetworkingIdentity::parse("str:alice");
  SocketPairResult pair = peer_->createSocketPair(true, alice, NetworkingIdentity());
  ASSERT_TRUE(pair.success);
  std::optional<ConnectionInfo> info1 = peer_->getConnectionInfo(pair.connection1);
  std::optional<ConnectionInfo> info2 = peer_->getConnectionInfo(pair.connection2);
  ASSERT_TRUE(info1.has_value() && info2.has_value());
  for (const ConnectionInfo* info : {&*info1, &*info2}) {
    EXPECT_EQ(info->listen_socket, kInvalidListenSocket);
    EXPECT_EQ(info->remote_address.toString(false), "127.0.0.1");
    EXPECT_NE(info->remote_address.port(), 0);
    EXPECT_EQ(info->info_flags, 9);  // Unauthenticated | Fast, AES-GCM
  }
  EXPECT_NE(info1->remote_address.port(), info2->remote_address.port());
  const std::string port1 = std::to_string(info1->remote_address.port());
  const std::string port2 = std::to_string(info2->remote_address.port());
  EXPECT_EQ(info1->debug_description, "#" +
                                          std::to_string(static_cast<uint32_t>(pair.connection1)) +
                                          " UDP str:alice@127.0.0.1:" + port1);
  EXPECT_EQ(
      info2->debug_description,
      "#" + std::to_string(static_cast<uint32_t>(pair.connection2)) + " UDP 127.0.0.1:" + port2);
  EXPECT_EQ(peer_->acceptConnection(pair.connection1), Result::kInvalidParam);
  // A message longer than one send allows is refused on a UDP end.
  const std::string huge = pattern(kMaxMessageSizeSend + 1, 1);
  EXPECT_EQ(peer_->sendMessageToConnection(pair.connection1, bytesOf(huge), kSendReliable).result,
            Result::kInvalidParam);
}

TEST_F(LoopbackPairTest, ReliableMessagesSurviveFakeLossBothWays) {
  ASSERT_TRUE(peer_->setGlobalConfigValue(ConfigValue::kFakePacketLossSend, 20.0f));
  ASSERT_TRUE(peer_->setConfigValue(ConfigValue::kSendRateMin, int32_t{8 << 20}));
  ASSERT_TRUE(peer_->setConfigValue(ConfigValue::kSendRateMax, int32_t{8 << 20}));
  SocketPairResult pair = peer_->createSocketPair(true, 0, 0);
  ASSERT_TRUE(pair.success);
  const ConnectionHandle c1 = pair.connection1;
  const ConnectionHandle c2 = pair.connection2;
  constexpr int kMessages = 200;
  for (int i = 0; i < kMessages; ++i) {
    for (ConnectionHandle from : {c1, c2}) {
      const std::string text = pattern(100 + (i * 37) % 3000, static_cast<uint32_t>(i));
      SendMessageResult r = peer_->sendMessageToConnection(from, bytesOf(text), kSendReliable);
      ASSERT_EQ(r.result, Result::kOK) << i;
    }
  }
  const auto patience = std::chrono::seconds(60);
  for (ConnectionHandle to : {c2, c1}) {
    std::vector<MessagePtr> got = receiveN(peer_, {&peer_}, to, kMessages, patience);
    ASSERT_EQ(got.size(), static_cast<size_t>(kMessages));
    for (int i = 0; i < kMessages; ++i) {
      EXPECT_EQ(got[i]->message_number, i + 1);
      EXPECT_TRUE(textOf(*got[i]) == pattern(100 + (i * 37) % 3000, static_cast<uint32_t>(i)))
          << "message " << i;
    }
  }
  // The loss was real: both ends had to send reliable data again.
  for (ConnectionHandle handle : {c1, c2}) {
    std::optional<snp::SnpSessionCounters> counters =
        api::InstanceTestPeer::counters(peer_.sockets(), handle);
    ASSERT_TRUE(counters.has_value());
    EXPECT_GT(counters->reliable_bytes_resent, 0u);
  }
  EXPECT_EQ(stateOf(peer_, c1), ConnectionState::kConnected);
  EXPECT_EQ(stateOf(peer_, c2), ConnectionState::kConnected);
  peer_->runNetworkingCallbacks();
  EXPECT_TRUE(peer_.events().empty());
}

}  // namespace
}  // namespace opengns
