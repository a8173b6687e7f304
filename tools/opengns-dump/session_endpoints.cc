#include "session_endpoints.h"

#include "absl/strings/numbers.h"
#include "wire/control_packet.h"

namespace opengns::tools {

std::string_view directionName(Direction direction) {
  switch (direction) {
    case Direction::kClientToServer:
      return "c2s";
    case Direction::kServerToClient:
      return "s2c";
    case Direction::kOther:
      break;
  }
  return "???";
}

std::string_view basisDescription(SessionEndpoints::Basis basis) {
  switch (basis) {
    case SessionEndpoints::Basis::kChallengeRequest:
      return "client = sender of the first ChallengeRequest";
    case SessionEndpoints::Basis::kServerPort:
      return "no ChallengeRequest in the capture: client = the endpoint not on the server port";
    case SessionEndpoints::Basis::kFirstPacket:
      return "no ChallengeRequest and no server port: client = sender of the first GNS "
             "datagram (a guess)";
    case SessionEndpoints::Basis::kNone:
      break;
  }
  return "no GNS datagram: directions unknown";
}

uint16_t portOf(std::string_view address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) return 0;
  uint32_t port = 0;
  if (!absl::SimpleAtoi(absl::string_view(address.data() + colon + 1, address.size() - colon - 1),
                        &port) ||
      port > 65535) {
    return 0;
  }
  return static_cast<uint16_t>(port);
}

Direction SessionEndpoints::directionOf(const CapturedDatagram& datagram) const {
  if (client.empty()) return Direction::kOther;
  const bool server_known = !server.empty();
  if (datagram.src == client && (!server_known || datagram.dst == server)) {
    return Direction::kClientToServer;
  }
  if (datagram.dst == client && (!server_known || datagram.src == server)) {
    return Direction::kServerToClient;
  }
  return Direction::kOther;
}

SessionEndpoints identifyEndpoints(std::span<const CapturedDatagram> datagrams,
                                   uint16_t server_port) {
  SessionEndpoints endpoints;
  for (const CapturedDatagram& datagram : datagrams) {
    if (wire::classifyDatagram(datagram.payload) == wire::DatagramKind::kControl &&
        datagram.payload[0] == static_cast<uint8_t>(wire::ControlType::kChallengeRequest)) {
      endpoints = {datagram.src, datagram.dst, SessionEndpoints::Basis::kChallengeRequest};
      return endpoints;
    }
  }
  for (const CapturedDatagram& datagram : datagrams) {
    const bool src_is_server = portOf(datagram.src) == server_port;
    const bool dst_is_server = portOf(datagram.dst) == server_port;
    if (src_is_server != dst_is_server) {
      endpoints.basis = SessionEndpoints::Basis::kServerPort;
      endpoints.client = src_is_server ? datagram.dst : datagram.src;
      endpoints.server = src_is_server ? datagram.src : datagram.dst;
      return endpoints;
    }
  }
  for (const CapturedDatagram& datagram : datagrams) {
    const wire::DatagramKind kind = wire::classifyDatagram(datagram.payload);
    if (kind == wire::DatagramKind::kControl || kind == wire::DatagramKind::kData) {
      endpoints = {datagram.src, datagram.dst, SessionEndpoints::Basis::kFirstPacket};
      return endpoints;
    }
  }
  return endpoints;
}

}  // namespace opengns::tools
