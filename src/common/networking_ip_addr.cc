// NetworkingIPAddr: parse and render the address text of crypto.md §1.2 (the "ip:"
// identity text without its prefix). Parsing is strict and never resolves names: bad text
// gives nullopt, never a partial address.
#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>

#include "opengns/types.h"

namespace opengns {
namespace {

// Bytes 0..11 of an IPv4-mapped IPv6 address (config.md §5.7).
constexpr std::array<uint8_t, 12> kIPv4MappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

// A decimal number of 1..digits_max digits, at most max_value.
std::optional<uint32_t> parseDecimal(std::string_view text, size_t digits_max, uint32_t max_value) {
  if (text.empty() || text.size() > digits_max) return std::nullopt;
  uint32_t value = 0;
  for (char c : text) {
    if (!isDigit(c)) return std::nullopt;
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  if (value > max_value) return std::nullopt;
  return value;
}

std::optional<uint16_t> parsePort(std::string_view text) {
  std::optional<uint32_t> port = parseDecimal(text, 5, 65535);
  if (!port) return std::nullopt;
  return static_cast<uint16_t>(*port);
}

// "a.b.c.d", each octet 1..3 decimal digits, 0..255.
std::optional<uint32_t> parseIPv4(std::string_view text) {
  uint32_t ip = 0;
  for (int octet_index = 0; octet_index < 4; ++octet_index) {
    size_t dot = text.find('.');
    bool last = octet_index == 3;
    if (last != (dot == std::string_view::npos)) return std::nullopt;
    std::optional<uint32_t> octet = parseDecimal(text.substr(0, dot), 3, 255);
    if (!octet) return std::nullopt;
    ip = (ip << 8) | *octet;
    if (!last) text.remove_prefix(dot + 1);
  }
  return ip;
}

// Any IPv6 text inet_pton accepts (no zone ids, no brackets).
std::optional<std::array<uint8_t, 16>> parseIPv6(std::string_view text) {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  std::string copy(text);
  std::array<uint8_t, 16> bytes{};
  if (inet_pton(AF_INET6, copy.c_str(), bytes.data()) != 1) return std::nullopt;
  return bytes;
}

// RFC 5952: lowercase hex, no leading zeros, the longest run (first on a tie) of two or
// more zero groups written as "::".
std::string renderIPv6(const std::array<uint8_t, 16>& bytes) {
  uint16_t groups[8];
  for (int i = 0; i < 8; ++i) {
    groups[i] = static_cast<uint16_t>((bytes[2 * i] << 8) | bytes[2 * i + 1]);
  }
  int best_start = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    if (groups[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && groups[j] == 0)
      ++j;
    if (j - i > best_len) {
      best_start = i;
      best_len = j - i;
    }
    i = j;
  }
  if (best_len < 2) best_start = -1;
  std::string out;
  for (int i = 0; i < 8; ++i) {
    if (i == best_start) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    char group[8];
    std::snprintf(group, sizeof(group), "%x", groups[i]);
    out += group;
  }
  return out;
}

}  // namespace

NetworkingIPAddr NetworkingIPAddr::fromIPv4(uint32_t ipv4_host_order, uint16_t port) {
  NetworkingIPAddr addr;
  std::copy(kIPv4MappedPrefix.begin(), kIPv4MappedPrefix.end(), addr.ipv6_.begin());
  addr.ipv6_[12] = static_cast<uint8_t>(ipv4_host_order >> 24);
  addr.ipv6_[13] = static_cast<uint8_t>(ipv4_host_order >> 16);
  addr.ipv6_[14] = static_cast<uint8_t>(ipv4_host_order >> 8);
  addr.ipv6_[15] = static_cast<uint8_t>(ipv4_host_order);
  addr.port_ = port;
  return addr;
}

NetworkingIPAddr NetworkingIPAddr::fromIPv6(const std::array<uint8_t, 16>& ipv6, uint16_t port) {
  NetworkingIPAddr addr;
  addr.ipv6_ = ipv6;
  addr.port_ = port;
  return addr;
}

NetworkingIPAddr NetworkingIPAddr::localHost(uint16_t port) {
  NetworkingIPAddr addr;
  addr.ipv6_[15] = 1;
  addr.port_ = port;
  return addr;
}

std::optional<NetworkingIPAddr> NetworkingIPAddr::parse(std::string_view text) {
  // IPv4 with an optional port: exactly three dots and no other colon.
  if (text.find('[') == std::string_view::npos && text.find('.') != std::string_view::npos &&
      text.find(':') == text.rfind(':')) {
    size_t colon = text.find(':');
    std::optional<uint32_t> ip = parseIPv4(text.substr(0, colon));
    if (ip) {
      uint16_t port = 0;
      if (colon != std::string_view::npos) {
        std::optional<uint16_t> parsed = parsePort(text.substr(colon + 1));
        if (!parsed) return std::nullopt;
        port = *parsed;
      }
      return fromIPv4(*ip, port);
    }
    if (colon != std::string_view::npos) return std::nullopt;
  }
  // Bracketed IPv6, with an optional ":port".
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    std::optional<std::array<uint8_t, 16>> ip = parseIPv6(text.substr(1, close - 1));
    if (!ip) return std::nullopt;
    std::string_view rest = text.substr(close + 1);
    uint16_t port = 0;
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      std::optional<uint16_t> parsed = parsePort(rest.substr(1));
      if (!parsed) return std::nullopt;
      port = *parsed;
    }
    return fromIPv6(*ip, port);
  }
  // Bare IPv6 (including forms with an embedded dotted IPv4 tail), port 0.
  std::optional<std::array<uint8_t, 16>> ip = parseIPv6(text);
  if (!ip) return std::nullopt;
  return fromIPv6(*ip, 0);
}

std::string NetworkingIPAddr::toString(bool with_port) const {
  bool show_port = with_port && port_ != 0;
  if (isIPv4()) {
    uint32_t ip = ipv4();
    char text[32];
    std::snprintf(text, sizeof(text), "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff,
                  ip & 0xff);
    std::string out = text;
    if (show_port) out += ":" + std::to_string(port_);
    return out;
  }
  std::string ip = renderIPv6(ipv6_);
  if (!show_port) return ip;
  return "[" + ip + "]:" + std::to_string(port_);
}

bool NetworkingIPAddr::isAny() const {
  for (uint8_t b : ipv6_) {
    if (b != 0) return false;
  }
  return true;
}

bool NetworkingIPAddr::isIPv4() const {
  return std::equal(kIPv4MappedPrefix.begin(), kIPv4MappedPrefix.end(), ipv6_.begin());
}

uint32_t NetworkingIPAddr::ipv4() const {
  if (!isIPv4()) return 0;
  return (uint32_t{ipv6_[12]} << 24) | (uint32_t{ipv6_[13]} << 16) | (uint32_t{ipv6_[14]} << 8) |
         uint32_t{ipv6_[15]};
}

bool NetworkingIPAddr::isLocalHost() const {
  if (isIPv4()) return ipv4() == 0x7f000001;
  return *this == localHost(port_);
}

}  // namespace opengns
