// Test-only network tools for the adversarial tests, all on loopback (127.0.0.0/8):
//   - PlainUdp: a UDP socket on a chosen 127.x.y.z address, to send from an address no
//     library socket has and to catch what the server sends back there;
//   - SpoofingSender: a raw IPv4 socket (root / CAP_NET_RAW only) that sends UDP datagrams
//     with any 127/8 source address and port;
//   - UdpRelay: a man in the middle between a client and a server that records every
//     datagram, can drop some, and can inject datagrams from its own address (which is the
//     client's address as far as the server knows): the tool for replays.
// Each datagram is logged with its direction. Blocking calls are bounded by short polls.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <utility>
#include <vector>

namespace opengns::testing {

using Datagram = std::vector<uint8_t>;

inline sockaddr_in ipv4(uint32_t host_order_ip, uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(host_order_ip);
  address.sin_port = htons(port);
  return address;
}

inline constexpr uint32_t kLoopback = 0x7f000001;  // 127.0.0.1

class PlainUdp {
 public:
  // Bound to `ip`:0 (host order); check ok().
  explicit PlainUdp(uint32_t ip = kLoopback) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in address = ipv4(ip, 0);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
      close();
      return;
    }
    socklen_t length = sizeof(address);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~PlainUdp() { close(); }
  PlainUdp(const PlainUdp&) = delete;
  PlainUdp& operator=(const PlainUdp&) = delete;

  bool ok() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  uint16_t port() const { return port_; }

  bool sendTo(uint32_t ip, uint16_t port, std::span<const uint8_t> bytes) const {
    sockaddr_in to = ipv4(ip, port);
    return ::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&to),
                    sizeof(to)) == static_cast<ssize_t>(bytes.size());
  }
  // One datagram if one arrives within `wait_ms`.
  std::optional<std::pair<Datagram, sockaddr_in>> receive(int wait_ms) const {
    pollfd entry{fd_, POLLIN, 0};
    if (::poll(&entry, 1, wait_ms) <= 0) return std::nullopt;
    Datagram buffer(65536);
    sockaddr_in from{};
    socklen_t length = sizeof(from);
    const ssize_t n = ::recvfrom(fd_, buffer.data(), buffer.size(), 0,
                                 reinterpret_cast<sockaddr*>(&from), &length);
    if (n < 0) return std::nullopt;
    buffer.resize(static_cast<size_t>(n));
    return std::make_pair(std::move(buffer), from);
  }

 private:
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int fd_ = -1;
  uint16_t port_ = 0;
};

class SpoofingSender {
 public:
  // Nullopt when raw sockets are not permitted (not root, no CAP_NET_RAW).
  static std::optional<SpoofingSender> open() {
    const int fd = ::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
    if (fd < 0) return std::nullopt;
    return SpoofingSender(fd);
  }
  SpoofingSender(SpoofingSender&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  ~SpoofingSender() {
    if (fd_ >= 0) ::close(fd_);
  }

  // Sends `payload` as UDP from source_ip:source_port (any 127/8 address: nothing else,
  // replies must stay on this machine) to dest_ip:dest_port.
  bool send(uint32_t source_ip, uint16_t source_port, uint32_t dest_ip, uint16_t dest_port,
            std::span<const uint8_t> payload) const {
    if ((source_ip >> 24) != 127 || (dest_ip >> 24) != 127) return false;
    std::vector<uint8_t> packet(sizeof(iphdr) + sizeof(udphdr) + payload.size());
    iphdr ip{};
    ip.version = 4;
    ip.ihl = 5;
    ip.ttl = 64;
    ip.protocol = IPPROTO_UDP;
    ip.tot_len = htons(static_cast<uint16_t>(packet.size()));  // the kernel fills it too
    ip.saddr = htonl(source_ip);
    ip.daddr = htonl(dest_ip);
    udphdr udp{};
    udp.source = htons(source_port);
    udp.dest = htons(dest_port);
    udp.len = htons(static_cast<uint16_t>(sizeof(udphdr) + payload.size()));
    udp.check = 0;  // IPv4: no checksum
    std::memcpy(packet.data(), &ip, sizeof(ip));
    std::memcpy(packet.data() + sizeof(ip), &udp, sizeof(udp));
    if (!payload.empty()) {
      std::memcpy(packet.data() + sizeof(ip) + sizeof(udp), payload.data(), payload.size());
    }
    sockaddr_in to = ipv4(dest_ip, dest_port);
    return ::sendto(fd_, packet.data(), packet.size(), 0, reinterpret_cast<sockaddr*>(&to),
                    sizeof(to)) == static_cast<ssize_t>(packet.size());
  }

 private:
  explicit SpoofingSender(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// Forwards between the client that first sends to port() and 127.0.0.1:server_port.
class UdpRelay {
 public:
  struct Logged {
    bool to_server = false;
    Datagram bytes;
  };
  // Return true to drop the datagram (it is still logged, with dropped set).
  using DropFn = std::function<bool(bool to_server, const Datagram& bytes)>;

  explicit UdpRelay(uint16_t server_port) : server_port_(server_port) {
    thread_ = std::thread([this] { run(); });
  }
  ~UdpRelay() {
    stop_ = true;
    thread_.join();
  }
  UdpRelay(const UdpRelay&) = delete;
  UdpRelay& operator=(const UdpRelay&) = delete;

  bool ok() const { return socket_.ok(); }
  uint16_t port() const { return socket_.port(); }

  void setDrop(DropFn drop) {
    std::lock_guard<std::mutex> lock(mutex_);
    drop_ = std::move(drop);
  }
  // Copies of the datagrams forwarded (or dropped) so far in one direction.
  std::vector<Datagram> seen(bool to_server) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<Datagram> out;
    for (const Logged& d : log_)
      if (d.to_server == to_server) out.push_back(d.bytes);
    return out;
  }
  size_t dropped() {
    std::lock_guard<std::mutex> lock(mutex_);
    return dropped_;
  }
  // Sends from the relay's address (the client's address as the server sees it).
  bool injectToServer(std::span<const uint8_t> bytes) {
    return socket_.sendTo(kLoopback, server_port_, bytes);
  }
  bool injectToClient(std::span<const uint8_t> bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (client_port_ == 0) return false;
    return socket_.sendTo(kLoopback, client_port_, bytes);
  }

 private:
  void run() {
    while (!stop_) {
      std::optional<std::pair<Datagram, sockaddr_in>> got = socket_.receive(5);
      if (!got) continue;
      const uint16_t from_port = ntohs(got->second.sin_port);
      const bool to_server = from_port != server_port_;
      uint16_t client_port = 0;
      bool drop = false;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (to_server && client_port_ == 0) client_port_ = from_port;
        client_port = client_port_;
        drop = drop_ && drop_(to_server, got->first);
        if (drop) ++dropped_;
        log_.push_back({to_server, got->first});
      }
      if (drop) continue;
      if (to_server) {
        socket_.sendTo(kLoopback, server_port_, got->first);
      } else if (client_port != 0) {
        socket_.sendTo(kLoopback, client_port, got->first);
      }
    }
  }

  const uint16_t server_port_;
  PlainUdp socket_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  DropFn drop_;
  std::vector<Logged> log_;
  uint16_t client_port_ = 0;
  size_t dropped_ = 0;
  std::thread thread_;
};

}  // namespace opengns::testing
