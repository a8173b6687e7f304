// What the sans-IO connection layer produces, as two small interfaces the layer above
// implements: datagrams to send and events for the application.
//
// Re-entrancy (important): every call is synchronous, made from inside a connection or
// listen-socket method (onDatagram, onTimer, connect, accept, close, ...). An
// implementation must NOT call back into the connection layer from these methods: it
// only copies the bytes to a socket / queue, or queues the event for the application
// (the API layer's callback queue, delivered later by runNetworkingCallbacks). The
// connection's state is consistent when an event is emitted, but the emitting method may
// still be running.
//
// Threading: called on the thread that drives the connection (under the instance lock).
#pragma once

#include <cstdint>
#include <vector>

#include "common/bytes.h"
#include "connection/peer_address.h"
#include "opengns/types.h"
#include "snp/received_message.h"

namespace opengns::connection {

class DatagramSink {
 public:
  virtual ~DatagramSink() = default;
  // Sends one UDP datagram (at most 1300 bytes) to `to`. Borrowed bytes: copy them. A
  // connection always sends to its own peer; a listen socket replies to the source.
  virtual void sendDatagram(const PeerAddress& to, ByteSpan datagram) = 0;
};

class ConnectionEventSink {
 public:
  virtual ~ConnectionEventSink() = default;
  // The collapsed (API) state changed (lifecycle.md §1.3). `info` is the snapshot at
  // this moment: connection_state = the new API state; user_data is left at its default
  // (the API layer owns user data and fills it in).
  virtual void onStatusChanged(uint32_t connection_id, ConnectionState old_api_state,
                               const ConnectionInfo& info) = 0;
  // Whole messages received on a Connected connection, in completion order.
  virtual void onMessagesReceived(uint32_t connection_id,
                                  std::vector<snp::ReceivedMessage>&& messages) = 0;
  // The connection reached Dead (FinWait ended, or it was destroyed by its listen socket):
  // its owner may free it once the current call returns; the ID may be recycled later.
  virtual void onConnectionDead(uint32_t connection_id) = 0;
};

}  // namespace opengns::connection
