// A peer that stops reading and a peer that sends more than we accept (issue 7 item 3),
// over live loopback connections:
//   - the receiver's application stops calling receive: its queue fills to RecvBufferSize,
//     it drops further packets, the sender's queue fills and sending says LimitExceeded;
//     what the sender holds stays bounded (SendBufferSize plus what was in flight), and once the
//     receiver reads again every accepted message arrives, in order, exactly once (snp.md §5.3,
//     config.md SendBufferSize / RecvBufferSize);
//   - a message above the receiver's RecvMaxMessageSize closes the connection with 5002
//     Misc_InternalError (snp.md receiver limits, lifecycle.md §2).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "instance_test_peer.h"
#include "loopback_peers.h"
#include "opengns/networking_sockets.h"

namespace opengns {
namespace {

using testing::connectPair;
using testing::listenOn;
using testing::Peer;
using testing::stateOf;
using testing::waitUntil;

constexpr int32_t kSendBuffer = 64 * 1024;
constexpr int32_t kRecvBuffer = 32 * 1024;
constexpr size_t kMessageBytes = 3000;

std::vector<std::byte> numbered(uint32_t number) {
  std::vector<std::byte> bytes(kMessageBytes, std::byte{static_cast<uint8_t>(number)});
  std::memcpy(bytes.data(), &number, sizeof(number));
  return bytes;
}

uint32_t numberOf(const Message& message) {
  uint32_t number = 0;
  std::memcpy(&number, message.payload().data(), sizeof(number));
  return number;
}

TEST(AdversarialPeerLimits, ReceiverThatStopsReadingLevelsTheSenderOffAtItsSendBuffer) {
  Peer server(true);
  Peer client;
  const std::vector<ConfigOption> server_options = {
      {ConfigValue::kRecvBufferSize, kRecvBuffer},
      {ConfigValue::kSendRateMin, int32_t{4 << 20}},
      {ConfigValue::kSendRateMax, int32_t{4 << 20}},
  };
  const std::vector<ConfigOption> client_options = {
      {ConfigValue::kSendBufferSize, kSendBuffer},
      {ConfigValue::kSendRateMin, int32_t{4 << 20}},
      {ConfigValue::kSendRateMax, int32_t{4 << 20}},
  };
  const auto [listen, port] = listenOn(server, "127.0.0.1:0", server_options);
  // Plain copies: lambdas below use them (clang 14 cannot capture structured bindings).
  const auto pair = connectPair(client, server, "127.0.0.1", port, client_options);
  const ConnectionHandle c = pair.first;
  const ConnectionHandle s = pair.second;
  ASSERT_NE(s, kInvalidConnection);

  // The server never reads. The client keeps sending until the library refuses, then
  // keeps trying for a while: the refusals continue and the queue stays bounded.
  uint32_t accepted = 0;
  int refusals = 0;
  int max_pending = 0;
  int max_held = 0;
  auto sendAndCheck = [&] {
    SendMessageResult r = client->sendMessageToConnection(c, numbered(accepted), kSendReliable);
    if (r.result == Result::kOK) {
      ++accepted;
    } else {
      EXPECT_EQ(r.result, Result::kLimitExceeded);
      EXPECT_EQ(r.message_number, -1);
      ++refusals;
    }
    const RealTimeStatus status = *client->getConnectionRealTimeStatus(c, 0).connection_status;
    max_pending = std::max(max_pending, status.pending_reliable);
    max_held = std::max(max_held, status.pending_reliable + status.send_unacknowledged_reliable);
    return r.result;
  };
  ASSERT_TRUE(waitUntil(
      {&client, &server}, [&] { return sendAndCheck() == Result::kLimitExceeded && refusals > 20; },
      std::chrono::seconds(30)))
      << accepted << " accepted, never refused";
  // Keep pushing: lost bytes come back into the queue and sending stays refused, so what
  // the sender holds levels off (snp.md: in-flight bytes do not count against
  // SendBufferSize, so the level is SendBufferSize plus what went out before the first
  // losses were detected) instead of growing with every attempt.
  auto pushFor = [&](std::chrono::milliseconds duration) {
    const auto until = std::chrono::steady_clock::now() + duration;
    waitUntil({&client, &server}, [&] {
      sendAndCheck();
      return std::chrono::steady_clock::now() > until;
    });
  };
  pushFor(std::chrono::milliseconds(1000));
  const int held_early = max_held;
  const uint32_t accepted_early = accepted;
  max_held = 0;
  pushFor(std::chrono::milliseconds(2000));
  EXPECT_LE(max_held, held_early + kSendBuffer) << "the sender's memory keeps growing";
  EXPECT_LE((accepted - accepted_early) * kMessageBytes, static_cast<size_t>(kSendBuffer));
  max_held = std::max(max_held, held_early);
  EXPECT_GT(refusals, 20);
  EXPECT_GT(max_pending, kSendBuffer / 2);  // the queue really was filled
  std::printf(
      "[adversarial] SendBufferSize %d: %u messages accepted, %d refused, at most %d "
      "bytes queued and %d held (queued + in flight)\n",
      kSendBuffer, accepted, refusals, max_pending, max_held);
  EXPECT_EQ(stateOf(client, c), ConnectionState::kConnected);
  EXPECT_EQ(stateOf(server, s), ConnectionState::kConnected);
  // The server really turned data away (its receive queue was full).
  std::optional<snp::SnpSessionCounters> counters =
      api::InstanceTestPeer::counters(server.sockets(), s);
  ASSERT_TRUE(counters.has_value());
  EXPECT_GT(counters->segments_refused, 0u);

  // The receiver reads again: every accepted message arrives once, in order.
  uint32_t next = 0;
  ASSERT_TRUE(waitUntil(
      {&client, &server},
      [&] {
        std::vector<MessagePtr> got;
        server->receiveMessagesOnConnection(s, 100, &got);
        for (const MessagePtr& m : got) {
          EXPECT_EQ(numberOf(*m), next);
          EXPECT_EQ(m->size(), static_cast<int32_t>(kMessageBytes));
          next = numberOf(*m) + 1;
        }
        return next >= accepted;
      },
      std::chrono::seconds(60)))
      << next << " of " << accepted << " arrived";
  EXPECT_EQ(next, accepted);
}

TEST(AdversarialPeerLimits, MessageAboveTheReceiversLimitClosesWith5002) {
  Peer server(true);
  Peer client;
  const std::vector<ConfigOption> small = {{ConfigValue::kRecvMaxMessageSize, int32_t{1000}}};
  const auto [listen, port] = listenOn(server, "127.0.0.1:0", small);
  const auto pair = connectPair(client, server, "127.0.0.1", port);
  const ConnectionHandle c = pair.first;  // plain copies for the lambdas (clang 14)
  const ConnectionHandle s = pair.second;
  ASSERT_NE(s, kInvalidConnection);
  // At the limit: delivered.
  const std::vector<std::byte> at_limit(1000, std::byte{1});
  ASSERT_EQ(client->sendMessageToConnection(c, at_limit, kSendReliable).result, Result::kOK);
  std::vector<MessagePtr> got = testing::receiveN(server, {&client, &server}, s, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]->size(), 1000);
  // One byte more (our sender's limit is the default 512 KiB, so it goes out).
  const std::vector<std::byte> over(1001, std::byte{2});
  ASSERT_EQ(client->sendMessageToConnection(c, over, kSendReliable).result, Result::kOK);
  ASSERT_TRUE(waitUntil({&client, &server}, [&] {
    return stateOf(server, s) == ConnectionState::kProblemDetectedLocally &&
           stateOf(client, c) == ConnectionState::kClosedByPeer;
  }));
  std::optional<ConnectionInfo> server_info = server->getConnectionInfo(s);
  std::optional<ConnectionInfo> client_info = client->getConnectionInfo(c);
  ASSERT_TRUE(server_info && client_info);
  EXPECT_EQ(server_info->end_reason, ConnectionEnd::kMiscInternalError);
  EXPECT_EQ(client_info->end_reason, ConnectionEnd::kMiscInternalError);
  // The oversized message was never delivered.
  got.clear();
  server->receiveMessagesOnConnection(s, 10, &got);
  EXPECT_TRUE(got.empty());
}

}  // namespace
}  // namespace opengns
