// Config values reach the sans-IO structs under the right field (config.md §1.4).
#include "api/connection_settings.h"

#include <gtest/gtest.h>

namespace opengns::api {
namespace {

TEST(ConnectionSettings, EffectiveValuesInEveryField) {
  ConfigStore parent(ConfigScope::kSocketsInterface, nullptr);
  ConfigStore store(ConfigScope::kConnection, &parent);
  ASSERT_TRUE(parent.set(ConfigValue::kTimeoutInitial, int32_t{1234}));
  ASSERT_TRUE(store.set(ConfigValue::kTimeoutConnected, int32_t{4321}));
  ASSERT_TRUE(store.set(ConfigValue::kUnencrypted, int32_t{2}));
  ASSERT_TRUE(store.set(ConfigValue::kIPAllowWithoutAuth, int32_t{1}));
  ASSERT_TRUE(store.set(ConfigValue::kMTUPacketSize, int32_t{1000}));
  ASSERT_TRUE(store.set(ConfigValue::kNagleTime, int32_t{777}));
  ASSERT_TRUE(store.set(ConfigValue::kSendRateMax, int32_t{100000}));
  ASSERT_TRUE(store.set(ConfigValue::kRecvBufferMessages, int32_t{55}));
  const connection::ConnectionConfig config = connectionConfigFrom(store, 480);
  EXPECT_EQ(config.timeout_initial_ms, 1234);
  EXPECT_EQ(config.timeout_connected_ms, 4321);
  EXPECT_EQ(config.unencrypted, 2);
  EXPECT_EQ(config.auth.ip_allow_without_auth, 1);
  EXPECT_EQ(config.auth.ip_localhost_allow_without_auth, 2);  // default
  EXPECT_EQ(config.auth.local_app_id, 480u);
  EXPECT_EQ(config.mtu_packet_size, 1000);
  const snp::SnpConfig snp = snpConfigFrom(store);
  EXPECT_EQ(snp.nagle_time_usec, 777);
  EXPECT_EQ(snp.send_rate_max_bytes_per_sec, 100000u);
  EXPECT_EQ(snp.send_rate_min_bytes_per_sec, 262144u);  // default
  EXPECT_EQ(snp.recv_buffer_messages, 55u);
  EXPECT_EQ(snp.mtu_bytes, 1000u);
}

TEST(ConnectionSettings, FakeNetworkBothDirections) {
  ConfigStore store(ConfigScope::kGlobal, nullptr);
  ASSERT_TRUE(store.set(ConfigValue::kFakePacketLossSend, 12.5f));
  ASSERT_TRUE(store.set(ConfigValue::kFakePacketLagRecv, int32_t{40}));
  ASSERT_TRUE(store.set(ConfigValue::kFakePacketReorderTime, int32_t{20}));
  const FakeNetworkSettings fake = fakeNetworkFrom(store);
  EXPECT_FLOAT_EQ(fake.send.packet_loss_percent, 12.5f);
  EXPECT_FLOAT_EQ(fake.receive.packet_loss_percent, 0);
  EXPECT_EQ(fake.receive.packet_lag_ms, 40);
  EXPECT_EQ(fake.send.packet_lag_ms, 0);
  EXPECT_EQ(fake.send.packet_reorder_time_ms, 20);
  EXPECT_EQ(fake.receive.packet_reorder_time_ms, 20);
}

}  // namespace
}  // namespace opengns::api
