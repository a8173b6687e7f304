// Instance: our identity, certificate and authentication status (p2p-and-auth.md §6.1-6.4,
// crypto.md §6). The state itself is LocalIdentity; this file adds the locking, the
// effects on sockets and connections, and the network_authentication_status callbacks.
#include <utility>

#include "absl/strings/str_cat.h"
#include "api/instance.h"
#include "api/trusted_ca_config.h"

namespace opengns::api {

NetworkingIdentity Instance::identity() const {
  Locked lock(this);
  return local_identity_.identity();
}

void Instance::resetIdentity(const NetworkingIdentity& identity) {
  Locked lock(this);
  const Availability before = local_identity_.availability();
  // §6.1: every connection, listen socket and poll group goes. Active connections first
  // send ConnectionClosed 2999 "SteamNetworkingSockets shutdown" (no linger), as at
  // destruction; then everything is freed at once.
  shutdownLocked();
  for (auto& [id, record] : connections_) {
    if (record->client != nullptr) record->client->destroySilently(now_usec_);
    record->dead = true;
  }
  listen_sockets_.forEach(
      [this](uint32_t, std::unique_ptr<ListenSocketRecord>& socket)
          ABSL_NO_THREAD_SAFETY_ANALYSIS { socket->core->closeAll(now_usec_); });
  reapDeadConnections();
  listen_sockets_.forEach(
      [this](uint32_t, std::unique_ptr<ListenSocketRecord>& socket)
          ABSL_NO_THREAD_SAFETY_ANALYSIS { unregisterEndpoint(socket->endpoint_token); });
  listen_sockets_.clear();
  poll_groups_.clear();
  local_identity_.reset(identity);
  // The original posts nothing for this reset; opengns reports every change (issue 8).
  postAuthStatusIfChanged(before);
}

AuthenticationStatusCallback Instance::authenticationStatus() {
  Locked lock(this);
  const Availability before = local_identity_.availability();
  AuthenticationStatusCallback status = local_identity_.status(unixNowSec());
  postAuthStatusIfChanged(before);
  return status;
}

absl::StatusOr<std::vector<uint8_t>> Instance::certificateRequest() {
  Locked lock(this);
  return local_identity_.certificateRequest();
}

absl::Status Instance::setCertificate(std::span<const uint8_t> blob) {
  Locked lock(this);
  const Availability before = local_identity_.availability();
  std::string warning;
  absl::Status status = local_identity_.setCertificate(blob, currentCaTrust(), &warning);
  if (!status.ok()) {
    deferLog(DebugOutputType::kError, absl::StrCat("setCertificate: ", status.message()));
  } else {
    if (!warning.empty()) deferLog(DebugOutputType::kWarning, "setCertificate: " + warning);
    // New connections of existing listen sockets present the new cert too; connections
    // already made keep theirs (crypto.md §6.2).
    absl::StatusOr<std::shared_ptr<const connection::LocalCredentials>> creds =
        local_identity_.credentials(unixNowSec());
    if (creds.ok()) {
      listen_sockets_.forEach([&](uint32_t, std::unique_ptr<ListenSocketRecord>& socket) {
        socket->core->updateCredentials(*creds);
      });
    }
  }
  postAuthStatusIfChanged(before);
  return status;
}

void Instance::postAuthStatusIfChanged(Availability before) {
  // p2p-and-auth.md §6.4: only a change of the value is reported, not of the text.
  if (local_identity_.availability() == before) return;
  AuthenticationStatusCallback record = local_identity_.status(unixNowSec());
  AuthenticationStatusHandler handler = auth_handler_;  // resolved now, as GNS does
  if (!handler) {
    void* value = globalConfigStore().getPtr(ConfigValue::kCallbackAuthStatusChanged);
    if (value == nullptr) return;
    auto fn = reinterpret_cast<AuthenticationStatusFn>(value);
    handler = [fn](const AuthenticationStatusCallback& r) { fn(&r); };
  }
  callbacks_.post([handler = std::move(handler), record] { handler(record); });
}

}  // namespace opengns::api
