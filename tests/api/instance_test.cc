// Several instances in one process: each has its own sockets-interface config, callback
// queue, handlers, poll groups and log sink, while Global config is shared (config.md §1.2).
#include "api/instance.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "opengns/networking_sockets.h"

namespace opengns {
namespace {

std::unique_ptr<NetworkingSockets> newInstance(NetworkingSocketsOptions options = {}) {
  absl::StatusOr<std::unique_ptr<NetworkingSockets>> created = NetworkingSockets::create(options);
  EXPECT_TRUE(created.ok());
  return std::move(*created);
}

TEST(InstanceTest, InterfaceConfigIsPerInstanceAndGlobalIsShared) {
  auto a = newInstance();
  auto b = newInstance();
  ASSERT_TRUE(a->setConfigValue(ConfigValue::kNagleTime, int32_t{1234}));
  ConfigGetResult in_a = a->getConfigValue(ConfigValue::kNagleTime);
  EXPECT_EQ(in_a.result, GetConfigValueResult::kOK);
  EXPECT_EQ(std::get<int32_t>(in_a.value), 1234);
  ConfigGetResult in_b = b->getConfigValue(ConfigValue::kNagleTime);
  EXPECT_EQ(in_b.result, GetConfigValueResult::kOKInherited);
  EXPECT_EQ(std::get<int32_t>(in_b.value), 5000);  // default, config.md §1.4.3

  ASSERT_TRUE(a->setGlobalConfigValue(ConfigValue::kNagleTime, int32_t{777}));
  EXPECT_EQ(std::get<int32_t>(b->getConfigValue(ConfigValue::kNagleTime).value), 777);
  EXPECT_EQ(std::get<int32_t>(a->getConfigValue(ConfigValue::kNagleTime).value), 1234);
  EXPECT_EQ(std::get<int32_t>(b->getGlobalConfigValue(ConfigValue::kNagleTime).value), 777);
  ASSERT_TRUE(b->clearGlobalConfigValue(ConfigValue::kNagleTime));
  EXPECT_EQ(std::get<int32_t>(b->getConfigValue(ConfigValue::kNagleTime).value), 5000);

  ASSERT_TRUE(a->clearConfigValue(ConfigValue::kNagleTime));
  EXPECT_EQ(a->getConfigValue(ConfigValue::kNagleTime).result, GetConfigValueResult::kOKInherited);
}

TEST(InstanceTest, ConfigSemanticsAtInterfaceScope) {
  auto a = newInstance();
  // Out-of-range values are clamped (config.md §1.9): NagleTime max 20000.
  ASSERT_TRUE(a->setConfigValue(ConfigValue::kNagleTime, int32_t{999999}));
  EXPECT_EQ(std::get<int32_t>(a->getConfigValue(ConfigValue::kNagleTime).value), 20000);
  // Unknown ids fail; global-only ids fail below Global scope.
  EXPECT_FALSE(a->setConfigValue(static_cast<ConfigValue>(61), int32_t{1}));
  EXPECT_EQ(a->getConfigValue(static_cast<ConfigValue>(61)).result,
            GetConfigValueResult::kBadValue);
  EXPECT_FALSE(a->setConfigValue(ConfigValue::kFakePacketLagSend, int32_t{10}));
  EXPECT_EQ(a->getConfigValue(ConfigValue::kFakePacketLagSend).result,
            GetConfigValueResult::kBadScopeObj);
}

TEST(InstanceTest, CallbackQueuesAreSeparate) {
  auto a = newInstance();
  auto b = newInstance();
  int a_calls = 0, b_calls = 0;
  a->setConnectionStatusChangedCallback([&](const ConnectionStatusChangedCallback&) { ++a_calls; });
  b->setConnectionStatusChangedCallback([&](const ConnectionStatusChangedCallback&) { ++b_calls; });
  api::Instance& ia = api::InstanceAccess::of(*a);
  api::Instance& ib = api::InstanceAccess::of(*b);
  ia.postStatusChanged(ia.statusChangedHandlerFor(ia.config()), {});
  ib.postStatusChanged(ib.statusChangedHandlerFor(ib.config()), {});
  ib.postStatusChanged(ib.statusChangedHandlerFor(ib.config()), {});
  a->runNetworkingCallbacks();
  EXPECT_EQ(a_calls, 1);
  EXPECT_EQ(b_calls, 0);
  b->runNetworkingCallbacks();
  EXPECT_EQ(b_calls, 2);
  // Instance a's token is not instance b's handler.
  EXPECT_NE(
      std::get<void*>(a->getConfigValue(ConfigValue::kCallbackConnectionStatusChanged).value),
      std::get<void*>(b->getConfigValue(ConfigValue::kCallbackConnectionStatusChanged).value));
}

TEST(InstanceTest, PollGroupsBelongToTheirInstance) {
  auto a = newInstance();
  auto b = newInstance();
  PollGroupHandle in_a = a->createPollGroup();
  PollGroupHandle in_b = b->createPollGroup();
  EXPECT_NE(in_a, in_b);  // process-wide sequence numbers
  EXPECT_FALSE(b->destroyPollGroup(in_a));
  EXPECT_FALSE(a->destroyPollGroup(in_b));
  EXPECT_TRUE(a->destroyPollGroup(in_a));
  EXPECT_TRUE(b->destroyPollGroup(in_b));
}

TEST(InstanceTest, LogSinkIsPerInstance) {
  std::vector<std::string> a_lines, b_lines;
  NetworkingSocketsOptions options;
  options.log_level = DebugOutputType::kMsg;
  options.log_sink = [&](DebugOutputType, std::string_view text) { a_lines.emplace_back(text); };
  auto a = newInstance(options);
  auto b = newInstance();
  b->setLogSink([&](DebugOutputType, std::string_view text) { b_lines.emplace_back(text); },
                DebugOutputType::kError);
  api::InstanceAccess::of(*a).log(DebugOutputType::kMsg, "to a");
  api::InstanceAccess::of(*a).log(DebugOutputType::kVerbose, "too detailed for a");
  api::InstanceAccess::of(*b).log(DebugOutputType::kWarning, "too detailed for b");
  b->resetIdentity(1);  // logs an error: 1 is not a SteamID
  EXPECT_EQ(a_lines, (std::vector<std::string>{"to a"}));
  ASSERT_EQ(b_lines.size(), 1u);
  EXPECT_NE(b_lines[0].find("SteamID"), std::string::npos);
}

}  // namespace
}  // namespace opengns
