// Every documented function (41) on a fresh instance with handles that do not exist returns
// its documented failure value (config.md §2.1, lifecycle.md §6.1), and the FakeIP / hosted
// server functions return what the original's open-source build returns (p2p-and-auth.md
// §4.2, §5.2).
#include <gtest/gtest.h>

#include <memory>

#include "opengns/networking_sockets.h"

namespace opengns {
namespace {

constexpr ConnectionHandle kNoSuchConnection{0x12345678};
constexpr ListenSocketHandle kNoSuchListenSocket{0x00010001};
constexpr PollGroupHandle kNoSuchPollGroup{0x80010001};
constexpr uint64_t kSteamId = 76561197960287930ull;  // valid individual SteamID

class FacadeFailureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<NetworkingSockets>> created = NetworkingSockets::create({});
    ASSERT_TRUE(created.ok()) << created.status();
    sockets_ = std::move(*created);
  }
  std::unique_ptr<NetworkingSockets> sockets_;
};

TEST_F(FacadeFailureTest, ConnectionFunctionsWithBadHandles) {
  for (ConnectionHandle conn : {kInvalidConnection, kNoSuchConnection}) {
    EXPECT_EQ(sockets_->acceptConnection(conn), Result::kInvalidParam);
    EXPECT_FALSE(sockets_->closeConnection(conn, 0, "bye", false));
    EXPECT_FALSE(sockets_->setConnectionUserData(conn, 7));
    EXPECT_EQ(sockets_->getConnectionUserData(conn), -1);
    sockets_->setConnectionName(conn, "name");  // no effect, no crash
    EXPECT_EQ(sockets_->getConnectionName(conn), "");
    EXPECT_FALSE(sockets_->getConnectionInfo(conn).has_value());
    RealTimeStatusResult status = sockets_->getConnectionRealTimeStatus(conn, 0, true);
    EXPECT_EQ(status.result, Result::kNoConnection);
    EXPECT_FALSE(status.connection_status.has_value());
    EXPECT_TRUE(status.lanes_status.empty());
    DetailedConnectionStatus detailed = sockets_->getDetailedConnectionStatus(conn);
    EXPECT_EQ(detailed.success, -1);
    EXPECT_EQ(detailed.buffer, "");
    std::array<int, 2> priorities = {0, 1};
    std::array<uint16_t, 2> weights = {1, 1};
    EXPECT_EQ(sockets_->configureConnectionLanes(conn, 2, priorities, weights),
              Result::kNoConnection);
    std::array<std::byte, 3> data{};
    SendMessageResult sent = sockets_->sendMessageToConnection(conn, data, kSendReliable);
    EXPECT_EQ(sent.result, Result::kInvalidParam);
    EXPECT_EQ(sent.message_number, -1);
    EXPECT_EQ(sockets_->flushMessagesOnConnection(conn), Result::kInvalidParam);
    std::vector<MessagePtr> received;
    EXPECT_EQ(sockets_->receiveMessagesOnConnection(conn, 10, &received), -1);
    EXPECT_TRUE(received.empty());
    EXPECT_FALSE(sockets_->setConnectionPollGroup(conn, kInvalidPollGroup));
    EXPECT_EQ(sockets_->getRemoteFakeIPForConnection(conn).result, Result::kInvalidParam);
  }
}

TEST_F(FacadeFailureTest, SendMessagesFailsEveryMessageAndTakesOwnership) {
  std::vector<MessagePtr> messages;
  messages.push_back(sockets_->allocateMessage(10));
  messages.push_back(nullptr);
  messages.push_back(sockets_->allocateMessage(0));
  std::vector<int64_t> results =
      sockets_->sendMessages(std::move(messages), kNoSuchConnection, kSendReliable);
  EXPECT_EQ(results, (std::vector<int64_t>{-8, -8, -8}));
  EXPECT_TRUE(sockets_->sendMessages({}, kNoSuchConnection, 0).empty());
}

TEST_F(FacadeFailureTest, ListenSocketsAndConnecting) {
  EXPECT_EQ(sockets_->createListenSocketIP("not an address"), kInvalidListenSocket);
  EXPECT_EQ(sockets_->connectByIPAddress("localhost:27020"), kInvalidConnection);  // no DNS
  EXPECT_EQ(sockets_->connectByIPAddress("127.0.0.1:0"), kInvalidConnection);      // no port
  for (ListenSocketHandle socket : {kInvalidListenSocket, kNoSuchListenSocket}) {
    EXPECT_FALSE(sockets_->closeListenSocket(socket));
    EXPECT_EQ(sockets_->getListenSocketAddress(socket, true), "");
  }
  SocketPairResult pair = sockets_->createSocketPair(true, 1, 0);  // 1 is not a SteamID
  EXPECT_FALSE(pair.success);
  EXPECT_EQ(pair.connection1, kInvalidConnection);
  EXPECT_EQ(pair.connection2, kInvalidConnection);
}

TEST_F(FacadeFailureTest, PeerToPeerWithoutSignaling) {
  // No Callback_CreateConnectionSignaling: the open-source build fails (p2p-and-auth.md §1.8).
  EXPECT_EQ(sockets_->connectP2P(kSteamId, 0), kInvalidConnection);
  EXPECT_EQ(sockets_->connectP2P(*NetworkingIdentity::parse("str:peer"), 0), kInvalidConnection);
  EXPECT_EQ(sockets_->connectP2P(12345, 0), kInvalidConnection);  // not a SteamID
  EXPECT_EQ(sockets_->createListenSocketP2P(0), kInvalidListenSocket);
}

TEST_F(FacadeFailureTest, PollGroupFunctionsWithBadHandles) {
  for (PollGroupHandle group : {kInvalidPollGroup, kNoSuchPollGroup}) {
    EXPECT_FALSE(sockets_->destroyPollGroup(group));
    std::vector<MessagePtr> received;
    EXPECT_EQ(sockets_->receiveMessagesOnPollGroup(group, 10, &received), -1);
    EXPECT_TRUE(received.empty());
  }
}

TEST_F(FacadeFailureTest, IdentityAndAuthentication) {
  // p2p-and-auth.md §6.1: localhost until an identity is set (details: auth_test.cc).
  EXPECT_EQ(sockets_->getIdentity().toString(), "ip:::1");
  sockets_->resetIdentity(0);
  sockets_->resetIdentity(1);  // invalid SteamID: the call does nothing
  sockets_->resetIdentity(*NetworkingIdentity::parse("str:me"));
  EXPECT_EQ(sockets_->getIdentity().toString(), "str:me");
  // The open-source build's status before any certificate (p2p-and-auth.md §6.4).
  EXPECT_EQ(sockets_->initAuthentication(), Availability::kCannotTry);
  EXPECT_EQ(sockets_->getAuthenticationStatus(), Availability::kCannotTry);
  std::array<uint8_t, 4> garbage = {1, 2, 3, 4};
  SetCertificateResult set = sockets_->setCertificate(garbage);
  EXPECT_FALSE(set.response);
  EXPECT_FALSE(set.error.empty());
}

TEST_F(FacadeFailureTest, FakeIPAsTheOpenSourceBuild) {
  EXPECT_FALSE(sockets_->beginAsyncRequestFakeIP(1));
  FakeIPInfo info = sockets_->getFakeIP(0);  // untouched: the default record
  EXPECT_EQ(info.result, Result::kNone);
  EXPECT_TRUE(info.identity.isInvalid());
  EXPECT_EQ(info.ip, "");
  for (uint16_t port : info.ports)
    EXPECT_EQ(port, 0);
  EXPECT_EQ(sockets_->createListenSocketP2PFakeIP(0), kInvalidListenSocket);
  EXPECT_EQ(sockets_->createFakeUDPPort(0), nullptr);
  EXPECT_EQ(sockets_->createFakeUDPPort(-1), nullptr);
  RemoteFakeIPResult remote = sockets_->getRemoteFakeIPForConnection(kNoSuchConnection);
  EXPECT_EQ(remote.result, Result::kInvalidParam);
}

TEST_F(FacadeFailureTest, HostedDedicatedServersAsTheOpenSourceBuild) {
  EXPECT_EQ(sockets_->getHostedDedicatedServerPort(), 0);
  EXPECT_EQ(sockets_->getHostedDedicatedServerPOPId(), 0u);
  EXPECT_EQ(sockets_->createHostedDedicatedServerListenSocket(0), kInvalidListenSocket);
  EXPECT_EQ(sockets_->connectToHostedDedicatedServer(kSteamId, 0), kInvalidConnection);
  EXPECT_EQ(sockets_->connectToHostedDedicatedServer(*NetworkingIdentity::parse("str:srv"), 0),
            kInvalidConnection);
}

TEST_F(FacadeFailureTest, RunCallbacksOnAFreshInstanceDoesNothing) {
  sockets_->runNetworkingCallbacks();
  sockets_->runNetworkingCallbacks();
}

TEST_F(FacadeFailureTest, ConfigAtScopesWithoutObjects) {
  EXPECT_FALSE(sockets_->setConfigValue(kNoSuchListenSocket, ConfigValue::kNagleTime, 100));
  EXPECT_FALSE(sockets_->clearConfigValue(kNoSuchListenSocket, ConfigValue::kNagleTime));
  EXPECT_EQ(sockets_->getConfigValue(kNoSuchListenSocket, ConfigValue::kNagleTime).result,
            GetConfigValueResult::kBadScopeObj);
  EXPECT_FALSE(sockets_->setConfigValue(kNoSuchConnection, ConfigValue::kNagleTime, 100));
  EXPECT_FALSE(sockets_->clearConfigValue(kNoSuchConnection, ConfigValue::kNagleTime));
  EXPECT_EQ(sockets_->getConfigValue(kNoSuchConnection, ConfigValue::kNagleTime).result,
            GetConfigValueResult::kBadScopeObj);
  // An unknown id is reported as such whatever the scope object.
  EXPECT_EQ(sockets_->getConfigValue(kNoSuchConnection, static_cast<ConfigValue>(61)).result,
            GetConfigValueResult::kBadValue);
  EXPECT_EQ(sockets_->getConfigValue(kNoSuchConnection, ConfigValue::kSDRClientSingleSocket).result,
            GetConfigValueResult::kBadValue);
}

TEST(FacadeCreateTest, RejectsAnOutOfRangeLogLevel) {
  NetworkingSocketsOptions options;
  options.log_level = static_cast<DebugOutputType>(9);
  absl::StatusOr<std::unique_ptr<NetworkingSockets>> created = NetworkingSockets::create(options);
  ASSERT_FALSE(created.ok());
  EXPECT_NE(created.status().message().find("log_level"), absl::string_view::npos);
}

}  // namespace
}  // namespace opengns
