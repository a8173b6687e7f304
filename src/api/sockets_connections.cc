// NetworkingSockets: listen sockets, connecting, accepting, closing and the per-connection
// properties. Connections are not built yet (#4): no listen socket or connection exists, so
// every handle is invalid and each function returns its documented bad-handle value
// (config.md §2.1, lifecycle.md §6.1). Creating calls return the invalid handle.
#include "api/instance.h"
#include "opengns/networking_sockets.h"

namespace opengns {

ListenSocketHandle NetworkingSockets::createListenSocketIP(
    std::string_view ip_address, std::span<const ConfigOption> config_options) {
  std::optional<NetworkingIPAddr> address = NetworkingIPAddr::parse(ip_address);
  if (!address) return kInvalidListenSocket;
  return createListenSocketIP(*address, config_options);
}

ListenSocketHandle NetworkingSockets::createListenSocketIP(const NetworkingIPAddr&,
                                                           std::span<const ConfigOption>) {
  return kInvalidListenSocket;  // not yet: connections (#4)
}

ConnectionHandle NetworkingSockets::connectByIPAddress(
    std::string_view ip_address_with_port, std::span<const ConfigOption> config_options) {
  std::optional<NetworkingIPAddr> address = NetworkingIPAddr::parse(ip_address_with_port);
  if (!address) return kInvalidConnection;
  return connectByIPAddress(*address, config_options);
}

ConnectionHandle NetworkingSockets::connectByIPAddress(const NetworkingIPAddr&,
                                                       std::span<const ConfigOption>) {
  return kInvalidConnection;  // not yet: connections (#4)
}

Result NetworkingSockets::acceptConnection(ConnectionHandle) {
  return Result::kInvalidParam;
}

bool NetworkingSockets::closeConnection(ConnectionHandle, int, std::string_view, bool) {
  return false;
}

bool NetworkingSockets::closeListenSocket(ListenSocketHandle) {
  return false;
}

std::string NetworkingSockets::getListenSocketAddress(ListenSocketHandle, bool) {
  return {};
}

bool NetworkingSockets::setConnectionUserData(ConnectionHandle, int64_t) {
  return false;
}

int64_t NetworkingSockets::getConnectionUserData(ConnectionHandle) {
  return kDefaultConnectionUserData;
}

void NetworkingSockets::setConnectionName(ConnectionHandle, std::string_view) {}

std::string NetworkingSockets::getConnectionName(ConnectionHandle) {
  return {};
}

std::optional<ConnectionInfo> NetworkingSockets::getConnectionInfo(ConnectionHandle) {
  return std::nullopt;
}

RealTimeStatusResult NetworkingSockets::getConnectionRealTimeStatus(ConnectionHandle, int, bool) {
  RealTimeStatusResult result;
  result.result = Result::kNoConnection;
  return result;
}

DetailedConnectionStatus NetworkingSockets::getDetailedConnectionStatus(ConnectionHandle) {
  return DetailedConnectionStatus{};  // success = -1
}

ListenSocketHandle NetworkingSockets::createListenSocketP2P(int, std::span<const ConfigOption>) {
  return kInvalidListenSocket;  // not yet: P2P (later)
}

ConnectionHandle NetworkingSockets::connectP2P(uint64_t remote_steam_id, int virtual_port,
                                               std::span<const ConfigOption> config_options) {
  std::optional<NetworkingIdentity> identity =
      NetworkingIdentity::fromUint64Argument(remote_steam_id);
  if (!identity) return kInvalidConnection;
  return connectP2P(*identity, virtual_port, config_options);
}

// As the open-source build does with no Callback_CreateConnectionSignaling installed
// (p2p-and-auth.md §1.2, §1.8): the invalid handle. With signaling: not yet, P2P (later).
ConnectionHandle NetworkingSockets::connectP2P(const NetworkingIdentity&, int,
                                               std::span<const ConfigOption>) {
  return kInvalidConnection;
}

SocketPairResult NetworkingSockets::createSocketPair(bool loopback, uint64_t remote_steam_id1,
                                                     uint64_t remote_steam_id2) {
  std::optional<NetworkingIdentity> identity1 =
      NetworkingIdentity::fromUint64Argument(remote_steam_id1);
  std::optional<NetworkingIdentity> identity2 =
      NetworkingIdentity::fromUint64Argument(remote_steam_id2);
  if (!identity1 || !identity2) return SocketPairResult{};
  return createSocketPair(loopback, *identity1, *identity2);
}

SocketPairResult NetworkingSockets::createSocketPair(bool, const NetworkingIdentity&,
                                                     const NetworkingIdentity&) {
  return SocketPairResult{};  // not yet: socket pairs (#6)
}

}  // namespace opengns
