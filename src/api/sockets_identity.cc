// NetworkingSockets: our identity and authentication (p2p-and-auth.md §6.1-6.4,
// crypto.md §6). The work is in Instance (instance_identity.cc) and LocalIdentity.
#include "api/instance.h"
#include "opengns/networking_sockets.h"

namespace opengns {

NetworkingIdentity NetworkingSockets::getIdentity() {
  return instance_->identity();  // localhost until an identity is set (§6.1)
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

void NetworkingSockets::resetIdentity(const NetworkingIdentity& identity) {
  instance_->resetIdentity(identity);
}

Availability NetworkingSockets::initAuthentication() {
  // No certificate authority service to ask (p2p-and-auth.md §6.4): the current status.
  return instance_->authenticationStatus().available;
}

Availability NetworkingSockets::getAuthenticationStatus() {
  return instance_->authenticationStatus().available;
}

CertificateRequestResult NetworkingSockets::getCertificateRequest() {
  CertificateRequestResult result;
  absl::StatusOr<std::vector<uint8_t>> request = instance_->certificateRequest();
  if (request.ok()) {
    result.certificate = *std::move(request);
  } else {
    result.error_message = std::string(request.status().message());
  }
  return result;
}

SetCertificateResult NetworkingSockets::setCertificate(std::span<const uint8_t> certificate) {
  SetCertificateResult result;
  absl::Status status = instance_->setCertificate(certificate);
  result.response = status.ok();
  if (!status.ok()) result.error = std::string(status.message());
  return result;
}

}  // namespace opengns
