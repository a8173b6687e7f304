#include "transport/socket_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

#include "absl/strings/str_cat.h"

namespace opengns::transport {
namespace {

constexpr std::array<uint8_t, 12> kIpv4MappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

// Strict decimal port: 1-5 digits, no sign, no spaces, at most 65535.
std::optional<uint16_t> parsePort(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  uint32_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  if (value > 65535) return std::nullopt;
  return static_cast<uint16_t>(value);
}

std::optional<uint32_t> parseScope(std::string_view text) {
  if (text.empty() || text.size() > 10) return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  if (value > UINT32_MAX) return std::nullopt;
  return static_cast<uint32_t>(value);
}

}  // namespace

SocketAddress SocketAddress::ipv4(std::array<uint8_t, 4> address, uint16_t port) {
  SocketAddress result;
  result.family_ = Family::kIpv4;
  std::memcpy(result.bytes_.data(), address.data(), address.size());
  result.port_ = port;
  return result;
}

SocketAddress SocketAddress::ipv6(const std::array<uint8_t, 16>& address, uint16_t port,
                                  uint32_t scope_id) {
  if (std::memcmp(address.data(), kIpv4MappedPrefix.data(), kIpv4MappedPrefix.size()) == 0) {
    return ipv4({address[12], address[13], address[14], address[15]}, port);
  }
  SocketAddress result;
  result.family_ = Family::kIpv6;
  result.bytes_ = address;
  result.port_ = port;
  result.scope_id_ = scope_id;
  return result;
}

SocketAddress SocketAddress::ipv6Loopback(uint16_t port) {
  std::array<uint8_t, 16> address{};
  address[15] = 1;
  return ipv6(address, port);
}

absl::StatusOr<SocketAddress> SocketAddress::fromSockaddr(const sockaddr* address,
                                                          socklen_t length) {
  if (address == nullptr || length < static_cast<socklen_t>(sizeof(sa_family_t))) {
    return absl::InvalidArgumentError(
        absl::StrCat("socket address: ", length, " bytes, too short for a family"));
  }
  if (address->sa_family == AF_INET) {
    if (length < static_cast<socklen_t>(sizeof(sockaddr_in))) {
      return absl::InvalidArgumentError(absl::StrCat("socket address: AF_INET needs ",
                                                     sizeof(sockaddr_in), " bytes, got ", length));
    }
    sockaddr_in in4;
    std::memcpy(&in4, address, sizeof(in4));
    std::array<uint8_t, 4> bytes;
    std::memcpy(bytes.data(), &in4.sin_addr, bytes.size());
    return ipv4(bytes, ntohs(in4.sin_port));
  }
  if (address->sa_family == AF_INET6) {
    if (length < static_cast<socklen_t>(sizeof(sockaddr_in6))) {
      return absl::InvalidArgumentError(absl::StrCat("socket address: AF_INET6 needs ",
                                                     sizeof(sockaddr_in6), " bytes, got ", length));
    }
    sockaddr_in6 in6;
    std::memcpy(&in6, address, sizeof(in6));
    std::array<uint8_t, 16> bytes;
    std::memcpy(bytes.data(), &in6.sin6_addr, bytes.size());
    return ipv6(bytes, ntohs(in6.sin6_port), in6.sin6_scope_id);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("socket address: family ", address->sa_family, " is not AF_INET/AF_INET6"));
}

absl::StatusOr<SocketAddress> SocketAddress::parse(std::string_view text) {
  const std::string quoted = absl::StrCat("\"", absl::string_view(text.data(), text.size()), "\"");
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return absl::InvalidArgumentError(
          absl::StrCat("socket address ", quoted, ": expected \"[v6]:port\""));
    }
    std::string_view host = text.substr(1, close - 1);
    uint32_t scope_id = 0;
    if (const size_t percent = host.find('%'); percent != std::string_view::npos) {
      const std::optional<uint32_t> scope = parseScope(host.substr(percent + 1));
      if (!scope) {
        return absl::InvalidArgumentError(
            absl::StrCat("socket address ", quoted, ": scope id is not a number"));
      }
      scope_id = *scope;
      host = host.substr(0, percent);
    }
    const std::optional<uint16_t> port = parsePort(text.substr(close + 2));
    if (!port) {
      return absl::InvalidArgumentError(
          absl::StrCat("socket address ", quoted, ": port is not a number in 0..65535"));
    }
    std::array<uint8_t, 16> bytes;
    const std::string host_string(host);  // inet_pton needs a terminated string
    if (inet_pton(AF_INET6, host_string.c_str(), bytes.data()) != 1) {
      return absl::InvalidArgumentError(absl::StrCat("socket address ", quoted, ": \"", host_string,
                                                     "\" is not an IPv6 address"));
    }
    return ipv6(bytes, *port, scope_id);
  }
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("socket address ", quoted, ": expected \"a.b.c.d:port\" or \"[v6]:port\""));
  }
  const std::string host_string(text.substr(0, colon));
  if (host_string.find(':') != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("socket address ", quoted, ": an IPv6 address needs brackets"));
  }
  const std::optional<uint16_t> port = parsePort(text.substr(colon + 1));
  if (!port) {
    return absl::InvalidArgumentError(
        absl::StrCat("socket address ", quoted, ": port is not a number in 0..65535"));
  }
  std::array<uint8_t, 4> bytes;
  // inet_pton(AF_INET) accepts only the dotted-quad form, which is what we want.
  if (inet_pton(AF_INET, host_string.c_str(), bytes.data()) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("socket address ", quoted, ": \"", host_string, "\" is not an IPv4 address"));
  }
  return ipv4(bytes, *port);
}

socklen_t SocketAddress::toSockaddr(sockaddr_storage* out) const {
  std::memset(out, 0, sizeof(*out));
  switch (family_) {
    case Family::kIpv4: {
      sockaddr_in in4{};
      in4.sin_family = AF_INET;
      in4.sin_port = htons(port_);
      std::memcpy(&in4.sin_addr, bytes_.data(), 4);
      std::memcpy(out, &in4, sizeof(in4));
      return sizeof(in4);
    }
    case Family::kIpv6: {
      sockaddr_in6 in6{};
      in6.sin6_family = AF_INET6;
      in6.sin6_port = htons(port_);
      in6.sin6_scope_id = scope_id_;
      std::memcpy(&in6.sin6_addr, bytes_.data(), 16);
      std::memcpy(out, &in6, sizeof(in6));
      return sizeof(in6);
    }
    case Family::kNone:
      break;
  }
  return 0;
}

socklen_t SocketAddress::toSockaddrFor(int socket_family, sockaddr_storage* out) const {
  if (socket_family == AF_INET6 && family_ == Family::kIpv4) {
    std::memset(out, 0, sizeof(*out));
    sockaddr_in6 in6{};
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons(port_);
    std::memcpy(&in6.sin6_addr, kIpv4MappedPrefix.data(), kIpv4MappedPrefix.size());
    std::memcpy(reinterpret_cast<uint8_t*>(&in6.sin6_addr) + 12, bytes_.data(), 4);
    std::memcpy(out, &in6, sizeof(in6));
    return sizeof(in6);
  }
  if (socket_family == AF_INET && family_ != Family::kIpv4) {
    std::memset(out, 0, sizeof(*out));
    return 0;
  }
  return toSockaddr(out);
}

std::string SocketAddress::toString() const {
  switch (family_) {
    case Family::kIpv4:
      return absl::StrCat(bytes_[0], ".", bytes_[1], ".", bytes_[2], ".", bytes_[3], ":", port_);
    case Family::kIpv6: {
      char text[INET6_ADDRSTRLEN] = {};
      inet_ntop(AF_INET6, bytes_.data(), text, sizeof(text));
      if (scope_id_ != 0) return absl::StrCat("[", text, "%", scope_id_, "]:", port_);
      return absl::StrCat("[", text, "]:", port_);
    }
    case Family::kNone:
      break;
  }
  return "<none>";
}

bool SocketAddress::isLoopback() const {
  if (family_ == Family::kIpv4) return bytes_[0] == 127;
  if (family_ == Family::kIpv6) {
    for (size_t i = 0; i + 1 < bytes_.size(); ++i) {
      if (bytes_[i] != 0) return false;
    }
    return bytes_[15] == 1;
  }
  return false;
}

bool SocketAddress::isAny() const {
  if (family_ == Family::kNone) return false;
  for (uint8_t byte : bytes_) {
    if (byte != 0) return false;
  }
  return scope_id_ == 0;
}

SocketAddress SocketAddress::withPort(uint16_t port) const {
  SocketAddress result = *this;
  result.port_ = port;
  return result;
}

std::span<const uint8_t> SocketAddress::addressBytes() const {
  switch (family_) {
    case Family::kIpv4:
      return {bytes_.data(), 4};
    case Family::kIpv6:
      return {bytes_.data(), 16};
    case Family::kNone:
      break;
  }
  return {};
}

}  // namespace opengns::transport
