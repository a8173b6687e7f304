#include "chat_address.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <memory>

namespace opengns::chat {

std::optional<uint16_t> parsePort(std::string_view text) {
  unsigned value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value > 65535) return std::nullopt;
  return static_cast<uint16_t>(value);
}

std::optional<HostAndPort> splitHostAndPort(std::string_view text, uint16_t default_port,
                                            std::string* error) {
  HostAndPort target;
  target.port = default_port;
  std::string_view port_text;
  bool has_port = false;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) {
      *error = "missing ']' in '" + std::string(text) + "'";
      return std::nullopt;
    }
    target.host = std::string(text.substr(1, close - 1));
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        *error = "expected ':PORT' after ']' in '" + std::string(text) + "'";
        return std::nullopt;
      }
      port_text = rest.substr(1);
      has_port = true;
    }
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    const size_t colon = text.find(':');
    target.host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
    has_port = true;
  } else {
    // No colon (a name or IPv4 address), or several (a bare IPv6 address): no port.
    target.host = std::string(text);
  }
  if (target.host.empty()) {
    *error = "no host in '" + std::string(text) + "'";
    return std::nullopt;
  }
  if (has_port) {
    std::optional<uint16_t> port = parsePort(port_text);
    if (!port || *port == 0) {
      *error = "bad port '" + std::string(port_text) + "' (expected 1..65535)";
      return std::nullopt;
    }
    target.port = *port;
  }
  return target;
}

std::optional<NetworkingIPAddr> resolveHost(const HostAndPort& target, std::string* error) {
  // A literal needs no lookup (and the library's parser is exact about its forms).
  if (std::optional<NetworkingIPAddr> literal = NetworkingIPAddr::parse(target.host)) {
    literal->setPort(target.port);
    return literal;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo(target.host.c_str(), nullptr, &hints, &found);
  if (rc != 0) {
    *error = "cannot resolve '" + target.host + "': " + ::gai_strerror(rc);
    return std::nullopt;
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owned(found, ::freeaddrinfo);
  for (const addrinfo* entry = found; entry != nullptr; entry = entry->ai_next) {
    if (entry->ai_family == AF_INET) {
      const auto* v4 = reinterpret_cast<const sockaddr_in*>(entry->ai_addr);
      return NetworkingIPAddr::fromIPv4(ntohl(v4->sin_addr.s_addr), target.port);
    }
    if (entry->ai_family == AF_INET6) {
      const auto* v6 = reinterpret_cast<const sockaddr_in6*>(entry->ai_addr);
      std::array<uint8_t, 16> bytes;
      std::memcpy(bytes.data(), &v6->sin6_addr, bytes.size());
      return NetworkingIPAddr::fromIPv6(bytes, target.port);
    }
  }
  *error = "no IPv4 or IPv6 address for '" + target.host + "'";
  return std::nullopt;
}

}  // namespace opengns::chat
