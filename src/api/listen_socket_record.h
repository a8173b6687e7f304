// What the API layer keeps for one IP listen socket (lifecycle.md §3): its config store
// (ListenSocket scope, the parent of its connections' stores), its bound UDP socket and
// the sans-IO ListenSocketCore that owns the inbound connections. Every datagram on the
// socket goes to the core, which routes it by source address (udp.md §1).
// Guarded by the instance lock.
#pragma once

#include <cstdint>
#include <memory>

#include "api/config_store.h"
#include "api/endpoint_datagram_sink.h"
#include "connection/listen_socket_core.h"
#include "opengns/types.h"
#include "transport/socket_endpoint.h"

namespace opengns::api {

struct ListenSocketRecord {
  ListenSocketHandle handle = kInvalidListenSocket;
  std::unique_ptr<ConfigStore> config;
  std::unique_ptr<transport::SocketEndpoint> endpoint;
  uint64_t endpoint_token = 0;
  std::unique_ptr<EndpointDatagramSink> sink;
  std::unique_ptr<connection::ListenSocketCore> core;
  NetworkingIPAddr local_address;  // as bound (the real port when 0 was asked)
};

}  // namespace opengns::api
