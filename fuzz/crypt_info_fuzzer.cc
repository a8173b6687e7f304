// Fuzzes the peer crypt-info checks and the handshake's verification of a peer's cert
// and crypt info (crypto.md §2.5-2.7, §3.3-3.4; udp.md §2.4 steps 3-6). The first byte
// chooses what the rest is:
//  0: a SessionCryptInfoSigned, checked against a fixed peer cert (signatures from the
//     input almost never verify: this covers the refusals);
//  1: the `info` bytes, signed here with the fixed cert's key, so the parse and version
//     checks are reached: what verifies keeps the exact bytes, a version >= 8, and its
//     fields re-serialized verify to the same fields;
//  2: a ConnectRequest checked as received (checkConnectRequest);
//  3: a ConnectRequest whose cert key is replaced by the fixed key (and, by a flag, whose
//     cert is signed by the trusted fixed CA) and whose crypt info is signed with it, so
//     that identity resolution, the cert policy and the crypt info are all reached.
// Whatever passes must keep the raw cert and info bytes it was given, and "authenticated"
// needs a CA-signed cert and an identity that is not an IP address.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "common/bytes.h"
#include "connection/certificate.h"
#include "connection/crypt_info.h"
#include "connection/handshake_crypto.h"
#include "connection/trusted_ca.h"
#include "crypto/ed25519.h"

namespace {

#define FUZZ_CHECK(cond)       \
  do {                         \
    if (!(cond)) std::abort(); \
  } while (0)

using namespace opengns;
using namespace opengns::connection;

constexpr int64_t kNowSec = 1795737600;  // 2026-11-27

const crypto::Ed25519KeyPair& fixedKey(uint8_t fill) {
  static const crypto::Ed25519KeyPair peer =
      *crypto::Ed25519KeyPair::fromPrivateKey(Bytes(32, 0x21));
  static const crypto::Ed25519KeyPair ca = *crypto::Ed25519KeyPair::fromPrivateKey(Bytes(32, 0x5a));
  return fill == 0x21 ? peer : ca;
}
const crypto::Ed25519KeyPair& peerKey() {
  return fixedKey(0x21);
}
const crypto::Ed25519KeyPair& caKey() {
  return fixedKey(0x5a);
}

wire::Certificate peerCertBody() {
  wire::Certificate body;
  body.set_key_type(wire::CERT_KEY_TYPE_ED25519);
  body.set_key_data(std::string(peerKey().publicKey().begin(), peerKey().publicKey().end()));
  return body;
}

std::string signWith(const crypto::Ed25519KeyPair& key, const std::string& bytes) {
  auto signature = key.sign(asBytes(bytes));
  FUZZ_CHECK(signature.ok());
  return std::string(signature->begin(), signature->end());
}

AuthPolicy policyFor(uint8_t flags) {
  AuthPolicy policy;
  policy.ip_allow_without_auth = flags % 3;
  policy.ip_localhost_allow_without_auth = (flags / 3) % 3;
  policy.require_ca = (flags & 0x10) != 0;
  static const auto store = [] {
    auto s = std::make_shared<TrustStore>();
    s->addRootKey(caKey().publicKey());
    return std::shared_ptr<const TrustStore>(s);
  }();
  policy.ca_trust = [] { return CaTrust{store, kNowSec}; };
  return policy;
}

void checkPeerCryptInfo(const wire::SessionCryptInfoSigned& signed_info, bool signed_here) {
  auto peer = verifyPeerCryptInfo(signed_info, peerCertBody());
  if (!peer.ok()) {
    const int reason = peer.error().end_reason;
    FUZZ_CHECK(reason == 4002 || reason == 4006);
    return;
  }
  FUZZ_CHECK(peer->info_bytes == Bytes(signed_info.info().begin(), signed_info.info().end()));
  FUZZ_CHECK(peer->fields.protocol_version >= 8);
  if (!checkKeyExchangeKey(*peer)) {
    FUZZ_CHECK(peer->fields.key_type == kKeyExchangeKeyTypeCurve25519 &&
               peer->fields.key_data.size() == 32);
  }
  if (!signed_here) return;
  // Values survive our serializer.
  wire::SessionCryptInfoSigned again;
  const Bytes reserialized = serializeCryptInfo(peer->fields);
  again.set_info(std::string(reserialized.begin(), reserialized.end()));
  again.set_signature(signWith(peerKey(), again.info()));
  auto back = verifyPeerCryptInfo(again, peerCertBody());
  FUZZ_CHECK(back.ok());
  const CryptInfoFields& a = peer->fields;
  const CryptInfoFields& b = back->fields;
  FUZZ_CHECK(a.key_type == b.key_type && a.key_data == b.key_data && a.nonce == b.nonce &&
             a.protocol_version == b.protocol_version && a.ciphers == b.ciphers);
}

void checkRequest(const wire::ConnectRequest& request, uint8_t flags) {
  const PeerAddress address = (flags & 0x20) ? NetworkingIPAddr::localHost(27015)
                                             : NetworkingIPAddr::fromIPv4(0xC0A80105, 27015);
  auto peer = checkConnectRequest(request, address, policyFor(flags));
  if (!peer.ok()) return;
  FUZZ_CHECK(request.has_cert() && request.has_crypt());
  FUZZ_CHECK(peer->cert_body == Bytes(request.cert().cert().begin(), request.cert().cert().end()));
  FUZZ_CHECK(peer->crypt.info_bytes ==
             Bytes(request.crypt().info().begin(), request.crypt().info().end()));
  FUZZ_CHECK(!peer->identity.isInvalid());
  if (peer->authenticated) {
    FUZZ_CHECK(request.cert().has_ca_signature());
    FUZZ_CHECK(peer->identity.type() != IdentityType::kIPAddress);
  }
}

// Mode 3: the request made verifiable with the fixed keys.
void resignRequest(wire::ConnectRequest& request, uint8_t flags) {
  wire::Certificate body;
  if (!body.ParseFromString(request.cert().cert())) body.Clear();
  body.set_key_type(wire::CERT_KEY_TYPE_ED25519);
  body.set_key_data(std::string(peerKey().publicKey().begin(), peerKey().publicKey().end()));
  wire::CertificateSigned* cert = request.mutable_cert();
  cert->set_cert(body.SerializeAsString());
  cert->clear_ca_signature();
  cert->clear_ca_key_id();
  if (flags & 0x40) {
    cert->set_ca_key_id(keyIdOf(caKey().publicKey()));
    cert->set_ca_signature(signWith(caKey(), cert->cert()));
  }
  wire::SessionCryptInfoSigned* crypt = request.mutable_crypt();
  crypt->set_signature(signWith(peerKey(), crypt->info()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t mode = data[0] & 3;
  const uint8_t flags = data[1];
  const std::string rest(reinterpret_cast<const char*>(data + 2), size - 2);
  switch (mode) {
    case 0: {
      wire::SessionCryptInfoSigned signed_info;
      if (signed_info.ParseFromString(rest)) checkPeerCryptInfo(signed_info, false);
      break;
    }
    case 1: {
      wire::SessionCryptInfoSigned signed_info;
      signed_info.set_info(rest);
      signed_info.set_signature(signWith(peerKey(), rest));
      checkPeerCryptInfo(signed_info, true);
      break;
    }
    default: {
      wire::ConnectRequest request;
      if (!request.ParseFromString(rest)) return 0;
      if (mode == 3) resignRequest(request, flags);
      checkRequest(request, flags);
      break;
    }
  }
  return 0;
}
