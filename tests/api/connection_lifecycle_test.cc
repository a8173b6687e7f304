// Live connections over loopback UDP through the public API: connect, accept, close on
// 127.0.0.1 and ::1 with AES-GCM and the NULL cipher, the status-changed sequences of
// lifecycle.md §1.3 on both sides, connection info (§8.1-8.3), rejection before accept
// (§3.3, §4.2), a peer that vanishes (§5.3: 5003), closing a listen socket (§3.5) and the
// instance destructor (T20b: the peer sees 2999).
#include <gtest/gtest.h>

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
using testing::stateOf;
using testing::waitUntil;
using Transitions = std::vector<std::pair<int, int>>;

struct Variant {
  const char* listen_address;
  const char* host;
  int unencrypted;  // config 34 on both sides
};

class ConnectionLifecycleTest : public ::testing::TestWithParam<Variant> {};

TEST_P(ConnectionLifecycleTest, ConnectAcceptAndCloseByClient) {
  const Variant v = GetParam();
  Peer server(/*auto_accept=*/true);
  Peer client;
  const std::vector<ConfigOption> options = {{ConfigValue::kUnencrypted, int32_t{v.unencrypted}}};
  const auto listen_port = listenOn(server, v.listen_address, options);
  [[maybe_unused]] const auto listen = listen_port.first;
  [[maybe_unused]] const auto port = listen_port.second;
  ASSERT_NE(port, 0);
  const auto c_s = connectPair(client, server, v.host, port, options);
  [[maybe_unused]] const auto c = c_s.first;
  [[maybe_unused]] const auto s = c_s.second;
  ASSERT_NE(s, kInvalidConnection);

  // lifecycle.md §1.3 / §10: 0->1, 1->3 on both sides.
  EXPECT_EQ(client.transitionsOf(c), (Transitions{{0, 1}, {1, 3}}));
  EXPECT_EQ(server.transitionsOf(s), (Transitions{{0, 1}, {1, 3}}));
  // §8.3: Unencrypted while connecting; cleared once AES-GCM is up, kept for NULL.
  const int connected_flags = v.unencrypted == 3 ? 11 : 9;
  EXPECT_EQ(client.eventsFor(c)[0].info.info_flags, 11);
  EXPECT_EQ(client.eventsFor(c)[1].info.info_flags, connected_flags);
  EXPECT_EQ(server.eventsFor(s)[1].info.info_flags, connected_flags);
  EXPECT_TRUE(client.eventsFor(c)[0].info.identity.isInvalid());  // unknown until ConnectOK
  EXPECT_EQ(server.eventsFor(s)[0].info.listen_socket, listen);
  EXPECT_EQ(client.eventsFor(c)[0].info.listen_socket, kInvalidListenSocket);

  std::optional<ConnectionInfo> client_info = client->getConnectionInfo(c);
  ASSERT_TRUE(client_info.has_value());
  EXPECT_EQ(client_info->connection_state, ConnectionState::kConnected);
  EXPECT_EQ(client_info->remote_address.port(), port);
  EXPECT_TRUE(client_info->remote_address.isLocalHost());
  EXPECT_EQ(client_info->end_reason, ConnectionEnd::kInvalid);
  EXPECT_EQ(client_info->debug_description.rfind(
                "#" + std::to_string(static_cast<uint32_t>(c)) + " UDP ", 0),
            0u)
      << client_info->debug_description;
  std::optional<ConnectionInfo> server_info = server->getConnectionInfo(s);
  ASSERT_TRUE(server_info.has_value());
  // The anonymous client is known by its address (crypto.md §1.3).
  EXPECT_EQ(server_info->identity.type(), IdentityType::kIPAddress);
  EXPECT_EQ(server_info->identity.ipAddr(), server_info->remote_address);
  EXPECT_EQ(server_info->listen_socket, listen);

  // Client closes: x -> 0 for it (handle invalid on return), 3 -> 4 on the server with
  // the reason and text, then the server closes: 4 -> 0.
  EXPECT_TRUE(client->closeConnection(c, 1042, "bye now", false));
  EXPECT_FALSE(client->getConnectionInfo(c).has_value());
  EXPECT_FALSE(client->closeConnection(c, 0, "", false));
  ASSERT_TRUE(waitUntil({&client, &server},
                        [&] { return stateOf(server, s) == ConnectionState::kClosedByPeer; }));
  server_info = server->getConnectionInfo(s);
  ASSERT_TRUE(server_info.has_value());
  EXPECT_EQ(static_cast<int>(server_info->end_reason), 1042);
  EXPECT_EQ(server_info->end_debug, "bye now");
  EXPECT_TRUE(server->closeConnection(s, 0, "", false));
  ASSERT_TRUE(waitUntil({&client, &server}, [&] {
    return client.transitionsOf(c).size() == 3 && server.transitionsOf(s).size() == 4;
  }));
  EXPECT_EQ(client.transitionsOf(c), (Transitions{{0, 1}, {1, 3}, {3, 0}}));
  EXPECT_EQ(server.transitionsOf(s), (Transitions{{0, 1}, {1, 3}, {3, 4}, {4, 0}}));
  EXPECT_EQ(static_cast<int>(client.eventsFor(c)[2].info.end_reason), 1042);
  EXPECT_TRUE(server->closeListenSocket(listen));
  EXPECT_FALSE(server->closeListenSocket(listen));
}

INSTANTIATE_TEST_SUITE_P(
    Loopback, ConnectionLifecycleTest,
    ::testing::Values(Variant{"127.0.0.1:0", "127.0.0.1", 0}, Variant{"[::1]:0", "::1", 0},
                      Variant{"127.0.0.1:0", "127.0.0.1", 3}, Variant{"[::1]:0", "::1", 3},
                      Variant{"[::]:0", "127.0.0.1", 0},  // dual-stack
                      Variant{"[::]:0", "::1", 0}),
    [](const ::testing::TestParamInfo<Variant>& info) {
      std::string name = std::string(info.param.host) +
                         (info.param.unencrypted == 3 ? "_null" : "_aes") +
                         (std::string(info.param.listen_address) == "[::]:0" ? "_dualstack" : "");
      for (char& ch : name)
        if (ch == '.' || ch == ':') ch = '_';
      return name;
    });

TEST(ConnectionLifecycle, ServerClosesFirst) {
  Peer server(true);
  Peer client;
  const auto listen_port = listenOn(server, "127.0.0.1:0");
  [[maybe_unused]] const auto listen = listen_port.first;
  [[maybe_unused]] const auto port = listen_port.second;
  const auto c_s = connectPair(client, server, "127.0.0.1", port);
  [[maybe_unused]] const auto c = c_s.first;
  [[maybe_unused]] const auto s = c_s.second;
  EXPECT_TRUE(server->closeConnection(s, 2042, "server says bye", true));  // nothing pending
  ASSERT_TRUE(waitUntil({&client, &server},
                        [&] { return stateOf(client, c) == ConnectionState::kClosedByPeer; }));
  EXPECT_EQ(static_cast<int>(client->getConnectionInfo(c)->end_reason), 2042);
  EXPECT_EQ(client->getConnectionInfo(c)->end_debug, "server says bye");
  EXPECT_EQ(server.transitionsOf(s), (Transitions{{0, 1}, {1, 3}, {3, 0}}));
  EXPECT_EQ(client.transitionsOf(c), (Transitions{{0, 1}, {1, 3}, {3, 4}}));
  EXPECT_TRUE(client->closeConnection(c, 0, "", false));
}

TEST(ConnectionLifecycle, RejectedBeforeAccept) {
  Peer server;  // does not accept
  Peer client;
  const auto listen_port = listenOn(server, "127.0.0.1:0");
  [[maybe_unused]] const auto listen = listen_port.first;
  [[maybe_unused]] const auto port = listen_port.second;
  ConnectionHandle c = client->connectByIPAddress("127.0.0.1:" + std::to_string(port));
  ASSERT_NE(c, kInvalidConnection);
  ASSERT_TRUE(waitUntil({&client, &server}, [&] { return !server.incoming().empty(); }));
  const ConnectionHandle s = server.incoming()[0];
  EXPECT_EQ(stateOf(server, s), ConnectionState::kConnecting);
  EXPECT_EQ(stateOf(client, c), ConnectionState::kConnecting);
  // lifecycle.md §4.2: closing an unaccepted connection rejects it.
  EXPECT_TRUE(server->closeConnection(s, 1234, "go away", false));
  EXPECT_EQ(server->acceptConnection(s), Result::kInvalidParam);  // handle gone
  ASSERT_TRUE(waitUntil({&client, &server},
                        [&] { return stateOf(client, c) == ConnectionState::kClosedByPeer; }));
  std::optional<ConnectionInfo> info = client->getConnectionInfo(c);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(static_cast<int>(info->end_reason), 1234);
  EXPECT_EQ(info->end_debug, "go away");
  EXPECT_EQ(client.transitionsOf(c), (Transitions{{0, 1}, {1, 4}}));
  EXPECT_EQ(server.transitionsOf(s), (Transitions{{0, 1}, {1, 0}}));
  // An outbound connection cannot be accepted; a closed one is in the wrong state.
  EXPECT_EQ(client->acceptConnection(c), Result::kInvalidParam);
  EXPECT_TRUE(client->closeConnection(c, 0, "", false));
}

TEST(ConnectionLifecycle, AcceptTwiceIsInvalidState) {
  Peer server;
  Peer client;
  const auto listen_port = listenOn(server, "127.0.0.1:0");
  [[maybe_unused]] const auto listen = listen_port.first;
  [[maybe_unused]] const auto port = listen_port.second;
  ConnectionHandle c = client->connectByIPAddress("127.0.0.1:" + std::to_string(port));
  ASSERT_TRUE(waitUntil({&client, &server}, [&] { return !server.incoming().empty(); }));
  const ConnectionHandle s = server.incoming()[0];
  EXPECT_EQ(server->acceptConnection(s), Result::kOK);
  EXPECT_EQ(server->acceptConnection(s), Result::kInvalidState);
  ASSERT_TRUE(waitUntil({&client, &server},
                        [&] { return stateOf(client, c) == ConnectionState::kConnected; }));
}

TEST(ConnectionLifecycle, CipherMismatchFailsTheAccept) {
  // crypto.md §3.6: a client that requires NULL and a server that forbids it.
  Peer server;
  Peer client;
  const std::vector<ConfigOption> forbid = {{ConfigValue::kUnencrypted, int32_t{0}}};
  const std::vector<ConfigOption> require = {{ConfigValue::kUnencrypted, int32_t{3}}};
  const auto listen_port = listenOn(server, "127.0.0.1:0", forbid);
  [[maybe_unused]] const auto listen = listen_port.first;
  [[maybe_unused]] const auto port = listen_port.second;
  ConnectionHandle c = client->connectByIPAddress("127.0.0.1:" + std::to_string(port), require);
  ASSERT_TRUE(waitUntil({&client, &server}, [&] { return !server.incoming().empty(); }));
  const ConnectionHandle s = server.incoming()[0];
  EXPECT_EQ(server->acceptConnection(s), Result::kHandshakeFailed);
  EXPECT_EQ(stateOf(server, s), ConnectionState::kProblemDetectedLocally);
  ASSERT_TRUE(waitUntil({&client, &server},
                        [&] { return stateOf(client, c) == ConnectionState::kClosedByPeer; }));
  EXPECT_EQ(client->getConnectionInfo(c)->end_reason, ConnectionEnd::kRemoteBadCrypt);
}

TEST(ConnectionLifecycle, PeerVanishesAndTheClientTimesOut) {
  Peer server(true);
  Peer client;
  const auto listen_port = listenOn(server, "127.0.0.1:0");
  [[maybe_unused]] const auto listen = listen_port.first;
  [[maybe_unused]] const auto port = listen_port.second;
  const std::vector<ConfigOption> quick = {{ConfigValue::kTimeoutConnected, int32_t{1000}}};
  const auto c_s = connectPair(client, server, "127.0.0.1", port, quick);
  [[maybe_unused]] const auto c = c_s.first;
  [[maybe_unused]] const auto s = c_s.second;
  // lifecycle.md §3.5: nothing is sent to the peers; the server's handles are gone (x -> 0).
  EXPECT_TRUE(server->closeListenSocket(listen));
  EXPECT_FALSE(server->getConnectionInfo(s).has_value());
  server->runNetworkingCallbacks();
  EXPECT_EQ(server.transitionsOf(s), (Transitions{{0, 1}, {1, 3}, {3, 0}}));
  EXPECT_EQ(server.eventsFor(s).back().info.listen_socket, listen);
  // The client keeps sending reliable data, which is never acked: four reply timeouts and
  // TimeoutConnected later it gives up (lifecycle.md §5.3).
  EXPECT_EQ(client->sendMessageToConnection(c, bytesOf("anyone there?"), kSendReliable).result,
            Result::kOK);
  ASSERT_TRUE(waitUntil(
      {&client}, [&] { return stateOf(client, c) == ConnectionState::kProblemDetectedLocally; }));
  std::optional<ConnectionInfo> info = client->getConnectionInfo(c);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->end_reason, ConnectionEnd::kMiscTimeout);
  EXPECT_EQ(client.transitionsOf(c), (Transitions{{0, 1}, {1, 3}, {3, 5}}));
  EXPECT_EQ(client->sendMessageToConnection(c, bytesOf("x"), kSendReliable).result,
            Result::kNoConnection);
}

TEST(ConnectionLifecycle, ConnectTimesOutWithoutAServer) {
  // Nobody listens on the port: TimeoutInitial ends the attempt with 5003.
  Peer server;
  const auto listen_port = listenOn(server, "127.0.0.1:0");
  [[maybe_unused]] const auto listen = listen_port.first;
  [[maybe_unused]] const auto port = listen_port.second;
  ASSERT_TRUE(server->closeListenSocket(listen));  // the port is free again
  Peer client;
  const std::vector<ConfigOption> quick = {{ConfigValue::kTimeoutInitial, int32_t{700}}};
  ConnectionHandle c = client->connectByIPAddress("127.0.0.1:" + std::to_string(port), quick);
  ASSERT_NE(c, kInvalidConnection);
  ASSERT_TRUE(waitUntil(
      {&client}, [&] { return stateOf(client, c) == ConnectionState::kProblemDetectedLocally; }));
  EXPECT_EQ(client->getConnectionInfo(c)->end_reason, ConnectionEnd::kMiscTimeout);
  EXPECT_EQ(client.transitionsOf(c), (Transitions{{0, 1}, {1, 5}}));
}

TEST(ConnectionLifecycle, DestroyingTheInstanceClosesWith2999) {
  Peer server(true);
  Peer client;
  const auto listen_port = listenOn(server, "127.0.0.1:0");
  [[maybe_unused]] const auto listen = listen_port.first;
  [[maybe_unused]] const auto port = listen_port.second;
  const auto c_s = connectPair(client, server, "127.0.0.1", port);
  [[maybe_unused]] const auto c = c_s.first;
  [[maybe_unused]] const auto s = c_s.second;
  const auto c2_s2 = connectPair(client, server, "127.0.0.1", port);
  [[maybe_unused]] const auto c2 = c2_s2.first;
  [[maybe_unused]] const auto s2 = c2_s2.second;
  client.destroy();
  ASSERT_TRUE(waitUntil({&server}, [&] {
    return stateOf(server, s) == ConnectionState::kClosedByPeer &&
           stateOf(server, s2) == ConnectionState::kClosedByPeer;
  }));
  std::optional<ConnectionInfo> info = server->getConnectionInfo(s);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->end_reason, ConnectionEnd::kAppExceptionMax);
  EXPECT_EQ(info->end_debug, "SteamNetworkingSockets shutdown");
}

TEST(ConnectionLifecycle, BadArgumentsFailTheCreatingCalls) {
  Peer peer;
  // An option that cannot be applied fails the call and says which option (config.md §1.9).
  const std::vector<ConfigOption> bad = {{ConfigValue::kNagleTime, std::string("soon")}};
  EXPECT_EQ(peer->createListenSocketIP("127.0.0.1:0", bad), kInvalidListenSocket);
  EXPECT_EQ(peer->connectByIPAddress("127.0.0.1:9", bad), kInvalidConnection);
  std::vector<std::string> lines = peer.logLines();
  ASSERT_GE(lines.size(), 2u);
  EXPECT_NE(lines[0].find("NagleTime"), std::string::npos) << lines[0];
  EXPECT_EQ(peer->connectByIPAddress("127.0.0.1:0"), kInvalidConnection);  // no port
  EXPECT_EQ(peer->connectByIPAddress("0.0.0.0:27015"), kInvalidConnection);
  peer->runNetworkingCallbacks();
  EXPECT_TRUE(peer.events().empty());  // T2: failed creation posts nothing
}

TEST(ConnectionLifecycle, NamesGoIntoTheDescription) {
  Peer server(true);
  Peer client;
  const auto listen_port = listenOn(server, "127.0.0.1:0");
  [[maybe_unused]] const auto listen = listen_port.first;
  [[maybe_unused]] const auto port = listen_port.second;
  const auto c_s = connectPair(client, server, "127.0.0.1", port);
  [[maybe_unused]] const auto c = c_s.first;
  [[maybe_unused]] const auto s = c_s.second;
  EXPECT_EQ(client->getConnectionName(c), "");
  // lifecycle.md §6.3, §8.2: at most 31 bytes, shown after the description.
  client->setConnectionName(c, "a name that is longer than thirty-one bytes");
  EXPECT_EQ(client->getConnectionName(c), "a name that is longer than thir");
  const std::string description = client->getConnectionInfo(c)->debug_description;
  EXPECT_EQ(description, "#" + std::to_string(static_cast<uint32_t>(c)) + " UDP 127.0.0.1:" +
                             std::to_string(port) + " 'a name that is longer than thir'");
  EXPECT_EQ(server->getConnectionName(s), "");
}

TEST(ConnectionLifecycle, ListenSocketAddressAndPortReuse) {
  Peer server;
  const auto listen_port = listenOn(server, "127.0.0.1:0");
  [[maybe_unused]] const auto listen = listen_port.first;
  [[maybe_unused]] const auto port = listen_port.second;
  EXPECT_EQ(server->getListenSocketAddress(listen, true), "127.0.0.1:" + std::to_string(port));
  EXPECT_EQ(server->getListenSocketAddress(listen, false), "127.0.0.1");
  // The same port twice fails; after closing it can be bound again.
  EXPECT_EQ(server->createListenSocketIP("127.0.0.1:" + std::to_string(port)),
            kInvalidListenSocket);
  EXPECT_TRUE(server->closeListenSocket(listen));
  ListenSocketHandle again = server->createListenSocketIP("127.0.0.1:" + std::to_string(port));
  EXPECT_NE(again, kInvalidListenSocket);
  EXPECT_NE(again, listen);  // the sequence part changed (lifecycle.md §6.1)
  EXPECT_EQ(server->getListenSocketAddress(listen, true), "");
}

}  // namespace
}  // namespace opengns
