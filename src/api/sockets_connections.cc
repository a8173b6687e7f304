// NetworkingSockets: listen sockets, connecting, accepting, closing and the per-connection
// properties over real UDP (lifecycle.md §3, §4, §6, §8). The facade only parses text
// arguments; the instance (api/instance.h) does the work under its lock, and every
// function returns its documented value for a bad handle (config.md §2.1, lifecycle.md
// §6.1). Socket pairs (§9) are made by the instance (instance_pairs.cc); P2P is not built
// yet and returns its failure values.
#include "api/instance.h"
#include "opengns/networking_sockets.h"

namespace opengns {

ListenSocketHandle NetworkingSockets::createListenSocketIP(
    std::string_view ip_address, std::span<const ConfigOption> config_options) {
  std::optional<NetworkingIPAddr> address = NetworkingIPAddr::parse(ip_address);
  if (!address) return kInvalidListenSocket;
  return createListenSocketIP(*address, config_options);
}

ListenSocketHandle NetworkingSockets::createListenSocketIP(
    const NetworkingIPAddr& ip_address, std::span<const ConfigOption> config_options) {
  return instance_->createListenSocket(ip_address, config_options);
}

ConnectionHandle NetworkingSockets::connectByIPAddress(
    std::string_view ip_address_with_port, std::span<const ConfigOption> config_options) {
  std::optional<NetworkingIPAddr> address = NetworkingIPAddr::parse(ip_address_with_port);
  if (!address) return kInvalidConnection;
  return connectByIPAddress(*address, config_options);
}

ConnectionHandle NetworkingSockets::connectByIPAddress(
    const NetworkingIPAddr& ip_address_with_port, std::span<const ConfigOption> config_options) {
  return instance_->connect(ip_address_with_port, config_options);
}

Result NetworkingSockets::acceptConnection(ConnectionHandle connection_handle) {
  return instance_->accept(connection_handle);
}

bool NetworkingSockets::closeConnection(ConnectionHandle connection_handle, int reason,
                                        std::string_view debug_message, bool linger) {
  return instance_->close(connection_handle, reason, debug_message, linger);
}

bool NetworkingSockets::closeListenSocket(ListenSocketHandle socket) {
  return instance_->closeListenSocket(socket);
}

std::string NetworkingSockets::getListenSocketAddress(ListenSocketHandle socket, bool with_port) {
  return instance_->listenSocketAddress(socket, with_port);
}

bool NetworkingSockets::setConnectionUserData(ConnectionHandle connection_handle,
                                              int64_t user_data) {
  return instance_->setUserData(connection_handle, user_data);
}

int64_t NetworkingSockets::getConnectionUserData(ConnectionHandle connection_handle) {
  return instance_->userData(connection_handle);
}

void NetworkingSockets::setConnectionName(ConnectionHandle connection_handle,
                                          std::string_view name) {
  instance_->setName(connection_handle, name);
}

std::string NetworkingSockets::getConnectionName(ConnectionHandle connection_handle) {
  return instance_->name(connection_handle);
}

std::optional<ConnectionInfo> NetworkingSockets::getConnectionInfo(
    ConnectionHandle connection_handle) {
  return instance_->info(connection_handle);
}

RealTimeStatusResult NetworkingSockets::getConnectionRealTimeStatus(
    ConnectionHandle connection_handle, int lanes, bool get_status) {
  return instance_->realTimeStatus(connection_handle, lanes, get_status);
}

DetailedConnectionStatus NetworkingSockets::getDetailedConnectionStatus(
    ConnectionHandle connection_handle) {
  return instance_->detailedStatus(connection_handle);
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

SocketPairResult NetworkingSockets::createSocketPair(bool loopback,
                                                     const NetworkingIdentity& identity1,
                                                     const NetworkingIdentity& identity2) {
  return instance_->createSocketPair(loopback, identity1, identity2);
}

}  // namespace opengns
