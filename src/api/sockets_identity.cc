// NetworkingSockets: our identity and authentication. Not built yet (identity & auth, #8):
// each function returns its documented failure value (p2p-and-auth.md §6). The
// authentication status is the open-source build's initial one, CannotTry, because no
// certificate can be set yet.
#include "api/instance.h"
#include "opengns/networking_sockets.h"

namespace opengns {

NetworkingIdentity NetworkingSockets::getIdentity() {
  return NetworkingIdentity{};  // "we don't know our identity yet": invalid
}

void NetworkingSockets::resetIdentity(uint64_t remote_steam_id) {
  std::optional<NetworkingIdentity> identity =
      NetworkingIdentity::fromUint64Argument(remote_steam_id);
  if (!identity) {
    instance_->log(DebugOutputType::kError, "resetIdentity: not a valid SteamID");
    return;
  }
  resetIdentity(*identity);
}

void NetworkingSockets::resetIdentity(const NetworkingIdentity&) {}

Availability NetworkingSockets::initAuthentication() {
  return instance_->authAvailability();
}

Availability NetworkingSockets::getAuthenticationStatus() {
  return instance_->authAvailability();
}

CertificateRequestResult NetworkingSockets::getCertificateRequest() {
  CertificateRequestResult result;
  result.error_message = "certificate requests are not implemented yet";
  return result;
}

SetCertificateResult NetworkingSockets::setCertificate(std::span<const uint8_t>) {
  SetCertificateResult result;
  result.response = false;
  result.error = "certificates are not implemented yet";
  return result;
}

}  // namespace opengns
