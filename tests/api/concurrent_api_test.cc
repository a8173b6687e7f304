// API calls from several application threads at once while the service thread runs
// (api/instance.h: every API method takes the instance lock, so any thread may call any
// function). These tests are what the tsan preset (scripts/tsan-check) exercises: under
// ThreadSanitizer a missing lock anywhere on these paths is reported as a race. Without
// TSan they still check that concurrent senders, a poll-group receiver, property
// setters and connects/closes from several threads lose and reorder nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "loopback_peers.h"
#include "opengns/networking_sockets.h"

namespace opengns {
namespace {

using testing::bytesOf;
using testing::connectPair;
using testing::kPatience;
using testing::listenOn;
using testing::Peer;
using testing::stateOf;
using testing::textOf;
using testing::waitUntil;

constexpr int kConnections = 3;
constexpr int kMessagesPerConnection = 200;

std::string payloadFor(int connection, int index) {
  return "c" + std::to_string(connection) + "-" + std::to_string(index);
}

// Sends on `connection` until accepted, retrying while the send buffer is full.
bool sendRetrying(Peer& peer, ConnectionHandle connection, const std::string& text) {
  const auto deadline = std::chrono::steady_clock::now() + kPatience;
  while (std::chrono::steady_clock::now() < deadline) {
    SendMessageResult sent =
        peer->sendMessageToConnection(connection, bytesOf(text), kSendReliable);
    if (sent.result == Result::kOK) return true;
    if (sent.result != Result::kLimitExceeded) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

class ConcurrentApiTest : public ::testing::Test {
 protected:
  void SetUp() override { std::tie(listen_, port_) = listenOn(server_, "127.0.0.1:0", fast_); }

  // Pumps both peers' callbacks on this thread (Peer's event log is single-threaded)
  // until `workers` reaches zero or the deadline passes.
  bool pumpUntilDone(const std::atomic<int>& workers) {
    return waitUntil(
        {&client_, &server_}, [&] { return workers.load() == 0; }, 3 * kPatience);
  }

  const std::vector<ConfigOption> fast_ = {
      {ConfigValue::kSendRateMin, int32_t{4 << 20}},
      {ConfigValue::kSendRateMax, int32_t{4 << 20}},
  };
  Peer server_{true};
  Peer client_;
  ListenSocketHandle listen_ = kInvalidListenSocket;
  uint16_t port_ = 0;
};

TEST_F(ConcurrentApiTest, SendersPropertySetterAndPollGroupReceiverOnTheirOwnThreads) {
  std::vector<ConnectionHandle> client_handles;
  std::vector<ConnectionHandle> server_handles;
  for (int i = 0; i < kConnections; ++i) {
    auto [c, s] = connectPair(client_, server_, "127.0.0.1", port_, fast_);
    ASSERT_NE(s, kInvalidConnection);
    ASSERT_TRUE(server_->setConnectionUserData(s, i));
    client_handles.push_back(c);
    server_handles.push_back(s);
  }
  PollGroupHandle group = server_->createPollGroup();
  ASSERT_NE(group, kInvalidPollGroup);

  std::atomic<int> workers{kConnections + 3};
  std::vector<int> sent_all(kConnections, 0);  // not vector<bool>: one element per thread
  std::vector<std::thread> threads;
  for (int i = 0; i < kConnections; ++i) {
    threads.emplace_back([&, i] {
      bool ok = true;
      for (int n = 0; n < kMessagesPerConnection && ok; ++n) {
        ok = sendRetrying(client_, client_handles[i], payloadFor(i, n));
        // Status queries interleaved with the sends (read paths under the same lock).
        if (n % 16 == 0) {
          EXPECT_TRUE(client_->getConnectionInfo(client_handles[i]).has_value());
          client_->getConnectionRealTimeStatus(client_handles[i], 0, true);
          client_->flushMessagesOnConnection(client_handles[i]);
        }
      }
      sent_all[i] = ok;
      --workers;
    });
  }
  // Property setters and per-connection config on the client's connections.
  std::atomic<bool> receiving_done{false};
  threads.emplace_back([&] {
    for (int round = 0; !receiving_done.load(); ++round) {
      for (int i = 0; i < kConnections; ++i) {
        client_->setConnectionUserData(client_handles[i], round);
        client_->setConnectionName(client_handles[i], "conn" + std::to_string(round));
        client_->getConnectionName(client_handles[i]);
        client_->setConfigValue(client_handles[i], ConfigValue::kSendRateMax,
                                ConfigArg(int32_t{4 << 20}));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    --workers;
  });
  // Status reads only, in a tight loop: this thread takes no other lock, so under TSan a
  // status path that skipped the instance lock would race with the service thread.
  threads.emplace_back([&] {
    while (!receiving_done.load()) {
      for (ConnectionHandle c : client_handles) {
        RealTimeStatusResult status = client_->getConnectionRealTimeStatus(c, 1, true);
        EXPECT_EQ(status.result, Result::kOK);
      }
      std::this_thread::yield();
    }
    --workers;
  });
  // The receiver: moves the server's connections into the poll group (while data flows)
  // and drains it.
  std::vector<std::vector<std::string>> received(kConnections);
  threads.emplace_back([&] {
    for (ConnectionHandle s : server_handles)
      EXPECT_TRUE(server_->setConnectionPollGroup(s, group));
    const auto deadline = std::chrono::steady_clock::now() + 3 * kPatience;
    size_t total = 0;
    while (total < size_t{kConnections} * kMessagesPerConnection &&
           std::chrono::steady_clock::now() < deadline) {
      std::vector<MessagePtr> messages;
      // Whatever arrived before the move to the group sits on the connections: drained
      // first, so each connection's messages stay in order.
      for (ConnectionHandle s : server_handles) {
        while (server_->receiveMessagesOnConnection(s, 100, &messages) > 0) {
        }
      }
      server_->receiveMessagesOnPollGroup(group, 100, &messages);
      for (const MessagePtr& message : messages) {
        int64_t index = message->receiver_user_data;
        if (index >= 0 && index < kConnections) received[index].push_back(textOf(*message));
      }
      total += messages.size();
      if (messages.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    receiving_done = true;
    --workers;
  });

  EXPECT_TRUE(pumpUntilDone(workers));
  receiving_done = true;
  for (std::thread& thread : threads)
    thread.join();

  for (int i = 0; i < kConnections; ++i) {
    EXPECT_TRUE(sent_all[i]) << "connection " << i;
    ASSERT_EQ(received[i].size(), size_t{kMessagesPerConnection}) << "connection " << i;
    for (int n = 0; n < kMessagesPerConnection; ++n)
      ASSERT_EQ(received[i][n], payloadFor(i, n)) << "connection " << i << " message " << n;
  }
  EXPECT_TRUE(server_->destroyPollGroup(group));
}

TEST_F(ConcurrentApiTest, ConnectsSendsAndClosesFromSeveralThreads) {
  std::atomic<int> workers{kConnections};
  std::vector<int> worked(kConnections, 0);
  std::vector<std::thread> threads;
  const std::string target = "127.0.0.1:" + std::to_string(port_);
  for (int i = 0; i < kConnections; ++i) {
    threads.emplace_back([&, i] {
      ConnectionHandle c = client_->connectByIPAddress(target, fast_);
      const auto deadline = std::chrono::steady_clock::now() + kPatience;
      while (c != kInvalidConnection && stateOf(client_, c) != ConnectionState::kConnected &&
             std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      worked[i] = stateOf(client_, c) == ConnectionState::kConnected &&
                  sendRetrying(client_, c, payloadFor(i, 0)) &&
                  client_->closeConnection(c, 0, "done", true);  // linger: delivered first
      --workers;
    });
  }
  // The server accepts from its callback on this thread while the workers connect.
  EXPECT_TRUE(pumpUntilDone(workers));
  for (std::thread& thread : threads)
    thread.join();
  for (int i = 0; i < kConnections; ++i)
    EXPECT_TRUE(worked[i]) << "worker " << i;

  // Each accepted connection delivers its one message (kept after the peer closed).
  ASSERT_EQ(server_.incoming().size(), size_t{kConnections});
  std::vector<std::string> texts;
  EXPECT_TRUE(waitUntil({&client_, &server_}, [&] {
    for (ConnectionHandle s : server_.incoming()) {
      std::vector<MessagePtr> messages;
      server_->receiveMessagesOnConnection(s, 10, &messages);
      for (const MessagePtr& message : messages)
        texts.push_back(textOf(*message));
    }
    return texts.size() >= size_t{kConnections};
  }));
  std::sort(texts.begin(), texts.end());
  std::vector<std::string> expected;
  for (int i = 0; i < kConnections; ++i)
    expected.push_back(payloadFor(i, 0));
  EXPECT_EQ(texts, expected);
}

}  // namespace
}  // namespace opengns
