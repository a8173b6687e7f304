// Fuzzes certificate parsing and checking (crypto.md §2, §6.4) on binary CertificateSigned
// wrappers and their PEM-like text, plus the base64 and authorized-keys text forms:
//  - the text reader never crashes; what it reads writes back (certificateToPem) to text
//    that reads to the same wrapper; base64 and authorized-key lines round-trip;
//  - a parsed body gives its key, scopes and identity fields without crashing;
//  - the wrapper's own CA signature is checked against a fixed CA key (it must not verify
//    unless it really is that key's signature);
//  - re-signed with the fixed CA key, the body's signature verifies, a one-bit change of
//    the signature does not, and the trust-store check (as the handshake runs it with
//    that CA as root) either accepts it naming that CA or says why not.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "connection/certificate.h"
#include "connection/identity_fields.h"
#include "connection/trusted_ca.h"
#include "crypto/ed25519.h"

namespace {

#define FUZZ_CHECK(cond)       \
  do {                         \
    if (!(cond)) std::abort(); \
  } while (0)

using namespace opengns;
using namespace opengns::connection;

// Fixed so that a run is reproducible; only the fuzzer's own bytes vary.
const crypto::Ed25519KeyPair& caKey() {
  static const crypto::Ed25519KeyPair key = [] {
    const Bytes seed(32, 0x5a);
    return *crypto::Ed25519KeyPair::fromPrivateKey(seed);
  }();
  return key;
}

const TrustStore& trustStore() {
  static const TrustStore store = [] {
    TrustStore s;
    s.addRootKey(caKey().publicKey());
    return s;
  }();
  return store;
}

// 2026-11-27, in the range of the recorded certs.
constexpr int64_t kNowSec = 1795737600;

void checkBody(const wire::CertificateSigned& signed_cert) {
  auto body = parseCertificateBody(signed_cert);
  if (!body.ok()) return;
  (void)certificatePublicKey(*body);
  const IdScope apps = scopeOf(body->app_ids());
  const IdScope pops = scopeOf(body->gameserver_datacenter_ids());
  const IdScope both = intersectScopes(apps, pops);
  for (uint32_t id : body->app_ids()) {
    FUZZ_CHECK(scopeAllows(apps, id));
    FUZZ_CHECK(scopeAllows(both, id) == scopeAllows(pops, id));
  }
  auto identity = readIdentityFields(identityFieldsOf(*body));
  // A legacy SteamID needs only the weaker "for identity" check (crypto.md §1.4), so its
  // text may not parse back; every other identity's does.
  if (identity.ok() && identity->has_value() &&
      ((*identity)->type() != IdentityType::kSteamID ||
       steamIdValidForText((*identity)->steamID()))) {
    auto again = NetworkingIdentity::parse((*identity)->toString());
    FUZZ_CHECK(again && *again == **identity);
  }
}

void checkWrapper(const wire::CertificateSigned& signed_cert) {
  checkBody(signed_cert);
  // Only the fixed CA's own signature over field 4 may verify.
  if (verifyCaSignature(signed_cert, caKey().publicKey()).ok()) {
    auto expected = caKey().sign(asBytes(signed_cert.cert()));
    FUZZ_CHECK(expected.ok() &&
               signed_cert.ca_signature() == std::string(expected->begin(), expected->end()));
  }
  (void)trustStore().verify(signed_cert, kNowSec, 0);

  // Text form round trip (the reader needs field 4).
  if (signed_cert.has_cert()) {
    const std::string pem = certificateToPem(signed_cert);
    FUZZ_CHECK(looksLikePem(asBytes(pem)));
    auto back = certificateFromPem(pem);
    FUZZ_CHECK(back.ok() && back->SerializeAsString() == signed_cert.SerializeAsString());
  }

  // Re-signed by the fixed CA: the signature checks must agree with the key.
  if (!signed_cert.has_cert()) return;
  wire::CertificateSigned resigned = signed_cert;
  resigned.clear_ca_signature();
  resigned.set_ca_key_id(keyIdOf(caKey().publicKey()));
  auto signature = caKey().sign(asBytes(resigned.cert()));
  FUZZ_CHECK(signature.ok());
  resigned.set_ca_signature(std::string(signature->begin(), signature->end()));
  FUZZ_CHECK(verifyCaSignature(resigned, caKey().publicKey()).ok());
  auto verified = trustStore().verify(resigned, kNowSec, 0);
  if (verified.ok()) {
    FUZZ_CHECK(verified->ca_key_id == keyIdOf(caKey().publicKey()));
    auto body = parseCertificateBody(resigned);
    FUZZ_CHECK(body.ok() && body->SerializeAsString() == verified->body.SerializeAsString());
  }
  std::string bad = resigned.ca_signature();
  bad[signed_cert.cert().size() % bad.size()] ^= 0x01;
  resigned.set_ca_signature(bad);
  FUZZ_CHECK(!verifyCaSignature(resigned, caKey().publicKey()).ok());
  FUZZ_CHECK(!trustStore().verify(resigned, kNowSec, 0).ok());
}

void checkTextForms(std::string_view text) {
  auto decoded = base64Decode(text);
  if (decoded.ok()) {
    auto again = base64Decode(base64Encode(*decoded));
    FUZZ_CHECK(again.ok() && *again == *decoded);
  }
  auto key = parseAuthorizedKeyLine(text);
  if (key.ok()) {
    auto again = parseAuthorizedKeyLine(authorizedKeyLine(*key, "fuzz"));
    FUZZ_CHECK(again.ok() && *again == *key);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteSpan input(data, size);
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  {
    auto again = base64Decode(base64Encode(input));
    FUZZ_CHECK(again.ok() && *again == Bytes(input.begin(), input.end()));
  }
  if (looksLikePem(input)) {
    auto signed_cert = certificateFromPem(text);
    if (signed_cert.ok()) checkWrapper(*signed_cert);
    checkTextForms(text);
    return 0;
  }
  checkTextForms(text);
  wire::CertificateSigned signed_cert;
  if (signed_cert.ParseFromArray(data, static_cast<int>(size))) checkWrapper(signed_cert);
  return 0;
}
