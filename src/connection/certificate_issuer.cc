// Issuing certificates (see certificate_issuer.h).
#include "connection/certificate_issuer.h"

#include <limits>

#include "absl/strings/str_cat.h"
#include "connection/certificate.h"
#include "connection/identity_fields.h"

namespace opengns::connection {
namespace {

bool fitsFixed32(int64_t value) {
  return value >= 0 && value <= std::numeric_limits<uint32_t>::max();
}

}  // namespace

absl::StatusOr<wire::CertificateSigned> issueCertificate(const CertificateToIssue& what,
                                                         const crypto::Ed25519KeyPair& ca_key) {
  if (!fitsFixed32(what.time_created_sec) || !fitsFixed32(what.time_expiry_sec)) {
    return absl::InvalidArgumentError("certificate times must be Unix seconds within 32 bits");
  }
  wire::Certificate body;
  body.set_key_type(wire::CERT_KEY_TYPE_ED25519);
  body.set_key_data(std::string(what.subject_key.begin(), what.subject_key.end()));
  for (uint32_t pop : what.datacenter_ids)
    body.add_gameserver_datacenter_ids(pop);
  body.set_time_created(static_cast<uint32_t>(what.time_created_sec));
  body.set_time_expiry(static_cast<uint32_t>(what.time_expiry_sec));
  for (uint32_t app : what.app_ids)
    body.add_app_ids(app);
  if (what.identity) {
    if (what.identity->isLocalHost()) {
      return absl::InvalidArgumentError("a CA must not certify the localhost identity");
    }
    absl::StatusOr<IdentityFields> fields = writeIdentityFields(*what.identity);
    if (!fields.ok()) return fields.status();
    setIdentityFields(*fields, &body);
  }
  return signCertificate(body, ca_key);
}

absl::StatusOr<RequestedCertificate> parseCertificateRequest(ByteSpan request) {
  wire::CertificateRequest parsed;
  if (!parsed.ParseFromArray(request.data(), static_cast<int>(request.size())) ||
      !parsed.has_cert()) {
    return absl::InvalidArgumentError("not a certificate request (CertificateRequest, field 1)");
  }
  absl::StatusOr<crypto::Ed25519PublicKey> key = certificatePublicKey(parsed.cert());
  if (!key.ok()) return key.status();
  absl::StatusOr<std::optional<NetworkingIdentity>> identity =
      readIdentityFields(identityFieldsOf(parsed.cert()));
  if (!identity.ok()) return identity.status();
  return RequestedCertificate{*key, *identity};
}

absl::StatusOr<wire::CertificateSigned> withPrivateKey(const wire::CertificateSigned& signed_cert,
                                                       const crypto::Ed25519KeyPair& subject_key) {
  absl::StatusOr<wire::Certificate> body = parseCertificateBody(signed_cert);
  if (!body.ok()) return body.status();
  absl::StatusOr<crypto::Ed25519PublicKey> key = certificatePublicKey(*body);
  if (!key.ok()) return key.status();
  if (*key != subject_key.publicKey()) {
    return absl::InvalidArgumentError("the private key does not belong to the certificate's key");
  }
  absl::StatusOr<crypto::Ed25519PrivateKey> raw = subject_key.privateKey();
  if (!raw.ok()) return raw.status();
  wire::CertificateSigned out = signed_cert;
  out.set_private_key_data(std::string(raw->data(), raw->data() + raw->size()));
  return out;
}

}  // namespace opengns::connection
