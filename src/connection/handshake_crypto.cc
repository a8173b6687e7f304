// The handshake checks and key derivation (see handshake_crypto.h for the steps).
#include "connection/handshake_crypto.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "connection/cipher_negotiation.h"
#include "wire/udp_constants.h"

namespace opengns::connection {
namespace {

using crypto::CipherId;

// udp.md §2.5 step 7: the low 16 bits of the server's connection id must be non-zero.
constexpr uint32_t kConnectionIdLowBitsMask = 0xffff;

bool listsApp(const wire::Certificate& cert, uint32_t app_id) {
  return std::find(cert.app_ids().begin(), cert.app_ids().end(), app_id) != cert.app_ids().end();
}

// crypto.md §1.4: account type 4, an anonymous game server.
bool isAnonymousGameServer(const NetworkingIdentity& identity) {
  constexpr uint32_t kAccountTypeAnonGameServer = 4;
  return identity.type() == IdentityType::kSteamID &&
         ((identity.steamID() >> 52) & 0xf) == kAccountTypeAnonGameServer;
}

}  // namespace

CertTrust checkCertTrust(const wire::CertificateSigned& cert, const AuthPolicy& policy) {
  if (!cert.has_ca_signature() || cert.ca_signature().empty()) {
    return CertTrust{false, "the cert is unsigned (no CA signature)"};
  }
  const CaTrust trust = policy.ca_trust ? policy.ca_trust() : CaTrust{};
  if (trust.store == nullptr || trust.store->empty()) {
    return CertTrust{false, "no trusted CA is configured (OPENGNS_TrustedCAList)"};
  }
  absl::StatusOr<VerifiedCertificate> verified =
      trust.store->verify(cert, trust.now_unix_sec, policy.local_app_id);
  if (!verified.ok()) return CertTrust{false, std::string(verified.status().message())};
  return CertTrust{true, ""};
}

PeerHello peerHelloOf(const wire::ConnectRequest& request) {
  PeerHello hello;
  if (request.has_cert()) hello.cert = request.cert();
  if (request.has_crypt()) hello.crypt = request.crypt();
  hello.identity_fields = identityFieldsOf(request);
  return hello;
}

PeerHello peerHelloOf(const wire::ConnectOK& ok) {
  PeerHello hello;
  if (ok.has_cert()) hello.cert = ok.cert();
  if (ok.has_crypt()) hello.crypt = ok.crypt();
  hello.identity_fields = identityFieldsOf(ok);
  return hello;
}

HandshakeOr<ResolvedPeerIdentity> resolvePeerIdentity(const PeerHello& hello,
                                                      const PeerAddress& peer_address,
                                                      const AuthPolicy& policy) {
  ResolvedPeerIdentity resolved;
  std::optional<NetworkingIdentity> identity;
  if (hello.cert && hello.cert->has_cert()) {
    wire::Certificate body;
    if (!body.ParseFromString(hello.cert->cert())) {
      return handshakeDrop(ConnectionEnd::kRemoteBadCrypt, "peer cert body does not parse");
    }
    absl::StatusOr<std::optional<NetworkingIdentity>> named =
        readIdentityFields(identityFieldsOf(body));
    if (!named.ok()) {
      return handshakeDrop(ConnectionEnd::kRemoteBadCert,
                           absl::StrCat("peer cert identity: ", named.status().message()));
    }
    identity = *named;
    resolved.from_cert = identity.has_value();
    resolved.cert_body = std::move(body);
  }
  if (!identity) {
    absl::StatusOr<std::optional<NetworkingIdentity>> sent =
        readIdentityFields(hello.identity_fields);
    if (!sent.ok()) {
      return handshakeDrop(ConnectionEnd::kRemoteBadCert,
                           absl::StrCat("peer identity: ", sent.status().message()));
    }
    identity = *sent;
  }
  if (!identity) identity = NetworkingIdentity::localHost();  // nothing named: anonymous

  if (identity->type() == IdentityType::kIPAddress) {
    if (identity->isLocalHost()) {
      if (effectiveAllowWithoutAuth(policy, peer_address) == kAllowWithoutAuthNever) {
        return handshakeDrop(ConnectionEnd::kRemoteBadCert,
                             "anonymous (localhost) peer not allowed: IP_AllowWithoutAuth is 0");
      }
      identity->setIPAddr(peer_address);  // crypto.md §1.3: the real source address
      resolved.anonymous = true;
    } else if (!resolved.from_cert) {
      return handshakeDrop(ConnectionEnd::kRemoteBadCert,
                           absl::StrCat("cannot use specific IP address identity ",
                                        identity->toString(), " without a cert naming it"));
    }
  }
  resolved.identity = *std::move(identity);
  return resolved;
}

HandshakeOr<VerifiedPeer> verifyPeerCredentials(
    const PeerHello& hello, const ResolvedPeerIdentity& resolved, const AuthPolicy& policy,
    const PeerAddress& peer_address, const std::optional<NetworkingIdentity>& expected_identity) {
  if (!hello.cert || !hello.cert->has_cert() || !resolved.cert_body) {
    return handshakeFail(ConnectionEnd::kRemoteBadCrypt, "peer sent no certificate");
  }
  if (!hello.crypt) {
    return handshakeFail(ConnectionEnd::kRemoteBadCrypt, "peer sent no crypt info");
  }
  const wire::Certificate& cert = *resolved.cert_body;
  const int effective = effectiveAllowWithoutAuth(policy, peer_address);

  // crypto.md §2.5: a CA signature is checked against the trusted CAs; if it cannot be
  // verified the cert counts as unsigned (the original's behaviour) unless require_ca.
  const CertTrust trust = checkCertTrust(*hello.cert, policy);
  const bool ca_signed = hello.cert->has_ca_signature() && !hello.cert->ca_signature().empty();

  // §2.6, in its order.
  const bool names_real_identity = resolved.from_cert && !resolved.anonymous;
  if (expected_identity && !(resolved.identity == *expected_identity)) {
    return handshakeFail(ConnectionEnd::kRemoteBadCert,
                         absl::StrCat("cert was issued to ", resolved.identity.toString(), ", not ",
                                      expected_identity->toString()));
  }
  if (names_real_identity && cert.app_ids_size() == 0) {
    return handshakeFail(ConnectionEnd::kRemoteBadCert,
                         "cert must be bound to an AppID (it names an identity but no app ids)");
  }
  if (!resolved.from_cert && ca_signed) {
    // Only hosted game servers use CA certs without an identity (§2.6, §8 O5).
    if (!isAnonymousGameServer(resolved.identity)) {
      return handshakeFail(ConnectionEnd::kRemoteBadCert,
                           "CA-signed cert without an identity is only for anonymous game servers");
    }
    if (cert.gameserver_datacenter_ids_size() == 0) {
      return handshakeFail(ConnectionEnd::kRemoteBadCert,
                           "CA-signed cert without an identity names no data centre");
    }
  }
  if (cert.app_ids_size() > 0 && !listsApp(cert, policy.local_app_id)) {
    return handshakeFail(ConnectionEnd::kRemoteBadCert,
                         absl::StrCat("cert is not valid for app id ", policy.local_app_id));
  }
  if (!trust.trusted) {
    if (policy.require_ca) {
      return handshakeFail(ConnectionEnd::kRemoteBadCert,
                           absl::StrCat("OPENGNS_RequireCA: ", trust.why_not));
    }
    if (effective == kAllowWithoutAuthNever) {
      return handshakeFail(ConnectionEnd::kRemoteBadCert,
                           ca_signed
                               ? "cert not signed by a trusted CA, and IP_AllowWithoutAuth is 0"
                               : "unsigned certs are not allowed (IP_AllowWithoutAuth is 0)");
    }
  }
  if (policy.require_ca && resolved.from_cert) {
    // Strict mode (config.md §8): identity fields in the message must not claim anyone
    // but the identity the CA certified (the original ignores them when the cert names one).
    absl::StatusOr<std::optional<NetworkingIdentity>> claimed =
        readIdentityFields(hello.identity_fields);
    if (!claimed.ok() || (*claimed && !(**claimed == resolved.identity))) {
      return handshakeFail(
          ConnectionEnd::kRemoteBadCert,
          absl::StrCat("cert was issued to ", resolved.identity.toString(),
                       ", but the peer claims ",
                       claimed.ok() ? (**claimed).toString() : std::string("a bad identity")));
    }
  }

  HandshakeOr<PeerCryptInfo> crypt = verifyPeerCryptInfo(*hello.crypt, cert);
  if (!crypt.ok()) {
    // Strict mode: a crypt info the certified key did not sign means the peer did not
    // prove it holds the cert, so the refusal is the cert refusal (4003, config.md §8).
    if (policy.require_ca &&
        crypt.error().end_reason == static_cast<int>(ConnectionEnd::kRemoteBadCrypt)) {
      return handshakeFail(ConnectionEnd::kRemoteBadCert,
                           absl::StrCat("OPENGNS_RequireCA: ", crypt.error().debug));
    }
    return crypt.error();
  }

  VerifiedPeer peer;
  peer.identity = resolved.identity;
  peer.authenticated = trust.trusted && resolved.identity.type() != IdentityType::kIPAddress &&
                       !resolved.identity.isInvalid();
  peer.cert_body.assign(hello.cert->cert().begin(), hello.cert->cert().end());
  peer.crypt = *std::move(crypt);
  return peer;
}

OwnHandshakeMaterial ownMaterialOf(const LocalCredentials& credentials,
                                   const LocalCryptInfo& crypt_info, uint32_t connection_id) {
  return OwnHandshakeMaterial{&crypt_info.keyPair(), connection_id, crypt_info.nonce(),
                              credentials.certBody(), crypt_info.infoBytes()};
}

HandshakeOr<HandshakeResult> deriveSession(crypto::Role role, const OwnHandshakeMaterial& own,
                                           uint32_t peer_connection_id, const VerifiedPeer& peer,
                                           CipherId cipher, int local_lane_count) {
  if (own.key_pair == nullptr) {
    return handshakeFail(ConnectionEnd::kMiscInternalError, "no local X25519 key pair");
  }
  if (HandshakeCheck bad_key = checkKeyExchangeKey(peer.crypt)) return *bad_key;
  const uint32_t peer_version = peer.crypt.fields.protocol_version;
  if (local_lane_count > 1 && peer_version < wire::kMinVersionMultipleLanes) {
    return handshakeFail(ConnectionEnd::kRemoteBadProtocolVersion,
                         absl::StrCat("peer protocol version ", peer_version, " does not support ",
                                      local_lane_count, " lanes"));
  }

  const crypto::HandshakeSide local{own.connection_id, own.nonce, own.cert_body, own.crypt_info};
  const crypto::HandshakeSide remote{peer_connection_id, peer.crypt.fields.nonce, peer.cert_body,
                                     peer.crypt.info_bytes};
  absl::StatusOr<crypto::EndpointKeys> keys = crypto::deriveEndpointKeys(
      role, *own.key_pair, peer.crypt.fields.key_data, crypto::transcriptFor(role, local, remote));
  if (!keys.ok()) {
    return handshakeFail(ConnectionEnd::kRemoteBadCrypt,
                         absl::StrCat("key exchange failed: ", keys.status().message()));
  }
  absl::StatusOr<crypto::PacketCipher> packet_cipher = crypto::PacketCipher::create(cipher, *keys);
  if (!packet_cipher.ok()) {
    return handshakeFail(ConnectionEnd::kMiscInternalError,
                         absl::StrCat("packet cipher: ", packet_cipher.status().message()));
  }

  int flags = 0;
  if (!peer.authenticated) flags |= kConnectionInfoFlagUnauthenticated;
  if (cipher == CipherId::kNull) flags |= kConnectionInfoFlagUnencrypted;
  return HandshakeResult{peer.identity,
                         peer_version,
                         cipher,
                         peer.authenticated,
                         flags,
                         *std::move(keys),
                         *std::move(packet_cipher)};
}

HandshakeOr<VerifiedPeer> checkConnectRequest(const wire::ConnectRequest& request,
                                              const PeerAddress& client_address,
                                              const AuthPolicy& policy) {
  const PeerHello hello = peerHelloOf(request);
  HandshakeOr<ResolvedPeerIdentity> resolved = resolvePeerIdentity(hello, client_address, policy);
  if (!resolved.ok()) return resolved.error();
  return verifyPeerCredentials(hello, *resolved, policy, client_address);
}

HandshakeOr<ServerAcceptResult> acceptConnectRequest(
    const VerifiedPeer& client, uint32_t client_connection_id, const LocalCredentials& credentials,
    uint32_t server_connection_id, int own_unencrypted, const AuthPolicy& policy,
    const PeerAddress& client_address, int local_lane_count) {
  if (HandshakeCheck refused = checkOwnCredentialsAllowed(credentials, policy, client_address)) {
    return *refused;
  }
  HandshakeOr<CipherId> cipher =
      chooseCipherAsServer(cipherListForUnencrypted(own_unencrypted), client.crypt.fields.ciphers);
  if (!cipher.ok()) return cipher.error();
  // §3.6: the server's crypt info lists exactly the chosen cipher; key and nonce are new.
  absl::StatusOr<LocalCryptInfo> crypt_info = LocalCryptInfo::create(credentials, {*cipher});
  if (!crypt_info.ok()) {
    return handshakeFail(ConnectionEnd::kMiscInternalError,
                         absl::StrCat("crypt info: ", crypt_info.status().message()));
  }
  HandshakeOr<HandshakeResult> session = deriveSession(
      crypto::Role::kServer, ownMaterialOf(credentials, *crypt_info, server_connection_id),
      client_connection_id, client, *cipher, local_lane_count);
  if (!session.ok()) return session.error();
  return ServerAcceptResult{*std::move(session), *std::move(crypt_info)};
}

HandshakeOr<HandshakeResult> processConnectOK(const wire::ConnectOK& ok,
                                              const ClientHandshakeContext& context) {
  const PeerHello hello = peerHelloOf(ok);
  HandshakeOr<ResolvedPeerIdentity> resolved =
      resolvePeerIdentity(hello, context.server_address, context.policy);
  if (!resolved.ok()) return resolved.error();

  const uint32_t server_id = ok.server_connection_id();
  if ((server_id & kConnectionIdLowBitsMask) == 0) {
    return handshakeFail(ConnectionEnd::kRemoteBadCrypt,
                         absl::StrCat("peer sent no valid connection id (", server_id, ")"));
  }
  HandshakeOr<VerifiedPeer> server = verifyPeerCredentials(
      hello, *resolved, context.policy, context.server_address, context.expected_server_identity);
  if (!server.ok()) return server.error();

  const uint32_t version = server->crypt.fields.protocol_version;
  if (context.challenge_reply_version && *context.challenge_reply_version != version) {
    return handshakeFail(
        ConnectionEnd::kRemoteBadProtocolVersion,
        absl::StrCat("crypt info protocol version ", version, " differs from ChallengeReply's ",
                     *context.challenge_reply_version));
  }
  HandshakeOr<CipherId> cipher =
      checkServerCipher(context.own_ciphers, server->crypt.fields.ciphers);
  if (!cipher.ok()) return cipher.error();
  return deriveSession(crypto::Role::kClient, context.own, server_id, *server, *cipher,
                       context.local_lane_count);
}

}  // namespace opengns::connection
