// Datagrams with forged source addresses against a live listen socket and a live connection
// (issue 7 item 3), sent through a raw socket (adversarial_net.h; root or CAP_NET_RAW, the
// tests skip otherwise). Every forged source is in 127.0.0.0/8, so whatever the server
// answers stays on this machine. The sans-IO twins are in
// tests/connection/listen_socket_core_test.cc.
#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <string>
#include <vector>

#include "adversarial_net.h"
#include "api/connection_id_registry.h"
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
using testing::kLoopback;
using testing::listenOn;
using testing::Peer;
using testing::PlainUdp;
using testing::receiveN;
using testing::SpoofingSender;
using testing::stateOf;
using testing::textOf;
using testing::waitUntil;

Datagram encode(const wire::ControlMessage& message) {
  absl::StatusOr<Bytes> bytes = wire::encodeControlPacket(message);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  return bytes.ok() ? *bytes : Datagram{};
}

// A random 127/8 source other than 127.0.0.1.
uint32_t randomLoopbackSource(std::mt19937& rng) {
  uint32_t ip = 0x7f000000 | (rng() & 0x00ffffff);
  return ip == kLoopback || (ip & 0xff) == 0 || (ip & 0xff) == 0xff ? 0x7f0a0b0c : ip;
}

#define REQUIRE_RAW_SOCKETS(sender)                                                       \
  std::optional<SpoofingSender> sender = SpoofingSender::open();                          \
  if (!sender) {                                                                          \
    GTEST_SKIP() << "raw sockets not permitted (needs root or CAP_NET_RAW): cannot send " \
                    "datagrams with forged source addresses";                             \
  }

TEST(AdversarialSpoofed, FloodFromForgedAddressesKeepsNoStateAndARealClientConnects) {
  REQUIRE_RAW_SOCKETS(spoofer);
  const size_t ids_before = api::liveConnectionIdCount();
  Peer server(true);
  Peer client;
  // The port as a plain copy: lambdas below use it (clang 14 cannot capture bindings).
  const uint16_t port = listenOn(server, "127.0.0.1:0").second;
  // Catchers: a few forged sources are real sockets, so the test sees the server answer
  // (proof the flood was processed, not lost before the listen socket).
  std::vector<std::unique_ptr<PlainUdp>> catchers;
  for (uint32_t host = 2; host < 6; ++host) {
    catchers.push_back(std::make_unique<PlainUdp>(0x7f000000 + host));
    ASSERT_TRUE(catchers.back()->ok());
  }
  std::mt19937 rng(7);
  int catcher_requests = 0;
  auto flood = [&](int count) {
    for (int i = 0; i < count; ++i) {
      const bool to_catcher = i % 25 == 0;
      const PlainUdp& catcher = *catchers[i % catchers.size()];
      const uint32_t source = to_catcher ? 0x7f000002 + static_cast<uint32_t>(i % catchers.size())
                                         : randomLoopbackSource(rng);
      const uint16_t source_port =
          to_catcher ? catcher.port() : static_cast<uint16_t>(1024 + rng() % 60000);
      Datagram d;
      switch (i % 4) {
        case 0:
        case 1: {  // ChallengeRequest: answered statelessly (26 bytes, no amplification)
          wire::ChallengeRequest request;
          request.set_connection_id(rng() | 1);
          request.set_my_timestamp(rng());
          request.set_protocol_version(wire::kProtocolVersion);
          d = encode(request);
          if (to_catcher) ++catcher_requests;
          break;
        }
        case 2: {  // ConnectRequest with a made-up challenge
          wire::ConnectRequest request;
          request.set_client_connection_id(rng() | 1);
          request.set_challenge((uint64_t{rng()} << 32) | rng());
          request.set_my_timestamp(rng());
          d = encode(request);
          break;
        }
        default:  // garbage of any lead byte and length
          d.resize(rng() % 1300);
          for (uint8_t& b : d)
            b = static_cast<uint8_t>(rng());
          break;
      }
      ASSERT_TRUE(spoofer->send(source, source_port, kLoopback, port, d));
    }
  };
  flood(4000);
  // A real client connects while the flood goes on.
  ConnectionHandle c = client->connectByIPAddress("127.0.0.1:" + std::to_string(port));
  ASSERT_NE(c, kInvalidConnection);
  bool up = false;
  for (int burst = 0; burst < 40 && !up; ++burst) {
    flood(250);
    up = waitUntil(
        {&client, &server},
        [&] {
          return stateOf(client, c) == ConnectionState::kConnected && server.incoming().size() == 1;
        },
        std::chrono::milliseconds(50));
  }
  if (!up) {
    up = waitUntil({&client, &server}, [&] {
      return stateOf(client, c) == ConnectionState::kConnected && server.incoming().size() == 1;
    });
  }
  ASSERT_TRUE(up) << "the real client did not connect during the flood";
  // The server answered the catchers' ChallengeRequests and nothing else.
  int replies = 0;
  for (const auto& catcher : catchers) {
    while (auto got = catcher->receive(replies == 0 ? 2000 : 100)) {
      ASSERT_FALSE(got->first.empty());
      EXPECT_EQ(got->first[0], wire::kLeadChallengeReply);
      EXPECT_EQ(got->first.size(), 26u);
      ++replies;
    }
  }
  EXPECT_GT(replies, 0);
  EXPECT_LE(replies, catcher_requests);
  std::printf("[adversarial] flood of %d forged datagrams: %d of %d catcher challenges answered\n",
              4000 + 250 * 40, replies, catcher_requests);
  // Memory stays bounded: only the real connection holds state on the server.
  EXPECT_EQ(server.incoming().size(), 1u);
  EXPECT_EQ(InstanceTestPeer::connectionObjects(server.sockets()), 1u);
  EXPECT_EQ(api::liveConnectionIdCount(), ids_before + 2);
  ASSERT_EQ(client->sendMessageToConnection(c, bytesOf("hello"), kSendReliable).result,
            Result::kOK);
  std::vector<MessagePtr> got = receiveN(server, {&client, &server}, server.incoming()[0], 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(textOf(*got[0]), "hello");
}

TEST(AdversarialSpoofed, ForgedPacketsFromTheClientsAddressDoNotBreakTheConnection) {
  REQUIRE_RAW_SOCKETS(spoofer);
  Peer server(true);
  Peer client;
  const auto [listen, port] = listenOn(server, "127.0.0.1:0");
  const auto [c, s] = connectPair(client, server, "127.0.0.1", port);
  ASSERT_NE(s, kInvalidConnection);
  std::optional<ConnectionInfo> info = server->getConnectionInfo(s);
  ASSERT_TRUE(info.has_value());
  const uint16_t client_port = info->remote_address.port();
  ASSERT_NE(client_port, 0);
  // The attacker knows both addresses and even the server's connection id (the handle),
  // but neither the keys nor the client's id.
  const uint32_t server_id = static_cast<uint32_t>(s);
  std::mt19937 rng(11);
  // One kind at a time, each followed by a round trip both ways.
  const std::vector<std::pair<std::string, std::function<Datagram()>>> kinds = {
      {"data to the server's id with a garbage number and body",
       [&] {
         Datagram d(20 + rng() % 1200);
         for (uint8_t& b : d)
           b = static_cast<uint8_t>(rng());
         d[0] = 0x80;
         for (int b = 0; b < 4; ++b)
           d[1 + b] = static_cast<uint8_t>(server_id >> (8 * b));
         return d;
       }},
      // (A ConnectionClosed addressed to the right id closes the connection whatever its
      // from field says: udp.md §2.6. The 32-bit id is what an attacker has to guess.)
      {"ConnectionClosed with guessed ids",
       [&] {
         wire::ConnectionClosed closed;
         uint32_t guess = rng() | 1;
         if (guess == server_id) guess ^= 2;
         if (rng() % 2 == 0) closed.set_to_connection_id(guess);
         closed.set_from_connection_id(rng() | 1);
         closed.set_reason_code(1000);
         return encode(closed);
       }},
      {"NoConnection with a guessed peer id",
       [&] {
         wire::NoConnection none;
         none.set_to_connection_id(server_id);
         none.set_from_connection_id(rng() | 1);
         return encode(none);
       }},
      {"ChallengeRequest (a new handshake from the connected address)",
       [&] {
         wire::ChallengeRequest again;
         again.set_connection_id(rng() | 1);
         again.set_my_timestamp(rng());
         again.set_protocol_version(wire::kProtocolVersion);
         return encode(again);
       }},
      {"ConnectRequest with a made-up challenge", [&] {
         wire::ConnectRequest connect;
         connect.set_client_connection_id(rng() | 1);
         connect.set_challenge((uint64_t{rng()} << 32) | rng());
         return encode(connect);
       }}};
  int round = 0;
  for (const auto& [name, make] : kinds) {
    SCOPED_TRACE(name);
    // To the server from the client's address, and to the client from the server's.
    for (int i = 0; i < 100; ++i) {
      const Datagram d = make();
      ASSERT_TRUE(spoofer->send(kLoopback, client_port, kLoopback, port, d));
      ASSERT_TRUE(spoofer->send(kLoopback, port, kLoopback, client_port, d));
    }
    const std::string up = "up " + std::to_string(round);
    const std::string down = "down " + std::to_string(++round);
    ASSERT_EQ(client->sendMessageToConnection(c, bytesOf(up), kSendReliable).result, Result::kOK);
    ASSERT_EQ(server->sendMessageToConnection(s, bytesOf(down), kSendReliable).result, Result::kOK);
    std::vector<MessagePtr> at_server = receiveN(server, {&client, &server}, s, 1);
    std::vector<MessagePtr> at_client = receiveN(client, {&client, &server}, c, 1);
    ASSERT_EQ(at_server.size(), 1u);
    ASSERT_EQ(at_client.size(), 1u);
    EXPECT_EQ(textOf(*at_server[0]), up);
    EXPECT_EQ(textOf(*at_client[0]), down);
  }
  EXPECT_EQ(stateOf(client, c), ConnectionState::kConnected);
  EXPECT_EQ(stateOf(server, s), ConnectionState::kConnected);
  EXPECT_EQ(server.incoming().size(), 1u);
  EXPECT_EQ(InstanceTestPeer::connectionObjects(server.sockets()), 1u);
}

}  // namespace
}  // namespace opengns
