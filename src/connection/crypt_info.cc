// Building, signing and verifying SessionCryptInfo (crypto.md §3).
#include "connection/crypt_info.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "crypto/ed25519.h"
#include "crypto/secure_random.h"
#include "wire/udp_constants.h"

namespace opengns::connection {

Bytes serializeCryptInfo(const CryptInfoFields& fields) {
  wire::SessionCryptInfo info;
  info.set_key_type(static_cast<wire::KeyExchangeKeyType>(fields.key_type));
  info.set_key_data(std::string(fields.key_data.begin(), fields.key_data.end()));
  info.set_nonce(fields.nonce);
  info.set_protocol_version(fields.protocol_version);
  for (crypto::CipherId cipher : fields.ciphers) {
    info.add_ciphers(static_cast<wire::Cipher>(cipher));
  }
  std::string bytes = info.SerializeAsString();
  return Bytes(bytes.begin(), bytes.end());
}

absl::StatusOr<LocalCryptInfo> LocalCryptInfo::create(const LocalCredentials& signer,
                                                      std::vector<crypto::CipherId> ciphers) {
  absl::StatusOr<crypto::X25519KeyPair> key = crypto::X25519KeyPair::generate();
  if (!key.ok()) return key.status();
  absl::StatusOr<uint64_t> nonce = crypto::secureRandomU64();
  if (!nonce.ok()) return nonce.status();
  return fromParts(*std::move(key), *nonce, std::move(ciphers), signer);
}

absl::StatusOr<LocalCryptInfo> LocalCryptInfo::fromParts(crypto::X25519KeyPair key, uint64_t nonce,
                                                         std::vector<crypto::CipherId> ciphers,
                                                         const LocalCredentials& signer) {
  if (ciphers.empty()) return absl::InvalidArgumentError("crypt info: empty cipher list");
  const crypto::X25519PublicKey& pub = key.publicKey();
  CryptInfoFields fields{kKeyExchangeKeyTypeCurve25519, Bytes(pub.begin(), pub.end()), nonce,
                         wire::kProtocolVersion, ciphers};
  const Bytes info = serializeCryptInfo(fields);
  absl::StatusOr<crypto::Ed25519Signature> signature = signer.sign(info);
  if (!signature.ok()) return signature.status();
  wire::SessionCryptInfoSigned signed_info;
  signed_info.set_info(std::string(info.begin(), info.end()));
  signed_info.set_signature(std::string(signature->begin(), signature->end()));
  return LocalCryptInfo(std::move(key), nonce, std::move(ciphers), std::move(signed_info));
}

HandshakeOr<PeerCryptInfo> verifyPeerCryptInfo(const wire::SessionCryptInfoSigned& signed_info,
                                               const wire::Certificate& peer_cert) {
  if (peer_cert.key_type() != kCertKeyTypeEd25519) {
    return handshakeFail(
        ConnectionEnd::kRemoteBadCrypt,
        absl::StrCat("cert key_type ", peer_cert.key_type(), ", want 1 (Ed25519)"));
  }
  if (!signed_info.has_info() || !signed_info.has_signature()) {
    return handshakeFail(ConnectionEnd::kRemoteBadCrypt, "crypt info: info or signature missing");
  }
  const ByteSpan info = asBytes(signed_info.info());
  if (absl::Status s = crypto::ed25519Verify(asBytes(peer_cert.key_data()), info,
                                             asBytes(signed_info.signature()));
      !s.ok()) {
    return handshakeFail(ConnectionEnd::kRemoteBadCrypt,
                         absl::StrCat("crypt info signature: ", s.message()));
  }
  wire::SessionCryptInfo parsed;
  if (!parsed.ParseFromString(signed_info.info())) {
    return handshakeFail(ConnectionEnd::kRemoteBadCrypt, "crypt info: info does not parse");
  }
  if (parsed.protocol_version() < wire::kMinPeerProtocolVersion) {
    return handshakeFail(ConnectionEnd::kRemoteBadProtocolVersion,
                         absl::StrCat("crypt info: protocol_version ", parsed.protocol_version(),
                                      ", need >= ", wire::kMinPeerProtocolVersion));
  }
  PeerCryptInfo peer;
  peer.fields.key_type = static_cast<uint32_t>(parsed.key_type());
  peer.fields.key_data.assign(parsed.key_data().begin(), parsed.key_data().end());
  peer.fields.nonce = parsed.nonce();
  peer.fields.protocol_version = parsed.protocol_version();
  for (int cipher : parsed.ciphers()) {
    peer.fields.ciphers.push_back(static_cast<crypto::CipherId>(cipher));
  }
  peer.info_bytes.assign(info.begin(), info.end());
  return peer;
}

HandshakeCheck checkKeyExchangeKey(const PeerCryptInfo& peer) {
  if (peer.fields.key_type != kKeyExchangeKeyTypeCurve25519) {
    return handshakeFail(
        ConnectionEnd::kRemoteBadCrypt,
        absl::StrCat("crypt info: key_type ", peer.fields.key_type, ", want 1 (Curve25519)"));
  }
  if (peer.fields.key_data.size() != crypto::kX25519KeyBytes) {
    return handshakeFail(
        ConnectionEnd::kRemoteBadCrypt,
        absl::StrCat("crypt info: key_data of ", peer.fields.key_data.size(), " bytes, want 32"));
  }
  return std::nullopt;
}

}  // namespace opengns::connection
