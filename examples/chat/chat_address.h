// Where the client connects: "HOST[:PORT]" split and resolved to one IP address.
//
// HOST may be an IPv4 address, a bracketed IPv6 address ("[::1]", needed when a port
// follows), a bare IPv6 address without a port ("::1"), or a name such as "localhost".
// The library's address parser deliberately does no DNS (types.h), so names are resolved
// here with getaddrinfo, and the first address it returns is used.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "opengns/types.h"

namespace opengns::chat {

// The port of the stock chat example, kept so both programs meet by default.
inline constexpr uint16_t kDefaultChatPort = 27020;

struct HostAndPort {
  std::string host;  // without brackets
  uint16_t port = kDefaultChatPort;
};

// A decimal port 0..65535 ("27020"); nullopt for anything else.
std::optional<uint16_t> parsePort(std::string_view text);

// Splits "HOST[:PORT]"; a missing port is `default_port`. nullopt and *error on a
// malformed text (empty host, bad port, unclosed bracket).
std::optional<HostAndPort> splitHostAndPort(std::string_view text, uint16_t default_port,
                                            std::string* error);

// The address to connect to: a literal as is, a name through getaddrinfo. nullopt and
// *error when the name does not resolve.
std::optional<NetworkingIPAddr> resolveHost(const HostAndPort& target, std::string* error);

}  // namespace opengns::chat
