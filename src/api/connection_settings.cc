#include "api/connection_settings.h"

#include <algorithm>

#include "api/trusted_ca_config.h"

namespace opengns::api {
namespace {

uint64_t nonNegative(int32_t value) {
  return static_cast<uint64_t>(std::max<int32_t>(value, 0));
}

}  // namespace

connection::ConnectionConfig connectionConfigFrom(const ConfigStore& store, uint32_t app_id) {
  connection::ConnectionConfig config;
  config.timeout_initial_ms = store.getInt32(ConfigValue::kTimeoutInitial);
  config.timeout_connected_ms = store.getInt32(ConfigValue::kTimeoutConnected);
  config.unencrypted = store.getInt32(ConfigValue::kUnencrypted);
  config.auth.ip_allow_without_auth = store.getInt32(ConfigValue::kIPAllowWithoutAuth);
  config.auth.ip_localhost_allow_without_auth =
      store.getInt32(ConfigValue::kIPLocalHostAllowWithoutAuth);
  config.auth.local_app_id = app_id;
  config.auth.require_ca = store.getInt32(ConfigValue::kOpengnsRequireCA) != 0;
  config.auth.ca_trust = currentCaTrust;
  config.mtu_packet_size = store.getInt32(ConfigValue::kMTUPacketSize);
  config.send_time_since_previous_packet =
      store.getInt32(ConfigValue::kSendTimeSincePreviousPacket);
  return config;
}

snp::SnpConfig snpConfigFrom(const ConfigStore& store) {
  snp::SnpConfig config;
  config.mtu_bytes =
      static_cast<uint32_t>(nonNegative(store.getInt32(ConfigValue::kMTUPacketSize)));
  config.nagle_time_usec = static_cast<snp::Usec>(store.getInt32(ConfigValue::kNagleTime));
  config.send_buffer_bytes = nonNegative(store.getInt32(ConfigValue::kSendBufferSize));
  config.send_rate_min_bytes_per_sec = nonNegative(store.getInt32(ConfigValue::kSendRateMin));
  config.send_rate_max_bytes_per_sec = nonNegative(store.getInt32(ConfigValue::kSendRateMax));
  config.recv_buffer_bytes = nonNegative(store.getInt32(ConfigValue::kRecvBufferSize));
  config.recv_buffer_messages = nonNegative(store.getInt32(ConfigValue::kRecvBufferMessages));
  config.recv_max_message_bytes =
      static_cast<uint32_t>(nonNegative(store.getInt32(ConfigValue::kRecvMaxMessageSize)));
  config.recv_max_segments_per_packet =
      static_cast<uint32_t>(nonNegative(store.getInt32(ConfigValue::kRecvMaxSegmentsPerPacket)));
  return config;
}

FakeNetworkSettings fakeNetworkFrom(const ConfigStore& store) {
  FakeNetworkSettings settings;
  transport::FakeNetworkOptions& send = settings.send;
  send.packet_loss_percent = store.getFloat(ConfigValue::kFakePacketLossSend);
  send.packet_lag_ms = store.getInt32(ConfigValue::kFakePacketLagSend);
  send.packet_reorder_percent = store.getFloat(ConfigValue::kFakePacketReorderSend);
  send.packet_reorder_time_ms = store.getInt32(ConfigValue::kFakePacketReorderTime);
  send.packet_dup_percent = store.getFloat(ConfigValue::kFakePacketDupSend);
  send.packet_dup_time_max_ms = store.getInt32(ConfigValue::kFakePacketDupTimeMax);
  send.packet_jitter_avg_ms = store.getFloat(ConfigValue::kFakePacketJitterSendAvg);
  send.packet_jitter_max_ms = store.getFloat(ConfigValue::kFakePacketJitterSendMax);
  send.packet_jitter_percent = store.getFloat(ConfigValue::kFakePacketJitterSendPct);
  send.rate_limit_bytes_per_sec = store.getInt32(ConfigValue::kFakeRateLimitSendRate);
  send.rate_limit_burst_bytes = store.getInt32(ConfigValue::kFakeRateLimitSendBurst);
  transport::FakeNetworkOptions& receive = settings.receive;
  receive.packet_loss_percent = store.getFloat(ConfigValue::kFakePacketLossRecv);
  receive.packet_lag_ms = store.getInt32(ConfigValue::kFakePacketLagRecv);
  receive.packet_reorder_percent = store.getFloat(ConfigValue::kFakePacketReorderRecv);
  receive.packet_reorder_time_ms = store.getInt32(ConfigValue::kFakePacketReorderTime);
  receive.packet_dup_percent = store.getFloat(ConfigValue::kFakePacketDupRecv);
  receive.packet_dup_time_max_ms = store.getInt32(ConfigValue::kFakePacketDupTimeMax);
  receive.packet_jitter_avg_ms = store.getFloat(ConfigValue::kFakePacketJitterRecvAvg);
  receive.packet_jitter_max_ms = store.getFloat(ConfigValue::kFakePacketJitterRecvMax);
  receive.packet_jitter_percent = store.getFloat(ConfigValue::kFakePacketJitterRecvPct);
  receive.rate_limit_bytes_per_sec = store.getInt32(ConfigValue::kFakeRateLimitRecvRate);
  receive.rate_limit_burst_bytes = store.getInt32(ConfigValue::kFakeRateLimitRecvBurst);
  return settings;
}

}  // namespace opengns::api
