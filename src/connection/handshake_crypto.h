// The crypto half of the UDP handshake (udp.md §2.4-2.5, crypto.md §2-4) as sans-IO pure
// functions: who the peer is, whether its certificate and crypt info are acceptable,
// which cipher, and the session keys. No sockets, clocks or state: the connection state
// machine calls these at the points GNS does and acts on the result.
//
// The steps, in GNS's order, with how a failure ends:
//   1. resolvePeerIdentity   udp.md §2.4 steps 3-4 / §2.5 step 3: identity from the cert,
//                            else the message's identity fields, else anonymous
//                            localhost, replaced by the peer's address. Failure: drop
//                            the packet (HandshakeError::drop_packet).
//   2. verifyPeerCredentials crypto.md §2.6, §3.3, §3.4: cert policy (4003), crypt-info
//                            signature and parse (4002), protocol version (4006).
//                            A GNS server runs 1-2 when the ConnectRequest arrives and
//                            drops it silently on any failure; a client fails with the
//                            reason (ConnectOK step 9).
//   3. cipher choice         cipher_negotiation.h (4002).
//   4. deriveSession         crypto.md §4: key pre-check (4002), lanes vs version (4006),
//                            X25519 + key schedule (4002), PacketCipher.
// Conveniences: checkConnectRequest (server, arrival: 1-2), acceptConnectRequest (server,
// accept: own-cert policy, 3, own crypt info with the single chosen cipher, 4) and
// processConnectOK (client: 1, server id check, 2, version match, 3, 4).
//
// Inputs are always the raw received bytes (cert body, crypt info) and never re-serialized
// (§4.1). A peer is authenticated when its cert chains to a trusted CA (policy.ca_trust)
// and its identity is not an IP address.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "connection/auth_policy.h"
#include "connection/crypt_info.h"
#include "connection/handshake_error.h"
#include "connection/identity_fields.h"
#include "connection/local_credentials.h"
#include "connection/peer_address.h"
#include "crypto/key_schedule.h"
#include "crypto/packet_crypto.h"
#include "crypto/x25519.h"
#include "opengns/types.h"
#include "opengns_crypto.pb.h"
#include "opengns_udp.pb.h"

namespace opengns::connection {

// The handshake fields one peer sends, whichever message carries them (ConnectRequest,
// ConnectOK; later the P2P connect signals).
struct PeerHello {
  std::optional<wire::CertificateSigned> cert;        // the signed cert wrapper
  std::optional<wire::SessionCryptInfoSigned> crypt;  // the signed crypt info
  IdentityFields identity_fields;                     // the message's own identity fields
};

PeerHello peerHelloOf(const wire::ConnectRequest& request);
PeerHello peerHelloOf(const wire::ConnectOK& ok);

struct ResolvedPeerIdentity {
  NetworkingIdentity identity;                 // final: the anonymous identity is already replaced
  bool from_cert = false;                      // the cert named it
  bool anonymous = false;                      // it was localhost and is now the peer's address
  std::optional<wire::Certificate> cert_body;  // the parsed cert body, if there is one
};

// Step 1. Errors have drop_packet set.
HandshakeOr<ResolvedPeerIdentity> resolvePeerIdentity(const PeerHello& hello,
                                                      const PeerAddress& peer_address,
                                                      const AuthPolicy& policy);

// Whether a cert chains to a trusted CA (crypto.md §2.5, with the CAs and time of
// policy.ca_trust); `why_not` says why not, for the log and ConnectionClosed.
struct CertTrust {
  bool trusted = false;
  std::string why_not;
};
CertTrust checkCertTrust(const wire::CertificateSigned& cert, const AuthPolicy& policy);

// A peer whose cert and crypt info passed step 2.
struct VerifiedPeer {
  NetworkingIdentity identity;
  bool authenticated = false;  // a trusted CA signed its cert and the identity is not an IP
  Bytes cert_body;             // exact CertificateSigned.cert bytes: cert_c / cert_s
  PeerCryptInfo crypt;         // its parsed crypt info and exact `info` bytes
};

// Step 2. `expected_identity`: who the peer must be, if we know (else nullopt); a
// mismatch is 4003. With policy.require_ca every failure to prove the cert (untrusted
// chain, identity fields claiming someone else, crypt info not signed by the cert key)
// is 4003; otherwise an untrusted cert counts as unsigned and the original's outcomes
// hold.
HandshakeOr<VerifiedPeer> verifyPeerCredentials(
    const PeerHello& hello, const ResolvedPeerIdentity& resolved, const AuthPolicy& policy,
    const PeerAddress& peer_address,
    const std::optional<NetworkingIdentity>& expected_identity = std::nullopt);

// What this endpoint sent, as the key schedule needs it. Borrows; the referenced
// objects must outlive the call.
struct OwnHandshakeMaterial {
  const crypto::X25519KeyPair* key_pair = nullptr;
  uint32_t connection_id = 0;
  uint64_t nonce = 0;
  ByteSpan cert_body;   // our cert body as sent
  ByteSpan crypt_info;  // our crypt info `info` bytes as sent
};

OwnHandshakeMaterial ownMaterialOf(const LocalCredentials& credentials,
                                   const LocalCryptInfo& crypt_info, uint32_t connection_id);

// The outcome of a completed crypto handshake.
struct HandshakeResult {
  NetworkingIdentity peer_identity;
  uint32_t peer_protocol_version = 0;
  crypto::CipherId cipher = crypto::CipherId::kInvalid;
  bool peer_authenticated = false;
  // kConnectionInfoFlagUnauthenticated (1) and kConnectionInfoFlagUnencrypted (2) as
  // implied by the handshake (config.md §5.1, lifecycle.md §8.3); Fast etc. are added by
  // the connection.
  int info_flags = 0;
  crypto::EndpointKeys keys;
  crypto::PacketCipher packet_cipher;
};

// Step 4. `peer_connection_id` is the other side's id. `local_lane_count` > 1 needs a
// peer at version >= 11 (crypto.md §3.4 check 3).
HandshakeOr<HandshakeResult> deriveSession(crypto::Role role, const OwnHandshakeMaterial& own,
                                           uint32_t peer_connection_id, const VerifiedPeer& peer,
                                           crypto::CipherId cipher, int local_lane_count = 1);

// Server, when a ConnectRequest arrives (steps 1-2). GNS drops the request silently on
// any error (udp.md §2.4 step 6).
HandshakeOr<VerifiedPeer> checkConnectRequest(const wire::ConnectRequest& request,
                                              const PeerAddress& client_address,
                                              const AuthPolicy& policy);

struct ServerAcceptResult {
  HandshakeResult session;
  LocalCryptInfo crypt_info;  // our crypt info with the single chosen cipher, for ConnectOK
};

// Server, when the application accepts (crypto.md §3.6): our own cert allowed (5002),
// the cipher from our Unencrypted value (4002), a fresh X25519 key pair and nonce signed
// into our crypt info, then the keys. A failure here ends the connection with the reason
// and a ConnectionClosed (udp.md §2.4 step 6).
HandshakeOr<ServerAcceptResult> acceptConnectRequest(
    const VerifiedPeer& client, uint32_t client_connection_id, const LocalCredentials& credentials,
    uint32_t server_connection_id, int own_unencrypted, const AuthPolicy& policy,
    const PeerAddress& client_address, int local_lane_count = 1);

// Everything the client knows when a ConnectOK arrives.
struct ClientHandshakeContext {
  PeerAddress server_address;
  AuthPolicy policy;
  std::optional<NetworkingIdentity> expected_server_identity;
  // ChallengeReply field 4 (udp.md §3.5): the crypt info must carry the same version.
  std::optional<uint32_t> challenge_reply_version;
  std::vector<crypto::CipherId> own_ciphers;  // the list we sent
  OwnHandshakeMaterial own;
  int local_lane_count = 1;
};

// Client, on ConnectOK while Connecting (udp.md §2.5 steps 3, 7, 9): errors with
// drop_packet mean ignore the packet; others fail the connection with the reason.
HandshakeOr<HandshakeResult> processConnectOK(const wire::ConnectOK& ok,
                                              const ClientHandshakeContext& context);

}  // namespace opengns::connection
