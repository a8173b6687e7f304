// The service thread (api/instance.h): it starts with the first socket, sleeps while
// nothing is due (an idle connection does not spin), frees closed connections after
// FinWait, and keeps callbacks on the application's thread.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "instance_test_peer.h"
#include "loopback_peers.h"

namespace opengns {
namespace {

using api::InstanceTestPeer;
using testing::connectPair;
using testing::listenOn;
using testing::Peer;
using testing::waitUntil;

TEST(ServiceThread, StartsWithTheFirstSocketAndIdlesQuietly) {
  Peer server(true);
  Peer client;
  EXPECT_FALSE(InstanceTestPeer::loopStats(server.sockets()).has_value());
  const auto listen_port = listenOn(server, "127.0.0.1:0");
  [[maybe_unused]] const auto listen = listen_port.first;
  [[maybe_unused]] const auto port = listen_port.second;
  ASSERT_TRUE(InstanceTestPeer::loopStats(server.sockets()).has_value());
  const auto c_s = connectPair(client, server, "127.0.0.1", port);
  [[maybe_unused]] const auto c = c_s.first;
  [[maybe_unused]] const auto s = c_s.second;
  // Let the handshake's delayed acks settle, then count iterations over one idle second.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const uint64_t before = InstanceTestPeer::loopStats(client.sockets())->iterations;
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const uint64_t idle_iterations =
      InstanceTestPeer::loopStats(client.sockets())->iterations - before;
  // Nothing is due for 10 s (keepalive): a handful of wakeups at most, not a busy loop.
  EXPECT_LT(idle_iterations, 20u);
  EXPECT_EQ(testing::stateOf(client, c), ConnectionState::kConnected);
}

TEST(ServiceThread, ClosedConnectionsAreFreedAfterFinWait) {
  Peer server(true);
  Peer client;
  const auto listen_port = listenOn(server, "127.0.0.1:0");
  [[maybe_unused]] const auto listen = listen_port.first;
  [[maybe_unused]] const auto port = listen_port.second;
  const auto c_s = connectPair(client, server, "127.0.0.1", port);
  [[maybe_unused]] const auto c = c_s.first;
  [[maybe_unused]] const auto s = c_s.second;
  EXPECT_EQ(InstanceTestPeer::connectionObjects(client.sockets()), 1u);
  EXPECT_TRUE(client->closeConnection(c, 0, "", false));
  EXPECT_TRUE(server->closeConnection(s, 0, "", false));
  // The objects linger in FinWait (5 s, lifecycle.md §4.4), then go.
  EXPECT_EQ(InstanceTestPeer::connectionObjects(client.sockets()), 1u);
  ASSERT_TRUE(waitUntil(
      {&client, &server},
      [&] {
        return InstanceTestPeer::connectionObjects(client.sockets()) == 0 &&
               InstanceTestPeer::connectionObjects(server.sockets()) == 0;
      },
      std::chrono::seconds(15)));
}

TEST(ServiceThread, CallbacksOnlyFromRunNetworkingCallbacks) {
  Peer server(true);
  Peer client;
  const auto listen_port = listenOn(server, "127.0.0.1:0");
  [[maybe_unused]] const auto listen = listen_port.first;
  [[maybe_unused]] const auto port = listen_port.second;
  ConnectionHandle c = client->connectByIPAddress("127.0.0.1:" + std::to_string(port));
  ASSERT_NE(c, kInvalidConnection);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  // Nothing was delivered while we slept: the handshake waits for the server app's accept,
  // which runs inside its callback.
  EXPECT_TRUE(client.events().empty());
  EXPECT_TRUE(server.events().empty());
  ASSERT_TRUE(waitUntil({&client, &server}, [&] {
    return testing::stateOf(client, c) == ConnectionState::kConnected;
  }));
}

}  // namespace
}  // namespace opengns
