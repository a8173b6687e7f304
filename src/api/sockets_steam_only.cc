// NetworkingSockets: FakeIP and hosted dedicated servers. The original's open-source build
// has neither (both need Steam's backend), and opengns returns exactly what that build
// returns (p2p-and-auth.md §4.2, §5.2; config.md §2.1). No FakeIP-result callback is ever
// posted.
#include "api/instance.h"
#include "opengns/networking_sockets.h"

namespace opengns {

bool NetworkingSockets::beginAsyncRequestFakeIP(int) {
  return false;
}

// The open-source build leaves the caller's struct untouched; ours is the default record
// (result kNone, invalid identity, no address, no ports).
FakeIPInfo NetworkingSockets::getFakeIP(int) {
  return FakeIPInfo{};
}

ListenSocketHandle NetworkingSockets::createListenSocketP2PFakeIP(int,
                                                                  std::span<const ConfigOption>) {
  return kInvalidListenSocket;
}

// InvalidParam for a bad handle, else IPNotFound: no connection is ever a FakeIP one.
RemoteFakeIPResult NetworkingSockets::getRemoteFakeIPForConnection(
    ConnectionHandle connection_handle) {
  RemoteFakeIPResult result;
  // No connection is a FakeIP one in the open-source build (config.md §2.1).
  result.result =
      instance_->info(connection_handle).has_value() ? Result::kIPNotFound : Result::kInvalidParam;
  return result;
}

FakeUDPPort* NetworkingSockets::createFakeUDPPort(int) {
  return nullptr;
}

uint16_t NetworkingSockets::getHostedDedicatedServerPort() {
  return 0;
}

uint32_t NetworkingSockets::getHostedDedicatedServerPOPId() {
  return 0;
}

ListenSocketHandle NetworkingSockets::createHostedDedicatedServerListenSocket(
    int, std::span<const ConfigOption>) {
  return kInvalidListenSocket;
}

ConnectionHandle NetworkingSockets::connectToHostedDedicatedServer(uint64_t, int,
                                                                   std::span<const ConfigOption>) {
  return kInvalidConnection;
}

ConnectionHandle NetworkingSockets::connectToHostedDedicatedServer(const NetworkingIdentity&, int,
                                                                   std::span<const ConfigOption>) {
  return kInvalidConnection;
}

}  // namespace opengns
