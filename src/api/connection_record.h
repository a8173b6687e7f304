// What the API layer keeps for one connection (lifecycle.md §6): its config store, user
// data, name, poll group, receive queue and the status handler it was created with; for a
// connection we initiated also the wire objects (its own UDP socket and the UdpConnection);
// for one end of an in-process socket pair its PipeConnection.
// A connection that came in through a listen socket is owned by that socket's
// ListenSocketCore; the record only names the listen socket.
//
// A record outlives the handle's validity: closeConnection makes the handle invalid at
// once (`visible` false, queue purged) while the connection lingers in Linger/FinWait; the
// record goes when the connection layer reports it dead.
//
// Not thread-safe: everything here is guarded by the instance lock.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "api/config_store.h"
#include "api/endpoint_datagram_sink.h"
#include "api/pipe_connection.h"
#include "api/receive_queue.h"
#include "connection/udp_connection.h"
#include "opengns/networking_sockets.h"
#include "transport/socket_endpoint.h"

namespace opengns::api {

struct ConnectionRecord {
  uint32_t id = 0;                      // = the handle = our connection id on the wire
  std::unique_ptr<ConfigStore> config;  // Connection scope; parent: listen socket or interface
  ConnectionStatusChangedHandler status_handler;  // resolved at creation (config 201)
  int64_t user_data = kDefaultConnectionUserData;
  std::string name;
  uint32_t poll_group = 0;  // handle value; 0 = none
  ConnectionReceiveQueue queue;
  bool visible = true;  // the API handle is valid (an API-visible state)
  bool dead = false;    // the connection layer reported it dead: free it

  // Outbound connections and loopback socket pairs only: the socket, its sink and the
  // connection.
  std::unique_ptr<transport::SocketEndpoint> endpoint;
  uint64_t endpoint_token = 0;
  std::unique_ptr<EndpointDatagramSink> sink;
  std::unique_ptr<connection::UdpConnection> client;

  // Inbound connections only: the listen socket it arrived on.
  uint32_t listen_socket = 0;

  // In-process socket pairs (createSocketPair without loopback) only: this end of the
  // pipe, instead of any wire object.
  std::unique_ptr<PipeConnection> pipe;
};

}  // namespace opengns::api
