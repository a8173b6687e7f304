// Building the self-made certificate (crypto.md §2.7) and holding the local key.
#include "connection/local_credentials.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "connection/identity_fields.h"

namespace opengns::connection {

absl::StatusOr<Bytes> buildUnsignedCertBody(const crypto::Ed25519PublicKey& public_key,
                                            const NetworkingIdentity& identity, uint32_t app_id) {
  const NetworkingIdentity& named =
      identity.isInvalid() ? NetworkingIdentity::localHost() : identity;
  absl::StatusOr<IdentityFields> fields = writeIdentityFields(named);
  if (!fields.ok()) return fields.status();

  wire::Certificate cert;
  cert.set_key_type(wire::CERT_KEY_TYPE_ED25519);
  cert.set_key_data(std::string(public_key.begin(), public_key.end()));
  cert.add_app_ids(app_id);
  setIdentityFields(*fields, &cert);
  // Protobuf writes known fields in field-number order: 1, 2, 4, 10, 11, 12 (§2.7).
  std::string body;
  if (!cert.SerializeToString(&body)) return absl::InternalError("certificate: serialize failed");
  return Bytes(body.begin(), body.end());
}

absl::StatusOr<LocalCredentials> LocalCredentials::createUnsigned(
    const NetworkingIdentity& identity, uint32_t app_id) {
  absl::StatusOr<crypto::Ed25519KeyPair> key = crypto::Ed25519KeyPair::generate();
  if (!key.ok()) return key.status();
  return unsignedFromKey(*std::move(key), identity, app_id);
}

absl::StatusOr<LocalCredentials> LocalCredentials::unsignedFromKey(
    crypto::Ed25519KeyPair key, const NetworkingIdentity& identity, uint32_t app_id) {
  absl::StatusOr<Bytes> body = buildUnsignedCertBody(key.publicKey(), identity, app_id);
  if (!body.ok()) return body.status();
  wire::CertificateSigned wrapper;
  wrapper.set_cert(std::string(body->begin(), body->end()));
  NetworkingIdentity named = identity.isInvalid() ? NetworkingIdentity::localHost() : identity;
  return LocalCredentials(std::move(key), std::move(named), std::move(wrapper), true);
}

absl::StatusOr<LocalCredentials> LocalCredentials::fromSignedCert(
    crypto::Ed25519KeyPair key, const wire::CertificateSigned& wrapper,
    const NetworkingIdentity& identity) {
  wire::Certificate cert;
  if (!wrapper.has_cert() || !cert.ParseFromString(wrapper.cert())) {
    return absl::InvalidArgumentError("certificate: body missing or does not parse");
  }
  if (cert.key_type() != wire::CERT_KEY_TYPE_ED25519) {
    return absl::InvalidArgumentError(
        absl::StrCat("certificate: key_type ", cert.key_type(), ", want 1 (Ed25519)"));
  }
  const crypto::Ed25519PublicKey& pub = key.publicKey();
  if (cert.key_data() != std::string(pub.begin(), pub.end())) {
    return absl::InvalidArgumentError("certificate: key_data is not the given key's public key");
  }
  absl::StatusOr<std::optional<NetworkingIdentity>> named =
      readIdentityFields(identityFieldsOf(cert));
  if (!named.ok()) return named.status();
  if (*named && !(**named == identity)) {
    return absl::InvalidArgumentError(absl::StrCat("certificate: issued to ", (*named)->toString(),
                                                   ", not ", identity.toString()));
  }
  if (identity.isInvalid())
    return absl::InvalidArgumentError("certificate: no local identity given");
  wire::CertificateSigned stripped = wrapper;
  stripped.clear_private_key_data();  // §2.2: local storage only, never sent
  const bool has_identity = named->has_value();
  return LocalCredentials(std::move(key), identity, std::move(stripped), has_identity);
}

}  // namespace opengns::connection
