// Live connections through a recording relay (adversarial_net.h) that replays what it saw,
// or forges variants of it, from the client's own address (issue 7 item 3): replayed
// handshake and data packets, wrong connection ids, packets after close and forged
// challenges. The core-level twins of these (sans-IO, virtual time) are in
// tests/connection/listen_socket_core_test.cc; these run the whole stack over real UDP.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "adversarial_net.h"
#include "instance_test_peer.h"
#include "loopback_peers.h"
#include "wire/control_packet.h"
#include "wire/udp_constants.h"

namespace opengns {
namespace {

using api::InstanceTestPeer;
using testing::bytesOf;
using testing::connectPair;
using testing::Datagram;
using testing::listenOn;
using testing::Peer;
using testing::PlainUdp;
using testing::receiveN;
using testing::stateOf;
using testing::textOf;
using testing::UdpRelay;
using testing::waitUntil;

std::vector<Datagram> withLead(const std::vector<Datagram>& all, uint8_t lead) {
  std::vector<Datagram> out;
  for (const Datagram& d : all)
    if (!d.empty() && d[0] == lead) out.push_back(d);
  return out;
}

std::vector<Datagram> dataPackets(const std::vector<Datagram>& all) {
  std::vector<Datagram> out;
  for (const Datagram& d : all)
    if (!d.empty() && (d[0] & 0x80) != 0) out.push_back(d);
  return out;
}

Datagram encode(const wire::ControlMessage& message) {
  absl::StatusOr<Bytes> bytes = wire::encodeControlPacket(message);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  return bytes.ok() ? *bytes : Datagram{};
}

// True if one of `replies` is a ChallengeReply echoing `stamp`.
bool hasChallengeReply(const std::vector<Datagram>& replies, uint64_t stamp) {
  for (const Datagram& d : withLead(replies, wire::kLeadChallengeReply)) {
    absl::StatusOr<wire::ControlPacket> packet = wire::decodeControlPacket(d);
    if (!packet.ok()) continue;
    if (const auto* reply = std::get_if<wire::ChallengeReply>(&packet->message)) {
      if (reply->your_timestamp() == stamp) return true;
    }
  }
  return false;
}

class RelayedConnectionTest : public ::testing::Test {
 protected:
  // Starts the listen socket and the relay; `connect` also brings a connection up.
  void start(bool connect, std::span<const ConfigOption> client_options = {}) {
    std::tie(listen_, port_) = listenOn(server_, "127.0.0.1:0");
    relay_ = std::make_unique<UdpRelay>(port_);
    ASSERT_TRUE(relay_->ok());
    if (connect) {
      std::tie(c_, s_) = connectPair(client_, server_, "127.0.0.1", relay_->port(), client_options);
      ASSERT_NE(s_, kInvalidConnection);
    }
  }

  // Sends a ChallengeRequest from the relay's address and waits for its answer: the server
  // reads its socket in order, so everything injected before has been handled by then.
  // Only meaningful while the server has no connection at the relay's address.
  void flushServer() {
    const uint64_t stamp = 0x5eed0000 + ++probes_;
    wire::ChallengeRequest probe;
    probe.set_connection_id(0x4242 + probes_);
    probe.set_my_timestamp(stamp);
    probe.set_protocol_version(wire::kProtocolVersion);
    ASSERT_TRUE(relay_->injectToServer(encode(probe)));
    ASSERT_TRUE(waitUntil({&client_, &server_},
                          [&] { return hasChallengeReply(relay_->seen(false), stamp); }));
  }

  // One reliable message each way must still arrive (also a flush: it travels behind
  // whatever was injected before in the same direction).
  void expectStillWorks(const std::string& tag) {
    ASSERT_EQ(client_->sendMessageToConnection(c_, bytesOf("up " + tag), kSendReliable).result,
              Result::kOK);
    ASSERT_EQ(server_->sendMessageToConnection(s_, bytesOf("down " + tag), kSendReliable).result,
              Result::kOK);
    std::vector<MessagePtr> up = receiveN(server_, {&client_, &server_}, s_, 1);
    std::vector<MessagePtr> down = receiveN(client_, {&client_, &server_}, c_, 1);
    ASSERT_EQ(up.size(), 1u);
    ASSERT_EQ(down.size(), 1u);
    EXPECT_EQ(textOf(*up[0]), "up " + tag);
    EXPECT_EQ(textOf(*down[0]), "down " + tag);
    EXPECT_EQ(stateOf(client_, c_), ConnectionState::kConnected);
    EXPECT_EQ(stateOf(server_, s_), ConnectionState::kConnected);
    EXPECT_EQ(server_.incoming().size(), 1u);
    EXPECT_EQ(InstanceTestPeer::connectionObjects(server_.sockets()), 1u);
    EXPECT_EQ(InstanceTestPeer::connectionObjects(client_.sockets()), 1u);
  }

  Peer server_{true};
  Peer client_;
  ListenSocketHandle listen_ = kInvalidListenSocket;
  uint16_t port_ = 0;
  std::unique_ptr<UdpRelay> relay_;
  ConnectionHandle c_ = kInvalidConnection;
  ConnectionHandle s_ = kInvalidConnection;
  uint64_t probes_ = 0;
};

TEST_F(RelayedConnectionTest, ReplayedHandshakeCreatesNoSecondConnection) {
  start(true);
  const std::vector<Datagram> up = relay_->seen(true);
  const std::vector<Datagram> down = relay_->seen(false);
  std::vector<Datagram> handshake_up = withLead(up, wire::kLeadChallengeRequest);
  std::vector<Datagram> connect_requests = withLead(up, wire::kLeadConnectRequest);
  handshake_up.insert(handshake_up.end(), connect_requests.begin(), connect_requests.end());
  std::vector<Datagram> handshake_down = withLead(down, wire::kLeadChallengeReply);
  std::vector<Datagram> connect_oks = withLead(down, wire::kLeadConnectOK);
  handshake_down.insert(handshake_down.end(), connect_oks.begin(), connect_oks.end());
  ASSERT_FALSE(connect_requests.empty());
  ASSERT_FALSE(connect_oks.empty());
  for (int round = 0; round < 5; ++round) {
    for (const Datagram& d : handshake_up)
      ASSERT_TRUE(relay_->injectToServer(d));
    for (const Datagram& d : handshake_down)
      ASSERT_TRUE(relay_->injectToClient(d));
  }
  expectStillWorks("after handshake replay");
}

TEST_F(RelayedConnectionTest, ReplayedDataPacketsDeliverNothingTwice) {
  start(true);
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(
        client_->sendMessageToConnection(c_, bytesOf("r" + std::to_string(i)), kSendReliableNoNagle)
            .result,
        Result::kOK);
    ASSERT_EQ(
        client_
            ->sendMessageToConnection(c_, bytesOf("u" + std::to_string(i)), kSendUnreliableNoNagle)
            .result,
        Result::kOK);
    ASSERT_EQ(
        server_->sendMessageToConnection(s_, bytesOf("d" + std::to_string(i)), kSendReliableNoNagle)
            .result,
        Result::kOK);
  }
  // Loopback through the relay loses nothing, so all 20 arrive (unreliable too).
  EXPECT_EQ(receiveN(server_, {&client_, &server_}, s_, 20).size(), 20u);
  EXPECT_EQ(receiveN(client_, {&client_, &server_}, c_, 10).size(), 10u);
  const std::vector<Datagram> up = dataPackets(relay_->seen(true));
  const std::vector<Datagram> down = dataPackets(relay_->seen(false));
  ASSERT_GE(up.size(), 1u);
  ASSERT_GE(down.size(), 1u);
  for (int round = 0; round < 3; ++round) {
    for (const Datagram& d : up)
      ASSERT_TRUE(relay_->injectToServer(d));
    for (const Datagram& d : down)
      ASSERT_TRUE(relay_->injectToClient(d));
  }
  // The next message in each direction is the only one delivered after the replays.
  expectStillWorks("after data replay");
  std::vector<MessagePtr> extra;
  server_->receiveMessagesOnConnection(s_, 100, &extra);
  client_->receiveMessagesOnConnection(c_, 100, &extra);
  EXPECT_TRUE(extra.empty()) << extra.size() << " replayed messages delivered again";
}

TEST_F(RelayedConnectionTest, DataWithWrongConnectionIdsIsIgnored) {
  start(true);
  ASSERT_EQ(client_->sendMessageToConnection(c_, bytesOf("m"), kSendReliable).result, Result::kOK);
  ASSERT_EQ(server_->sendMessageToConnection(s_, bytesOf("n"), kSendReliable).result, Result::kOK);
  ASSERT_EQ(receiveN(server_, {&client_, &server_}, s_, 1).size(), 1u);
  ASSERT_EQ(receiveN(client_, {&client_, &server_}, c_, 1).size(), 1u);
  const std::vector<Datagram> up = dataPackets(relay_->seen(true));
  const std::vector<Datagram> down = dataPackets(relay_->seen(false));
  ASSERT_FALSE(up.empty());
  ASSERT_FALSE(down.empty());
  for (uint32_t variant = 1; variant <= 40; ++variant) {
    for (const auto* packets : {&up, &down}) {
      Datagram d = (*packets)[variant % packets->size()];
      if (d.size() < 5) continue;
      // Another to_connection_id: change the high half, the low half, or both.
      const uint32_t flip = variant % 3 == 0   ? variant << 16
                            : variant % 3 == 1 ? variant
                                               : variant * 0x00010001u;
      for (int b = 0; b < 4; ++b)
        d[1 + b] ^= static_cast<uint8_t>(flip >> (8 * b));
      ASSERT_TRUE(packets == &up ? relay_->injectToServer(d) : relay_->injectToClient(d));
    }
  }
  expectStillWorks("after wrong ids");
}

TEST_F(RelayedConnectionTest, PacketsAfterCloseCreateNothing) {
  start(true);
  ASSERT_EQ(client_->sendMessageToConnection(c_, bytesOf("last words"), kSendReliable).result,
            Result::kOK);
  ASSERT_EQ(receiveN(server_, {&client_, &server_}, s_, 1).size(), 1u);
  ASSERT_TRUE(client_->closeConnection(c_, 1001, "done", false));
  ASSERT_TRUE(waitUntil({&client_, &server_},
                        [&] { return stateOf(server_, s_) == ConnectionState::kClosedByPeer; }));
  ASSERT_TRUE(server_->closeConnection(s_, 0, "", false));
  // Both connection objects go away (FinWait ends).
  ASSERT_TRUE(waitUntil({&client_, &server_}, [&] {
    return InstanceTestPeer::connectionObjects(server_.sockets()) == 0 &&
           InstanceTestPeer::connectionObjects(client_.sockets()) == 0;
  }));
  const size_t events_before = server_.events().size();
  const std::vector<Datagram> up = relay_->seen(true);
  std::vector<Datagram> late = dataPackets(up);
  for (uint8_t lead : {wire::kLeadConnectionClosed, wire::kLeadNoConnection}) {
    std::vector<Datagram> more = withLead(up, lead);
    late.insert(late.end(), more.begin(), more.end());
  }
  ASSERT_GE(late.size(), 2u);
  for (int round = 0; round < 3; ++round)
    for (const Datagram& d : late)
      ASSERT_TRUE(relay_->injectToServer(d));
  flushServer();
  EXPECT_EQ(InstanceTestPeer::connectionObjects(server_.sockets()), 0u);
  EXPECT_EQ(server_.incoming().size(), 1u);
  EXPECT_EQ(server_.events().size(), events_before);
  EXPECT_EQ(stateOf(server_, s_), ConnectionState::kNone);
}

TEST_F(RelayedConnectionTest, ForgedChallengesAreRefusedAndTheRealClientStillConnects) {
  start(false);
  // Hold back the client's ConnectRequests until the forgeries have been tried; a long
  // initial timeout keeps the client trying meanwhile.
  relay_->setDrop([](bool to_server, const Datagram& d) {
    return to_server && !d.empty() && d[0] == wire::kLeadConnectRequest;
  });
  const std::vector<ConfigOption> patient = {{ConfigValue::kTimeoutInitial, int32_t{60000}}};
  ConnectionHandle c =
      client_->connectByIPAddress("127.0.0.1:" + std::to_string(relay_->port()), patient);
  ASSERT_NE(c, kInvalidConnection);
  ASSERT_TRUE(waitUntil({&client_, &server_}, [&] { return relay_->dropped() >= 1; }));
  const Datagram genuine = withLead(relay_->seen(true), wire::kLeadConnectRequest).front();
  absl::StatusOr<wire::ControlPacket> decoded = wire::decodeControlPacket(genuine);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  const wire::ConnectRequest request = std::get<wire::ConnectRequest>(decoded->message);

  auto forged = [&](uint64_t challenge) {
    wire::ConnectRequest copy = request;
    copy.set_challenge(challenge);
    return encode(copy);
  };
  const uint64_t real = request.challenge();
  // Wrong MAC bits, a neighbouring tick (the timestamp part), all zero, all ones.
  for (uint64_t challenge : {real ^ (uint64_t{1} << 40), real ^ (uint64_t{1} << 63), real ^ 1,
                             real + 1, real - 1, uint64_t{0}, ~uint64_t{0}, real ^ 0xffff}) {
    ASSERT_TRUE(relay_->injectToServer(forged(challenge)));
  }
  // The genuine request from another address (the challenge is bound to address and port).
  PlainUdp elsewhere(0x7f000002);  // 127.0.0.2
  ASSERT_TRUE(elsewhere.ok());
  ASSERT_TRUE(elsewhere.sendTo(testing::kLoopback, port_, genuine));
  flushServer();
  EXPECT_TRUE(server_.incoming().empty());
  EXPECT_EQ(InstanceTestPeer::connectionObjects(server_.sockets()), 0u);

  // The genuine request once its challenge has expired (3 ticks of 2^20 us, udp.md §3.3).
  std::this_thread::sleep_for(std::chrono::milliseconds(4700));
  ASSERT_TRUE(relay_->injectToServer(genuine));
  flushServer();
  EXPECT_TRUE(server_.incoming().empty());
  EXPECT_EQ(InstanceTestPeer::connectionObjects(server_.sockets()), 0u);
  EXPECT_NE(stateOf(client_, c), ConnectionState::kConnected);

  // Let the client's own retries through: it connects.
  relay_->setDrop(nullptr);
  ASSERT_TRUE(waitUntil({&client_, &server_}, [&] {
    return stateOf(client_, c) == ConnectionState::kConnected && server_.incoming().size() == 1;
  }));
  EXPECT_EQ(InstanceTestPeer::connectionObjects(server_.sockets()), 1u);
}

}  // namespace
}  // namespace opengns
