// Which endpoint of a capture is the client and which the server, so that every datagram
// gets a direction (c2s / s2c). The client is the sender of the first ChallengeRequest;
// failing that, the endpoint not on the server port; failing that, the sender of the
// first datagram that looks like GNS (a guess, said so in the dump's header).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "pcap_reader.h"

namespace opengns::tools {

enum class Direction : uint8_t { kClientToServer, kServerToClient, kOther };

// "c2s", "s2c" or "???".
std::string_view directionName(Direction direction);

struct SessionEndpoints {
  enum class Basis : uint8_t { kChallengeRequest, kServerPort, kFirstPacket, kNone };

  std::string client;  // "ip:port" as the pcap reader writes it; empty with kNone
  std::string server;  // empty if no datagram went between client and a single peer
  Basis basis = Basis::kNone;

  // Datagrams between client and server get a direction; anything else is kOther.
  Direction directionOf(const CapturedDatagram& datagram) const;
};

// A short phrase saying how the client was chosen, for the dump's header.
std::string_view basisDescription(SessionEndpoints::Basis basis);

SessionEndpoints identifyEndpoints(std::span<const CapturedDatagram> datagrams,
                                   uint16_t server_port);

// The port of an "a.b.c.d:port" or "[v6]:port" address; nullopt-like 0 if unparsable.
uint16_t portOf(std::string_view address);

}  // namespace opengns::tools
