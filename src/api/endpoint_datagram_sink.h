// The DatagramSink of one socket endpoint: the connection layer's datagrams go into the
// endpoint's outgoing batch (no syscall; the service thread or a UseCurrentThread send
// flushes it). Called under the instance lock, like every use of the endpoint.
#pragma once

#include "api/socket_address_convert.h"
#include "connection/connection_io.h"
#include "transport/socket_endpoint.h"

namespace opengns::api {

class EndpointDatagramSink final : public connection::DatagramSink {
 public:
  explicit EndpointDatagramSink(transport::SocketEndpoint* endpoint) : endpoint_(endpoint) {}

  void sendDatagram(const connection::PeerAddress& to, ByteSpan datagram) override {
    endpoint_->sendTo(toSocketAddress(to), datagram);  // a drop here is a loss, as UDP
  }

 private:
  transport::SocketEndpoint* endpoint_;
};

}  // namespace opengns::api
