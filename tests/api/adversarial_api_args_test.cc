// API calls with out-of-range arguments and with handles that exist but are wrong (another
// instance's, closed ones, the wrong kind of connection), on LIVE connections (issue 7
// item 3). facade_failure_test.cc covers every function with handles that never existed;
// messages_test.cc the lane-configuration limits and message sizes; these are the rest.
// Expected results: config.md §2.1 (result table) and §5.x, lifecycle.md §2.2.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "loopback_peers.h"
#include "opengns/networking_sockets.h"

namespace opengns {
namespace {

using testing::bytesOf;
using testing::connectPair;
using testing::listenOn;
using testing::Peer;
using testing::receiveN;
using testing::stateOf;
using testing::textOf;
using testing::waitUntil;

class LiveArgumentsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::tie(listen_, port_) = listenOn(server_, "127.0.0.1:0");
    std::tie(c_, s_) = connectPair(client_, server_, "127.0.0.1", port_);
    ASSERT_NE(s_, kInvalidConnection);
  }
  Peer server_{true};
  Peer client_;
  ListenSocketHandle listen_ = kInvalidListenSocket;
  uint16_t port_ = 0;
  ConnectionHandle c_ = kInvalidConnection;
  ConnectionHandle s_ = kInvalidConnection;
};

TEST_F(LiveArgumentsTest, LaneIndexesOutsideTheConfiguredLanes) {
  // One lane (the default): lanes -1, 1 and 255 do not exist.
  for (int lane : {-1, 1, 255, 65536}) {
    SendMessageResult sent =
        client_->sendMessageToConnection(c_, bytesOf("x"), kSendReliable, lane);
    EXPECT_EQ(sent.result, Result::kInvalidParam) << lane;
    EXPECT_EQ(sent.message_number, -1) << lane;
  }
  MessagePtr message = client_->allocateMessage(4);
  message->lane = 7;
  std::vector<MessagePtr> batch;
  batch.push_back(std::move(message));
  EXPECT_EQ(client_->sendMessages(std::move(batch), c_, kSendReliable),
            (std::vector<int64_t>{-static_cast<int64_t>(Result::kInvalidParam)}));
  // Status for more lanes than configured, or a negative count.
  EXPECT_EQ(client_->getConnectionRealTimeStatus(c_, 2).result, Result::kInvalidParam);
  EXPECT_EQ(client_->getConnectionRealTimeStatus(c_, -1).result, Result::kInvalidParam);
  RealTimeStatusResult one = client_->getConnectionRealTimeStatus(c_, 1);
  EXPECT_EQ(one.result, Result::kOK);
  EXPECT_EQ(one.lanes_status.size(), 1u);
  // Lane counts out of range, and spans that do not match the count.
  const std::array<int, 2> two_priorities = {0, 1};
  const std::array<uint16_t, 2> two_weights = {1, 1};
  for (int lanes : {0, -1, -255, 256, 1 << 20})
    EXPECT_EQ(client_->configureConnectionLanes(c_, lanes, {}, {}), Result::kInvalidParam) << lanes;
  EXPECT_EQ(client_->configureConnectionLanes(c_, 3, two_priorities, {}), Result::kInvalidParam);
  EXPECT_EQ(client_->configureConnectionLanes(c_, 3, {}, two_weights), Result::kInvalidParam);
  // The connection is unharmed and still has exactly one lane.
  EXPECT_EQ(client_->getConnectionRealTimeStatus(c_, 2).result, Result::kInvalidParam);
  ASSERT_EQ(client_->sendMessageToConnection(c_, bytesOf("fine"), kSendReliable).result,
            Result::kOK);
  std::vector<MessagePtr> got = receiveN(server_, {&client_, &server_}, s_, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(textOf(*got[0]), "fine");
}

TEST_F(LiveArgumentsTest, ReceiveCountsOfZeroOrLessTakeNothing) {
  PollGroupHandle group = server_->createPollGroup();
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(
        client_->sendMessageToConnection(c_, bytesOf(std::to_string(i)), kSendReliable).result,
        Result::kOK);
  }
  // Acked by the server means queued there.
  ASSERT_TRUE(waitUntil({&client_, &server_}, [&] {
    const RealTimeStatus status = *client_->getConnectionRealTimeStatus(c_, 0).connection_status;
    return status.pending_reliable == 0 && status.send_unacknowledged_reliable == 0;
  }));
  std::vector<MessagePtr> got;
  EXPECT_EQ(server_->receiveMessagesOnConnection(s_, 0, &got), 0);
  EXPECT_EQ(server_->receiveMessagesOnConnection(s_, -1, &got), 0);
  EXPECT_EQ(server_->receiveMessagesOnConnection(s_, INT32_MIN, &got), 0);
  EXPECT_EQ(server_->receiveMessagesOnConnection(s_, 10, nullptr), 0);
  EXPECT_TRUE(got.empty());
  ASSERT_TRUE(server_->setConnectionPollGroup(s_, group));
  EXPECT_EQ(server_->receiveMessagesOnPollGroup(group, 0, &got), 0);
  EXPECT_EQ(server_->receiveMessagesOnPollGroup(group, -7, &got), 0);
  EXPECT_EQ(server_->receiveMessagesOnPollGroup(group, 10, nullptr), 0);
  EXPECT_TRUE(got.empty());
  // Nothing was lost by those calls: all three come out, in order, one at a time.
  for (int i = 0; i < 3; ++i) {
    std::vector<MessagePtr> one;
    EXPECT_EQ(server_->receiveMessagesOnPollGroup(group, 1, &one), 1);
    ASSERT_EQ(one.size(), 1u);
    EXPECT_EQ(textOf(*one[0]), std::to_string(i));
  }
}

TEST_F(LiveArgumentsTest, AnotherInstancesHandlesAreUnknownHere) {
  PollGroupHandle server_group = server_->createPollGroup();
  ASSERT_NE(server_group, kInvalidPollGroup);
  // The server's handles on the client instance, and the other way round.
  EXPECT_FALSE(client_->getConnectionInfo(s_).has_value());
  EXPECT_EQ(client_->sendMessageToConnection(s_, bytesOf("x"), kSendReliable).result,
            Result::kInvalidParam);
  EXPECT_EQ(client_->acceptConnection(s_), Result::kInvalidParam);
  EXPECT_FALSE(client_->setConnectionUserData(s_, 5));
  EXPECT_EQ(client_->getConnectionRealTimeStatus(s_, 0).result, Result::kNoConnection);
  EXPECT_FALSE(client_->closeConnection(s_, 0, "", false));
  EXPECT_FALSE(client_->closeListenSocket(listen_));
  EXPECT_EQ(client_->getListenSocketAddress(listen_), "");
  EXPECT_FALSE(client_->destroyPollGroup(server_group));
  EXPECT_FALSE(server_->setConnectionPollGroup(c_, server_group));
  EXPECT_FALSE(server_->setConfigValue(c_, ConfigValue::kNagleTime, int32_t{0}));
  std::vector<MessagePtr> got;
  EXPECT_EQ(server_->receiveMessagesOnConnection(c_, 10, &got), -1);
  EXPECT_EQ(client_->receiveMessagesOnPollGroup(server_group, 10, &got), -1);
  // None of that touched the real objects.
  EXPECT_EQ(stateOf(client_, c_), ConnectionState::kConnected);
  EXPECT_EQ(stateOf(server_, s_), ConnectionState::kConnected);
  EXPECT_NE(server_->getListenSocketAddress(listen_), "");
  EXPECT_TRUE(server_->destroyPollGroup(server_group));
}

TEST_F(LiveArgumentsTest, WrongKindOfConnectionAndClosedHandles) {
  // Accepting our own outgoing connection (config.md §2.1: InvalidParam).
  EXPECT_EQ(client_->acceptConnection(c_), Result::kInvalidParam);
  // Out-of-range close reasons become 1999 "Invalid numeric reason code" (config.md §5.x).
  ASSERT_TRUE(client_->closeConnection(c_, 424242, "", false));
  ASSERT_TRUE(waitUntil({&client_, &server_},
                        [&] { return stateOf(server_, s_) == ConnectionState::kClosedByPeer; }));
  std::optional<ConnectionInfo> info = server_->getConnectionInfo(s_);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(static_cast<int>(info->end_reason), 1999);
  // The closed handle is dead for every call.
  std::vector<MessagePtr> got;
  EXPECT_FALSE(client_->getConnectionInfo(c_).has_value());
  EXPECT_EQ(client_->sendMessageToConnection(c_, bytesOf("x"), kSendReliable).result,
            Result::kInvalidParam);
  EXPECT_EQ(client_->receiveMessagesOnConnection(c_, 10, &got), -1);
  EXPECT_FALSE(client_->closeConnection(c_, 0, "", false));
  EXPECT_EQ(client_->configureConnectionLanes(c_, 2, {}, {}), Result::kNoConnection);
  EXPECT_EQ(client_->flushMessagesOnConnection(c_), Result::kInvalidParam);
  // A ClosedByPeer connection: sending says NoConnection, accepting InvalidState, and a
  // second close frees it.
  EXPECT_EQ(server_->sendMessageToConnection(s_, bytesOf("x"), kSendReliable).result,
            Result::kNoConnection);
  EXPECT_EQ(server_->acceptConnection(s_), Result::kInvalidState);
  EXPECT_TRUE(server_->closeConnection(s_, -5, "", false));
  EXPECT_FALSE(server_->closeConnection(s_, 0, "", false));
  EXPECT_FALSE(server_->getConnectionInfo(s_).has_value());
}

TEST_F(LiveArgumentsTest, HugeNamesAndDebugTextsAreCutNotRefused) {
  const std::string long_text(100000, 'n');
  client_->setConnectionName(c_, long_text);
  const std::string name = client_->getConnectionName(c_);
  EXPECT_FALSE(name.empty());
  EXPECT_LT(name.size(), 128u);
  EXPECT_EQ(name, long_text.substr(0, name.size()));
  ASSERT_TRUE(client_->closeConnection(c_, 1005, long_text, false));
  ASSERT_TRUE(waitUntil({&client_, &server_},
                        [&] { return stateOf(server_, s_) == ConnectionState::kClosedByPeer; }));
  std::optional<ConnectionInfo> info = server_->getConnectionInfo(s_);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(static_cast<int>(info->end_reason), 1005);
  EXPECT_LE(info->end_debug.size(), 127u);
  EXPECT_EQ(info->end_debug, long_text.substr(0, info->end_debug.size()));
}

}  // namespace
}  // namespace opengns
