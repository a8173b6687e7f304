// IP_AllowWithoutAuth (crypto.md §2.7).
#include "connection/auth_policy.h"

#include <algorithm>

namespace opengns::connection {

int effectiveAllowWithoutAuth(const AuthPolicy& policy, const PeerAddress& peer_address) {
  if (isLoopbackAddress(peer_address)) {
    return std::max(policy.ip_allow_without_auth, policy.ip_localhost_allow_without_auth);
  }
  return policy.ip_allow_without_auth;
}

HandshakeCheck checkOwnCredentialsAllowed(const LocalCredentials& own, const AuthPolicy& policy,
                                          const PeerAddress& peer_address) {
  if (own.isCaSigned()) return std::nullopt;
  switch (effectiveAllowWithoutAuth(policy, peer_address)) {
    case kAllowWithoutAuthNever:
      return handshakeFail(ConnectionEnd::kMiscInternalError,
                           "no certificate: set IP_AllowWithoutAuth to allow unauthenticated "
                           "connections");
    case kAllowWithoutAuthWithWarning:
      // README consistency log: in open-source GNS only 2 allows our own unsigned cert.
      return handshakeFail(ConnectionEnd::kMiscInternalError,
                           "need a cert authority: IP_AllowWithoutAuth 1 does not allow an "
                           "unsigned certificate of our own");
    default:
      return std::nullopt;
  }
}

}  // namespace opengns::connection
