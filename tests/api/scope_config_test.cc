// Config values at listen-socket and connection scope on live objects (config.md §1.2,
// §1.9, §1.9.1): inheritance connection -> listen socket -> interface, locking, the
// user-data rules, and kBadScopeObj once the handle is gone.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "loopback_peers.h"
#include "opengns/networking_sockets.h"

namespace opengns {
namespace {

using testing::connectPair;
using testing::listenOn;
using testing::Peer;
using testing::waitUntil;

TEST(ScopeConfig, ListenSocketAndConnectionScopes) {
  Peer server(true);
  Peer client;
  ASSERT_TRUE(server->setConfigValue(ConfigValue::kTimeoutConnected, int32_t{7000}));
  const std::vector<ConfigOption> options = {{ConfigValue::kConnectionUserData, int64_t{555}},
                                             {ConfigValue::kTimeoutInitial, int32_t{6000}}};
  const auto listen_port = listenOn(server, "127.0.0.1:0", options);
  [[maybe_unused]] const auto listen = listen_port.first;
  [[maybe_unused]] const auto port = listen_port.second;

  ConfigGetResult got = server->getConfigValue(listen, ConfigValue::kTimeoutInitial);
  EXPECT_EQ(got.result, GetConfigValueResult::kOK);
  EXPECT_EQ(std::get<int32_t>(got.value), 6000);
  got = server->getConfigValue(listen, ConfigValue::kTimeoutConnected);
  EXPECT_EQ(got.result, GetConfigValueResult::kOKInherited);
  EXPECT_EQ(std::get<int32_t>(got.value), 7000);
  // SymmetricConnect is locked on a listen socket once it exists (§1.9.1).
  EXPECT_FALSE(server->setConfigValue(listen, ConfigValue::kSymmetricConnect, int32_t{1}));
  EXPECT_TRUE(server->setConfigValue(listen, ConfigValue::kNagleTime, int32_t{1000}));
  EXPECT_TRUE(server->clearConfigValue(listen, ConfigValue::kNagleTime));
  // Global-only ids are refused below Global scope.
  EXPECT_FALSE(server->setConfigValue(listen, ConfigValue::kFakePacketLagSend, int32_t{10}));

  const auto c_s = connectPair(client, server, "127.0.0.1", port);
  [[maybe_unused]] const auto c = c_s.first;
  [[maybe_unused]] const auto s = c_s.second;
  // The accepted connection inherits the listen socket's values, user data included.
  EXPECT_EQ(server->getConnectionUserData(s), 555);
  got = server->getConfigValue(s, ConfigValue::kTimeoutInitial);
  EXPECT_EQ(got.result, GetConfigValueResult::kOKInherited);
  EXPECT_EQ(std::get<int32_t>(got.value), 6000);
  EXPECT_EQ(server->getConnectionInfo(s)->user_data, 555);
  // Later changes at listen-socket scope do not move the connection's user data (§6.2).
  EXPECT_TRUE(server->setConfigValue(listen, ConfigValue::kConnectionUserData, int64_t{1}));
  EXPECT_EQ(server->getConnectionUserData(s), 555);
  // Connection scope works for a live handle; crypto values are locked after accept.
  EXPECT_TRUE(server->setConfigValue(s, ConfigValue::kTimeoutConnected, int32_t{9000}));
  got = server->getConfigValue(s, ConfigValue::kTimeoutConnected);
  EXPECT_EQ(got.result, GetConfigValueResult::kOK);
  EXPECT_EQ(std::get<int32_t>(got.value), 9000);
  EXPECT_FALSE(server->setConfigValue(s, ConfigValue::kUnencrypted, int32_t{1}));
  EXPECT_FALSE(client->setConfigValue(c, ConfigValue::kIPAllowWithoutAuth, int32_t{1}));
  EXPECT_TRUE(client->setConfigValue(c, ConfigValue::kConnectionUserData, int64_t{-5}));
  EXPECT_EQ(client->getConnectionUserData(c), -5);

  EXPECT_TRUE(client->closeConnection(c, 0, "", false));
  EXPECT_EQ(client->getConfigValue(c, ConfigValue::kTimeoutConnected).result,
            GetConfigValueResult::kBadScopeObj);
  EXPECT_FALSE(client->setConfigValue(c, ConfigValue::kTimeoutConnected, int32_t{1}));
  EXPECT_TRUE(server->closeListenSocket(listen));
  EXPECT_EQ(server->getConfigValue(listen, ConfigValue::kTimeoutConnected).result,
            GetConfigValueResult::kBadScopeObj);
}

TEST(ScopeConfig, StatusCallbackSetOnTheListenSocket) {
  // Config 201 on a listen socket overrides the instance's handler for its connections.
  static std::vector<ConnectionStatusChangedCallback>* seen = nullptr;
  std::vector<ConnectionStatusChangedCallback> records;
  seen = &records;
  Peer server;
  Peer client;
  auto fn = +[](const ConnectionStatusChangedCallback* record) { seen->push_back(*record); };
  const std::vector<ConfigOption> options = {
      {ConfigValue::kCallbackConnectionStatusChanged, reinterpret_cast<void*>(fn)}};
  const auto listen_port = listenOn(server, "127.0.0.1:0", options);
  [[maybe_unused]] const auto listen = listen_port.first;
  [[maybe_unused]] const auto port = listen_port.second;
  ConnectionHandle c = client->connectByIPAddress("127.0.0.1:" + std::to_string(port));
  ASSERT_NE(c, kInvalidConnection);
  ASSERT_TRUE(waitUntil({&client, &server}, [&] { return !records.empty(); }));
  EXPECT_EQ(records[0].old_state, ConnectionState::kNone);
  EXPECT_EQ(records[0].connection.connection_state, ConnectionState::kConnecting);
  EXPECT_EQ(records[0].connection.listen_socket, listen);
  EXPECT_TRUE(server.events().empty());  // the instance handler was not used
  seen = nullptr;
}

}  // namespace
}  // namespace opengns
