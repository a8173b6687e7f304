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
// that flag to be clear, or set OPENGNS_RequireCA = 1 (require_ca below): then every
// peer cert must chain to a trusted CA (trusted_ca.h) and name the identity the peer
// claims, and any failure is 4003 (config.md §8).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "connection/handshake_error.h"
#include "connection/local_credentials.h"
#include "connection/peer_address.h"
#include "connection/trusted_ca.h"

namespace opengns::connection {

// config.md 1.4.5: values of IP_AllowWithoutAuth (23) / IPLocalHost_AllowWithoutAuth (52).
inline constexpr int kAllowWithoutAuthNever = 0;
inline constexpr int kAllowWithoutAuthWithWarning = 1;
inline constexpr int kAllowWithoutAuthSilently = 2;

// What checking a CA signature needs from outside this sans-IO layer: the trusted CA keys
// (null or empty: none) and the current Unix time in seconds (cert expiry, §2.5).
struct CaTrust {
  std::shared_ptr<const TrustStore> store;
  int64_t now_unix_sec = 0;
};
using CaTrustSource = std::function<CaTrust()>;

struct AuthPolicy {
  int ip_allow_without_auth = kAllowWithoutAuthSilently;            // config 23, 0..2
  int ip_localhost_allow_without_auth = kAllowWithoutAuthSilently;  // config 52, 0..2
  uint32_t local_app_id = kDefaultAppId;  // our app id; a peer cert listing app ids must list it
  // OPENGNS_RequireCA (config.md §8, 10002), 0/1: a peer cert must chain to a trusted CA,
  // else 4003. false = the original's open-source behaviour (untrusted = unsigned).
  bool require_ca = false;
  // Asked at each peer-cert check, so trust changes apply to new handshakes at once.
  // Null: no CA is trusted (every CA signature is unverifiable).
  CaTrustSource ca_trust = nullptr;
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
