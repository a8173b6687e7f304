// Our identity, certificate and authentication status (see local_identity.h).
#include "api/local_identity.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "connection/certificate.h"
#include "connection/identity_fields.h"

namespace opengns::api {
namespace {

bool isRealIdentity(const std::optional<NetworkingIdentity>& identity) {
  return identity && !identity->isInvalid() && !identity->isLocalHost();
}

// A second holder of the same key (the credentials get their own).
absl::StatusOr<crypto::Ed25519KeyPair> duplicateKey(const crypto::Ed25519KeyPair& key) {
  absl::StatusOr<crypto::Ed25519PrivateKey> raw = key.privateKey();
  if (!raw.ok()) return raw.status();
  return crypto::Ed25519KeyPair::fromPrivateKey(raw->span());
}

}  // namespace

NetworkingIdentity LocalIdentity::identity() const {
  return identity_.value_or(NetworkingIdentity::localHost());
}

void LocalIdentity::reset(const NetworkingIdentity& identity) {
  identity_.reset();
  if (!identity.isInvalid() && !identity.isLocalHost()) identity_ = identity;
  signing_key_.reset();
  certificate_.reset();
  certificate_expiry_sec_ = 0;
  credentials_.reset();
  availability_ = Availability::kCannotTry;
  status_text_ = kNoCertificateAuthorityText;
}

absl::StatusOr<Bytes> LocalIdentity::certificateRequest() {
  if (!signing_key_) {  // §6.1 step 1: made now, kept for setCertificate
    absl::StatusOr<crypto::Ed25519KeyPair> key = crypto::Ed25519KeyPair::generate();
    if (!key.ok()) return key.status();
    signing_key_ = *std::move(key);
    credentials_.reset();
  }
  wire::CertificateRequest request;
  wire::Certificate* cert = request.mutable_cert();
  cert->set_key_type(wire::CERT_KEY_TYPE_ED25519);
  const crypto::Ed25519PublicKey& pub = signing_key_->publicKey();
  cert->set_key_data(std::string(pub.begin(), pub.end()));
  if (isRealIdentity(identity_)) {  // step 2: only a known, non-localhost identity
    absl::StatusOr<connection::IdentityFields> fields = connection::writeIdentityFields(*identity_);
    if (!fields.ok()) return fields.status();
    connection::setIdentityFields(*fields, cert);
  }
  std::string bytes;
  if (!request.SerializeToString(&bytes)) {
    return absl::InternalError("certificate request: serialize failed");
  }
  return Bytes(bytes.begin(), bytes.end());
}

absl::Status LocalIdentity::setCertificate(ByteSpan blob, const connection::CaTrust& trust,
                                           std::string* warning) {
  // Step 1: binary CertificateSigned, or (extension) the PEM-like text form.
  wire::CertificateSigned signed_cert;
  if (connection::looksLikePem(blob)) {
    absl::StatusOr<wire::CertificateSigned> parsed = connection::certificateFromPem(
        std::string_view(reinterpret_cast<const char*>(blob.data()), blob.size()));
    if (!parsed.ok()) return parsed.status();
    signed_cert = *std::move(parsed);
  } else if (!signed_cert.ParseFromArray(blob.data(), static_cast<int>(blob.size())) ||
             !signed_cert.has_cert()) {
    return absl::InvalidArgumentError("failed protobuf parse");
  }
  absl::StatusOr<wire::Certificate> body = connection::parseCertificateBody(signed_cert);
  if (!body.ok()) return body.status();

  // Step 2: a CA we cannot verify is only a warning (the host need not trust its own CA).
  std::optional<connection::VerifiedCertificate> verified;
  if (trust.store != nullptr && signed_cert.has_ca_signature()) {
    absl::StatusOr<connection::VerifiedCertificate> v =
        trust.store->verify(signed_cert, trust.now_unix_sec, app_id_);
    if (v.ok()) verified = *std::move(v);
    if (!v.ok() && warning != nullptr) {
      *warning = absl::StrCat("not able to verify our own cert, continuing anyway: ",
                              v.status().message());
    }
  } else if (warning != nullptr) {
    *warning = signed_cert.has_ca_signature()
                   ? "not able to verify our own cert (no trusted CA), continuing anyway"
                   : "the certificate is not signed by a CA";
  }

  // Steps 3-4: the cert's identity, which must be ours if we have one.
  absl::StatusOr<std::optional<NetworkingIdentity>> named =
      connection::readIdentityFields(connection::identityFieldsOf(*body));
  if (!named.ok()) return absl::InvalidArgumentError(named.status().message());
  NetworkingIdentity cert_identity;
  if (*named) {
    cert_identity = **named;
  } else if (isRealIdentity(identity_)) {
    cert_identity = *identity_;
  } else {
    return absl::InvalidArgumentError("the certificate names no identity and we have none");
  }
  if (cert_identity.isLocalHost()) {
    return absl::InvalidArgumentError("a certificate must not name the localhost identity");
  }
  if (isRealIdentity(identity_) && !(cert_identity == *identity_)) {
    return absl::InvalidArgumentError(absl::StrCat("the certificate is for ",
                                                   cert_identity.toString(), ", but we are ",
                                                   identity_->toString()));
  }
  // Not in the original (which would use such a cert for nothing): an expired cert is
  // refused here rather than accepted and dropped at once.
  if (body->time_expiry() != 0 && static_cast<int64_t>(body->time_expiry()) < trust.now_unix_sec) {
    return absl::InvalidArgumentError(
        absl::StrCat("the certificate expired at ", body->time_expiry()));
  }
  // Step 5.
  absl::StatusOr<crypto::Ed25519PublicKey> cert_key = connection::certificatePublicKey(*body);
  if (!cert_key.ok()) return cert_key.status();

  // Step 6: the private key from the blob, or the one of an earlier request.
  std::optional<crypto::Ed25519KeyPair> blob_key;
  if (signed_cert.has_private_key_data()) {
    absl::StatusOr<crypto::Ed25519KeyPair> key =
        crypto::Ed25519KeyPair::fromPrivateKey(asBytes(signed_cert.private_key_data()));
    if (!key.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("private_key_data is not an Ed25519 key: ", key.status().message()));
    }
    if (signing_key_ && signing_key_->publicKey() != key->publicKey()) {
      return absl::InvalidArgumentError("private key mismatch");
    }
    blob_key = *std::move(key);
  } else if (!signing_key_) {
    return absl::FailedPreconditionError(
        "the certificate has no private key and none was made (call getCertificateRequest "
        "first, or embed the key)");
  }
  // Step 7.
  const crypto::Ed25519PublicKey& our_key =
      blob_key ? blob_key->publicKey() : signing_key_->publicKey();
  if (*cert_key != our_key) {
    return absl::InvalidArgumentError("the certificate's key is not our private key's");
  }
  // Step 8: app ids (the cert's own list, and the chain's if it was verified).
  if (body->app_ids_size() > 0 &&
      std::find(body->app_ids().begin(), body->app_ids().end(), app_id_) == body->app_ids().end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the certificate is not valid for our app id ", app_id_));
  }
  if (verified && !connection::scopeAllows(verified->app_scope, app_id_)) {
    return absl::InvalidArgumentError(
        absl::StrCat("the certificate's CA is not trusted for our app id ", app_id_));
  }

  // Step 9. The credentials are made now so that a failure leaves the state unchanged.
  wire::CertificateSigned stored = signed_cert;
  stored.clear_private_key_data();  // crypto.md §2.2: never sent
  absl::StatusOr<crypto::Ed25519KeyPair> credentials_key =
      duplicateKey(blob_key ? *blob_key : *signing_key_);
  if (!credentials_key.ok()) return credentials_key.status();
  absl::StatusOr<connection::LocalCredentials> credentials =
      connection::LocalCredentials::fromSignedCert(*std::move(credentials_key), stored,
                                                   cert_identity);
  if (!credentials.ok()) return credentials.status();

  if (blob_key) signing_key_ = *std::move(blob_key);
  identity_ = cert_identity;
  certificate_ = std::move(stored);
  certificate_expiry_sec_ = body->time_expiry();
  credentials_ = std::make_shared<const connection::LocalCredentials>(*std::move(credentials));
  availability_ = Availability::kCurrent;
  status_text_ = kCertificateOkText;
  return absl::OkStatus();
}

void LocalIdentity::dropExpiredCertificate(int64_t now_sec) {
  if (!certificate_ || certificate_expiry_sec_ == 0 ||
      static_cast<int64_t>(certificate_expiry_sec_) >= now_sec) {
    return;
  }
  certificate_.reset();
  certificate_expiry_sec_ = 0;
  credentials_.reset();
  availability_ = Availability::kPreviously;
  status_text_ = kCertificateExpiredText;
}

AuthenticationStatusCallback LocalIdentity::status(int64_t now_sec) {
  dropExpiredCertificate(now_sec);
  AuthenticationStatusCallback status;
  status.available = availability_;
  status.debug_message = status_text_;
  return status;
}

absl::StatusOr<std::shared_ptr<const connection::LocalCredentials>> LocalIdentity::credentials(
    int64_t now_sec) {
  dropExpiredCertificate(now_sec);
  if (credentials_ == nullptr) {
    // crypto.md §2.7: the self-made unsigned cert for our identity (localhost if none),
    // one key pair per interface.
    absl::StatusOr<connection::LocalCredentials> made =
        connection::LocalCredentials::createUnsigned(identity(), app_id_);
    if (!made.ok()) return made.status();
    credentials_ = std::make_shared<const connection::LocalCredentials>(*std::move(made));
  }
  return credentials_;
}

}  // namespace opengns::api
