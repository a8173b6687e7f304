// Messages over live loopback connections through the public API (snp.md §5.3, §6, §7;
// lifecycle.md §6.2, §6.4, §7; config.md §2.1): reliable and unreliable both ways, lanes,
// big messages, the send results, the sendMessages batch rule, poll groups, user data,
// the message fields, the receive queue on close, and the status queries.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
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

int64_t steadyUsec() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string pattern(size_t size, uint32_t seed) {
  std::string text(size, '\0');
  for (size_t i = 0; i < size; ++i)
    text[i] = static_cast<char>((i * 131 + seed * 7 + (i >> 8)) & 0xff);
  return text;
}

class MessagesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::tie(listen_, port_) = listenOn(server_, "127.0.0.1:0", fast_);
    std::tie(c_, s_) = connectPair(client_, server_, "127.0.0.1", port_, fast_);
    ASSERT_NE(s_, kInvalidConnection);
  }

  // 8 MB/s so the big messages take a fraction of a second (the default is 256 KiB/s).
  const std::vector<ConfigOption> fast_ = {
      {ConfigValue::kSendRateMin, int32_t{8 << 20}},
      {ConfigValue::kSendRateMax, int32_t{8 << 20}},
  };
  Peer server_{true};
  Peer client_;
  ListenSocketHandle listen_ = kInvalidListenSocket;
  uint16_t port_ = 0;
  ConnectionHandle c_ = kInvalidConnection;
  ConnectionHandle s_ = kInvalidConnection;
};

TEST_F(MessagesTest, ReliableAndUnreliableBothWaysWithTheirFields) {
  ASSERT_TRUE(client_->setConnectionUserData(c_, 77));
  ASSERT_TRUE(server_->setConnectionUserData(s_, 99));
  const int64_t before_usec = steadyUsec();
  SendMessageResult r1 = client_->sendMessageToConnection(c_, bytesOf("hello"), kSendReliable);
  EXPECT_EQ(r1.result, Result::kOK);
  EXPECT_EQ(r1.message_number, 1);  // per lane, from 1 (snp.md §2.1)
  SendMessageResult r2 = client_->sendMessageToConnection(c_, bytesOf("world"), kSendReliable);
  EXPECT_EQ(r2.message_number, 2);
  std::vector<MessagePtr> got = receiveN(server_, {&client_, &server_}, s_, 2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(textOf(*got[0]), "hello");
  EXPECT_EQ(textOf(*got[1]), "world");
  EXPECT_EQ(got[0]->message_number, 1);
  EXPECT_EQ(got[1]->message_number, 2);
  EXPECT_EQ(got[0]->flags, kSendReliable);
  EXPECT_EQ(got[0]->connection, s_);
  EXPECT_EQ(got[0]->receiver_user_data, 99);
  EXPECT_EQ(got[0]->lane, 0);
  EXPECT_EQ(got[0]->identity, server_->getConnectionInfo(s_)->identity);
  EXPECT_GE(got[0]->time_received, before_usec);
  EXPECT_LE(got[0]->time_received, steadyUsec());

  // Unreliable, server to client (loopback does not lose them).
  SendMessageResult u = server_->sendMessageToConnection(s_, bytesOf("quick"), kSendUnreliable);
  EXPECT_EQ(u.result, Result::kOK);
  std::vector<MessagePtr> back = receiveN(client_, {&client_, &server_}, c_, 1);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(textOf(*back[0]), "quick");
  EXPECT_EQ(back[0]->flags, 0);
  EXPECT_EQ(back[0]->message_number, u.message_number);
  EXPECT_EQ(back[0]->receiver_user_data, 77);

  // NoNagle + UseCurrentThread: flushed on this thread.
  EXPECT_EQ(server_
                ->sendMessageToConnection(s_, bytesOf("now"),
                                          kSendReliableNoNagle | kSendUseCurrentThread)
                .result,
            Result::kOK);
  back = receiveN(client_, {&client_, &server_}, c_, 1);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(textOf(*back[0]), "now");
  EXPECT_EQ(client_->flushMessagesOnConnection(c_), Result::kOK);
}

TEST_F(MessagesTest, BigMessagesArriveWhole) {
  const std::string medium = pattern(100 * 1000, 1);
  const std::string largest = pattern(kMaxMessageSizeSend, 2);
  // SendBufferSize (default 512 KiB) counts what is still queued: the largest message
  // does not fit behind the first one (snp.md §5.3) ... Both go in one sendMessages call,
  // which queues under one lock, so the service thread cannot drain the first in between.
  std::vector<MessagePtr> batch;
  for (const std::string* text : {&medium, &largest}) {
    MessagePtr m = client_->allocateMessage(static_cast<int32_t>(text->size()));
    std::memcpy(m->mutablePayload().data(), text->data(), text->size());
    batch.push_back(std::move(m));
  }
  EXPECT_EQ(client_->sendMessages(std::move(batch), c_, kSendReliable),
            (std::vector<int64_t>{1, -static_cast<int64_t>(Result::kLimitExceeded)}));
  std::vector<MessagePtr> got = receiveN(server_, {&client_, &server_}, s_, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(textOf(*got[0]) == medium);
  EXPECT_EQ(got[0]->message_number, 1);
  // ... and fits once the queue drained (sent but unacked bytes do not count).
  SendMessageResult sent = client_->sendMessageToConnection(c_, bytesOf(largest), kSendReliable);
  EXPECT_EQ(sent.result, Result::kOK);
  EXPECT_EQ(sent.message_number, 2);  // the refused one used no number
  got = receiveN(server_, {&client_, &server_}, s_, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(textOf(*got[0]) == largest);

  // One byte more is refused with InvalidParam, and the log names the size and the limit.
  const std::string too_big = pattern(kMaxMessageSizeSend + 1, 3);
  SendMessageResult refused = client_->sendMessageToConnection(c_, bytesOf(too_big), kSendReliable);
  EXPECT_EQ(refused.result, Result::kInvalidParam);
  EXPECT_EQ(refused.message_number, -1);
  std::vector<std::string> lines = client_.logLines();
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines.back().find("524289"), std::string::npos) << lines.back();
  EXPECT_NE(lines.back().find("524288"), std::string::npos) << lines.back();
}

TEST_F(MessagesTest, LanesKeepTheirOwnOrderAndNumbers) {
  const std::array<int, 3> priorities = {0, 1, 1};
  const std::array<uint16_t, 3> weights = {1, 3, 1};
  EXPECT_EQ(client_->configureConnectionLanes(c_, 3, priorities, weights), Result::kOK);
  EXPECT_EQ(client_->configureConnectionLanes(c_, 2, {}, {}), Result::kInvalidParam);  // shrink
  const std::array<uint16_t, 4> zero_weight = {1, 1, 1, 0};
  EXPECT_EQ(client_->configureConnectionLanes(c_, 4, {}, zero_weight), Result::kInvalidParam);
  EXPECT_EQ(client_->configureConnectionLanes(c_, 256, {}, {}), Result::kInvalidParam);
  EXPECT_EQ(client_->sendMessageToConnection(c_, bytesOf("x"), kSendReliable, 3).result,
            Result::kInvalidParam);  // lane not configured

  constexpr int kPerLane = 20;
  for (int i = 0; i < kPerLane; ++i) {
    for (int lane = 0; lane < 3; ++lane) {
      const std::string text = std::to_string(lane) + ":" + std::to_string(i);
      SendMessageResult r =
          client_->sendMessageToConnection(c_, bytesOf(text), kSendReliable, lane);
      ASSERT_EQ(r.result, Result::kOK);
      EXPECT_EQ(r.message_number, i + 1);  // each lane numbers from 1
    }
  }
  std::vector<MessagePtr> got = receiveN(server_, {&client_, &server_}, s_, 3 * kPerLane);
  ASSERT_EQ(got.size(), 3u * kPerLane);
  std::map<int, int> next;
  for (const MessagePtr& m : got) {
    const std::string text = textOf(*m);
    const int lane = text[0] - '0';
    EXPECT_EQ(m->lane, lane);
    EXPECT_EQ(text, std::to_string(lane) + ":" + std::to_string(next[lane]));
    EXPECT_EQ(m->message_number, next[lane] + 1);
    ++next[lane];
  }
  RealTimeStatusResult status = client_->getConnectionRealTimeStatus(c_, 3, true);
  EXPECT_EQ(status.result, Result::kOK);
  EXPECT_EQ(status.lanes_status.size(), 3u);
  EXPECT_EQ(client_->getConnectionRealTimeStatus(c_, 4, true).result, Result::kInvalidParam);
  EXPECT_EQ(client_->getConnectionRealTimeStatus(c_, -1, true).result, Result::kInvalidParam);
}

TEST_F(MessagesTest, StatusQueries) {
  RealTimeStatusResult status = client_->getConnectionRealTimeStatus(c_, 1, true);
  ASSERT_EQ(status.result, Result::kOK);
  ASSERT_TRUE(status.connection_status.has_value());
  EXPECT_EQ(status.connection_status->state, ConnectionState::kConnected);
  EXPECT_GE(status.connection_status->ping, 0);  // the handshake gave a sample
  EXPECT_EQ(status.connection_status->send_rate, 8 << 20);
  ASSERT_EQ(status.lanes_status.size(), 1u);
  EXPECT_FALSE(client_->getConnectionRealTimeStatus(c_, 0, false).connection_status.has_value());
  DetailedConnectionStatus detailed = client_->getDetailedConnectionStatus(c_);
  EXPECT_EQ(detailed.success, 0);
  EXPECT_NE(detailed.buffer.find("End-to-end connection: connected"), std::string::npos)
      << detailed.buffer;
  EXPECT_NE(detailed.buffer.find('\n'), std::string::npos);
}

TEST_F(MessagesTest, PollGroupsInterleaveConnectionsAndKeepTheirOrder) {
  // A second client, and both server ends in one group.
  Peer client2;
  const auto c2_s2 = connectPair(client2, server_, "127.0.0.1", port_, fast_);
  [[maybe_unused]] const auto c2 = c2_s2.first;
  [[maybe_unused]] const auto s2 = c2_s2.second;
  PollGroupHandle group = server_->createPollGroup();
  ASSERT_TRUE(server_->setConnectionPollGroup(s_, group));
  ASSERT_TRUE(server_->setConnectionPollGroup(s2, group));
  EXPECT_FALSE(server_->setConnectionPollGroup(s_, PollGroupHandle{0x80ffffff}));

  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(client_->sendMessageToConnection(c_, bytesOf("a" + std::to_string(i)), kSendReliable)
                  .result,
              Result::kOK);
    ASSERT_EQ(client2->sendMessageToConnection(c2, bytesOf("b" + std::to_string(i)), kSendReliable)
                  .result,
              Result::kOK);
  }
  std::vector<MessagePtr> got;
  ASSERT_TRUE(waitUntil({&client_, &client2, &server_}, [&] {
    server_->receiveMessagesOnPollGroup(group, 100, &got);
    return got.size() >= 20;
  }));
  int next_a = 0;
  int next_b = 0;
  for (const MessagePtr& m : got) {
    const std::string text = textOf(*m);
    if (text[0] == 'a') {
      EXPECT_EQ(m->connection, s_);
      EXPECT_EQ(text, "a" + std::to_string(next_a++));
    } else {
      EXPECT_EQ(m->connection, s2);
      EXPECT_EQ(text, "b" + std::to_string(next_b++));
    }
  }
  EXPECT_EQ(next_a, 10);
  EXPECT_EQ(next_b, 10);

  // Taken from the connection, a message is gone from the group too.
  ASSERT_EQ(client_->sendMessageToConnection(c_, bytesOf("direct"), kSendReliable).result,
            Result::kOK);
  std::vector<MessagePtr> direct = receiveN(server_, {&client_, &server_}, s_, 1);
  ASSERT_EQ(direct.size(), 1u);
  std::vector<MessagePtr> none;
  EXPECT_EQ(server_->receiveMessagesOnPollGroup(group, 10, &none), 0);

  // Destroying the group keeps the queued messages on their connection.
  ASSERT_EQ(client2->sendMessageToConnection(c2, bytesOf("kept"), kSendReliable).result,
            Result::kOK);
  ASSERT_TRUE(waitUntil({&client2, &server_}, [&] {
    return server_->getConnectionRealTimeStatus(s2, 0, false).result == Result::kOK &&
           server_->getDetailedConnectionStatus(s2).buffer.find("delivered 11 reliable") !=
               std::string::npos;
  }));
  EXPECT_TRUE(server_->destroyPollGroup(group));
  EXPECT_EQ(server_->receiveMessagesOnPollGroup(group, 10, &none), -1);
  std::vector<MessagePtr> kept = receiveN(server_, {&server_}, s2, 1);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(textOf(*kept[0]), "kept");
}

TEST_F(MessagesTest, JoiningAGroupBringsTheQueuedMessages) {
  ASSERT_EQ(client_->sendMessageToConnection(c_, bytesOf("early"), kSendReliable).result,
            Result::kOK);
  ASSERT_TRUE(waitUntil({&client_, &server_}, [&] {
    return server_->getDetailedConnectionStatus(s_).buffer.find("delivered 1 reliable") !=
           std::string::npos;
  }));
  PollGroupHandle group = server_->createPollGroup();
  ASSERT_TRUE(server_->setConnectionPollGroup(s_, group));
  std::vector<MessagePtr> got;
  EXPECT_EQ(server_->receiveMessagesOnPollGroup(group, 10, &got), 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(textOf(*got[0]), "early");
  EXPECT_TRUE(server_->setConnectionPollGroup(s_, kInvalidPollGroup));  // leaves the group
}

TEST_F(MessagesTest, UserDataRewritesQueuedMessages) {
  ASSERT_EQ(client_->sendMessageToConnection(c_, bytesOf("m"), kSendReliable).result, Result::kOK);
  ASSERT_TRUE(waitUntil({&client_, &server_}, [&] {
    return server_->getDetailedConnectionStatus(s_).buffer.find("delivered 1 reliable") !=
           std::string::npos;
  }));
  // lifecycle.md §6.2: queued messages follow the connection's user data; so does config 40.
  ASSERT_TRUE(server_->setConfigValue(s_, ConfigValue::kConnectionUserData, int64_t{4242}));
  EXPECT_EQ(server_->getConnectionUserData(s_), 4242);
  std::vector<MessagePtr> got = receiveN(server_, {&server_}, s_, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]->receiver_user_data, 4242);
  EXPECT_FALSE(server_->clearConfigValue(s_, ConfigValue::kConnectionUserData));
}

TEST_F(MessagesTest, SendResultsAfterThePeerClosed) {
  ASSERT_EQ(client_->sendMessageToConnection(c_, bytesOf("last words"), kSendReliable).result,
            Result::kOK);
  ASSERT_TRUE(waitUntil({&client_, &server_}, [&] {
    return server_->getDetailedConnectionStatus(s_).buffer.find("delivered 1 reliable") !=
           std::string::npos;
  }));
  EXPECT_TRUE(client_->closeConnection(c_, 0, "", true));
  ASSERT_TRUE(waitUntil({&client_, &server_},
                        [&] { return stateOf(server_, s_) == ConnectionState::kClosedByPeer; }));
  // ClosedByPeer keeps the queue (lifecycle.md §7.5) but refuses sends (config.md §2.1).
  EXPECT_EQ(server_->sendMessageToConnection(s_, bytesOf("x"), kSendReliable).result,
            Result::kNoConnection);
  EXPECT_EQ(server_->flushMessagesOnConnection(s_), Result::kNoConnection);
  EXPECT_EQ(server_->configureConnectionLanes(s_, 2, {}, {}), Result::kInvalidState);
  std::vector<MessagePtr> got;
  EXPECT_EQ(server_->receiveMessagesOnConnection(s_, 10, &got), 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(textOf(*got[0]), "last words");
  // Closed by the app: the handle is gone for every call.
  EXPECT_TRUE(server_->closeConnection(s_, 0, "", false));
  EXPECT_EQ(server_->sendMessageToConnection(s_, bytesOf("x"), kSendReliable).result,
            Result::kInvalidParam);
  EXPECT_EQ(server_->receiveMessagesOnConnection(s_, 10, &got), -1);
  EXPECT_EQ(server_->getConnectionUserData(s_), -1);
}

TEST_F(MessagesTest, ClosingPurgesTheReceiveQueue) {
  ASSERT_EQ(client_->sendMessageToConnection(c_, bytesOf("unread"), kSendReliable).result,
            Result::kOK);
  ASSERT_TRUE(waitUntil({&client_, &server_}, [&] {
    return server_->getDetailedConnectionStatus(s_).buffer.find("delivered 1 reliable") !=
           std::string::npos;
  }));
  PollGroupHandle group = server_->createPollGroup();
  ASSERT_TRUE(server_->setConnectionPollGroup(s_, group));
  EXPECT_TRUE(server_->closeConnection(s_, 0, "", false));
  std::vector<MessagePtr> got;
  EXPECT_EQ(server_->receiveMessagesOnPollGroup(group, 10, &got), 0);
}

TEST(MessagesWhileConnecting, QueuedUntilConnectedAndTheBatchRule) {
  Peer server;  // accepts by hand, later
  Peer client;
  const auto listen_port = listenOn(server, "127.0.0.1:0");
  [[maybe_unused]] const auto listen = listen_port.first;
  [[maybe_unused]] const auto port = listen_port.second;
  // SendBufferSize 4096 (its minimum): the second 3000-byte message does not fit.
  const std::vector<ConfigOption> small = {{ConfigValue::kSendBufferSize, int32_t{4096}}};
  ConnectionHandle c = client->connectByIPAddress("127.0.0.1:" + std::to_string(port), small);
  ASSERT_NE(c, kInvalidConnection);
  ASSERT_EQ(stateOf(client, c), ConnectionState::kConnecting);
  // snp.md §6.1: NoDelay while connecting is Ignored; other messages wait for the connection.
  EXPECT_EQ(client->sendMessageToConnection(c, bytesOf("nodelay"), kSendUnreliableNoDelay).result,
            Result::kIgnored);
  EXPECT_EQ(client->flushMessagesOnConnection(c), Result::kIgnored);

  std::vector<MessagePtr> batch;
  for (size_t size : {3000, 3000, 10}) {
    MessagePtr m = client->allocateMessage(static_cast<int32_t>(size));
    std::fill(m->mutablePayload().begin(), m->mutablePayload().end(), std::byte{0x5a});
    batch.push_back(std::move(m));
  }
  batch.push_back(nullptr);
  std::vector<int64_t> results = client->sendMessages(std::move(batch), c, kSendReliable);
  // config.md §2.1 / snp.md §5.3: -LimitExceeded, then 0 (not attempted) for the rest of
  // the connection's messages; a null message is -InvalidParam.
  EXPECT_EQ(results, (std::vector<int64_t>{1, -25, 0, -8}));

  ASSERT_TRUE(waitUntil({&client, &server}, [&] { return !server.incoming().empty(); }));
  const ConnectionHandle s = server.incoming()[0];
  EXPECT_EQ(server->acceptConnection(s), Result::kOK);
  std::vector<MessagePtr> got = testing::receiveN(server, {&client, &server}, s, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]->size(), 3000);
  EXPECT_EQ(got[0]->message_number, 1);
  // The refused message used no number: the next one is 2.
  SendMessageResult next = client->sendMessageToConnection(c, bytesOf("next"), kSendReliable);
  EXPECT_EQ(next.message_number, 2);
  got = testing::receiveN(server, {&client, &server}, s, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(textOf(*got[0]), "next");
  std::vector<MessagePtr> extra;
  EXPECT_EQ(server->receiveMessagesOnConnection(s, 10, &extra), 0);  // the 10-byte one never came
}

}  // namespace
}  // namespace opengns
