// The IP_AllowWithoutAuth policy (crypto.md §2.7, config.md 1.4.5): how much a
// connection tolerates certificates that no trusted CA signed, ours and the peer's.
//
// Effective value = IP_AllowWithoutAuth, or the larger of it and
// IPLocalHost_AllowWithoutAuth when the peer's address is loopback. Outcomes:
//   effective | our own unsigned cert                | peer's unsigned/untrusted cert | peer
//   anonymous (ip:::1) 0         | refused (5002; the API refuses to     | 4003 | packet dropped
//             | create the socket/connection)         |                                |
//   1         | refused: 5002 "need a cert authority"  | accepted (warning)             | accepted,
//   identity = address 2         | allowed                               | accepted | accepted,
//   identity = address
// Security: with 2 (the open-source default) an unsigned cert may claim ANY identity
// (str:, steamid:, ...); nothing proves it, and the connection carries the
// Unauthenticated flag (1). Applications that authorize by remote identity must require
// that flag to be clear.
#pragma once

#include <cstdint>

#include "connection/handshake_error.h"
#include "connection/local_credentials.h"
#include "connection/peer_address.h"

namespace opengns::connection {

// config.md 1.4.5: values of IP_AllowWithoutAuth (23) / IPLocalHost_AllowWithoutAuth (52).
inline constexpr int kAllowWithoutAuthNever = 0;
inline constexpr int kAllowWithoutAuthWithWarning = 1;
inline constexpr int kAllowWithoutAuthSilently = 2;

struct AuthPolicy {
  int ip_allow_without_auth = kAllowWithoutAuthSilently;            // config 23, 0..2
  int ip_localhost_allow_without_auth = kAllowWithoutAuthSilently;  // config 52, 0..2
  uint32_t local_app_id = kDefaultAppId;  // our app id; a peer cert listing app ids must list it
};

// The effective value for a peer at `peer_address` (loopback: 127.0.0.0/8, ::1).
int effectiveAllowWithoutAuth(const AuthPolicy& policy, const PeerAddress& peer_address);

// Whether our own credentials may be used with this peer: a CA-signed cert always; an
// unsigned one only when the effective value is 2. Otherwise 5002 Misc_InternalError.
// Call when the connection sets up its crypto (client: before its first
// ChallengeRequest; server: at accept).
HandshakeCheck checkOwnCredentialsAllowed(const LocalCredentials& own, const AuthPolicy& policy,
                                          const PeerAddress& peer_address);

}  // namespace opengns::connection
