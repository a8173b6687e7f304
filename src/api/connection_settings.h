// Reads the effective config values of a connection (or listen socket) store into the
// plain structs the sans-IO layers take: connection::ConnectionConfig for the state
// machine (timeouts, Unencrypted, auth policy, MTU), snp::SnpConfig for the SNP engine
// (Nagle, rates, buffers, MTU) and the fake-network options of the socket endpoints
// (Global scope, config.md §1.4.7). One place maps ids to fields, so every layer sees the
// same numbers; the callers re-read when configGeneration() moves.
#pragma once

#include <cstdint>

#include "api/config_store.h"
#include "connection/connection_config.h"
#include "snp/snp_session.h"
#include "transport/network_simulator.h"

namespace opengns::api {

connection::ConnectionConfig connectionConfigFrom(const ConfigStore& store, uint32_t app_id);

// SNP values only; the peer version, the cipher overhead and `connected` are the caller's.
snp::SnpConfig snpConfigFrom(const ConfigStore& store);

struct FakeNetworkSettings {
  transport::FakeNetworkOptions send;
  transport::FakeNetworkOptions receive;
};
FakeNetworkSettings fakeNetworkFrom(const ConfigStore& store);

}  // namespace opengns::api
