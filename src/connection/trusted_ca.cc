// The trust store and the CA chain check (see trusted_ca.h).
#include "connection/trusted_ca.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace opengns::connection {
namespace {

// p2p-and-auth.md §6.7: the key form of a trust-list entry, ID<decimal>:<base64 key>.
constexpr std::string_view kKeyEntryPrefix = "ID";

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  return text;
}

absl::string_view absl_view(std::string_view text) {
  return absl::string_view(text.data(), text.size());
}

// The earlier of two expiries, 0 meaning never.
int64_t earlierExpiry(int64_t a, int64_t b) {
  if (a == 0) return b;
  if (b == 0) return a;
  return std::min(a, b);
}

}  // namespace

void TrustStore::addRootKey(const crypto::Ed25519PublicKey& key) {
  TrustedKey trusted;
  trusted.key = key;
  roots_[keyIdOf(key)] = trusted;
}

absl::Status TrustStore::addCaCertificate(const wire::CertificateSigned& ca_cert) {
  absl::StatusOr<wire::Certificate> body = parseCertificateBody(ca_cert);
  if (!body.ok()) return body.status();
  absl::StatusOr<crypto::Ed25519PublicKey> key = certificatePublicKey(*body);
  if (!key.ok()) return key.status();
  if (body->time_expiry() == 0) {
    return absl::InvalidArgumentError("CA certificate has no expiry");
  }
  const uint64_t key_id = keyIdOf(*key);
  if (ca_cert.ca_key_id() == key_id) {  // self-signed: a root
    if (absl::Status s = verifyCaSignature(ca_cert, *key); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("self-signed CA certificate: ", s.message()));
    }
    TrustedKey trusted;
    trusted.key = *key;
    trusted.app_scope = scopeOf(body->app_ids());
    trusted.pop_scope = scopeOf(body->gameserver_datacenter_ids());
    trusted.expiry_sec = body->time_expiry();
    roots_[key_id] = std::move(trusted);
    return absl::OkStatus();
  }
  if (!ca_cert.has_ca_signature() || ca_cert.ca_key_id() == 0) {
    return absl::InvalidArgumentError("CA certificate is not signed");
  }
  ca_certs_[key_id] = ca_cert;
  return absl::OkStatus();
}

absl::Status TrustStore::addEntry(std::string_view entry) {
  entry = trim(entry);
  if (entry.empty()) return absl::InvalidArgumentError("trusted CA entry is empty");
  if (entry.substr(0, kKeyEntryPrefix.size()) == kKeyEntryPrefix) {
    const size_t colon = entry.find(':');
    uint64_t declared_id = 0;
    if (colon == std::string_view::npos ||
        !absl::SimpleAtoi(
            absl_view(entry.substr(kKeyEntryPrefix.size(), colon - kKeyEntryPrefix.size())),
            &declared_id)) {
      return absl::InvalidArgumentError(absl::StrCat("trusted CA entry \"", absl_view(entry),
                                                     "\": want ID<decimal key id>:<base64 key>"));
    }
    absl::StatusOr<Bytes> key = base64Decode(entry.substr(colon + 1));
    if (!key.ok() || key->size() != crypto::kEd25519PublicKeyBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("trusted CA entry ID", declared_id, ": not a base64 32-byte Ed25519 key"));
    }
    if (keyIdOf(*key) != declared_id) {
      return absl::InvalidArgumentError(
          absl::StrCat("trusted CA entry ID", declared_id, ": the key's id is ", keyIdOf(*key)));
    }
    crypto::Ed25519PublicKey public_key;
    std::copy(key->begin(), key->end(), public_key.begin());
    addRootKey(public_key);
    return absl::OkStatus();
  }
  absl::StatusOr<Bytes> blob = base64Decode(entry);
  wire::CertificateSigned ca_cert;
  if (!blob.ok() || !ca_cert.ParseFromArray(blob->data(), static_cast<int>(blob->size())) ||
      !ca_cert.has_cert()) {
    return absl::InvalidArgumentError(
        "trusted CA entry: neither ID<key id>:<key> nor a base64 signed certificate");
  }
  return addCaCertificate(ca_cert);
}

absl::Status TrustStore::addList(std::string_view list) {
  absl::Status first_error;
  size_t start = 0;
  while (start <= list.size()) {
    const size_t comma = std::min(list.find(',', start), list.size());
    std::string_view entry = trim(list.substr(start, comma - start));
    if (!entry.empty()) {
      absl::Status s = addEntry(entry);
      if (!s.ok() && first_error.ok()) first_error = s;
    }
    start = comma + 1;
  }
  return first_error;
}

absl::StatusOr<TrustStore::TrustedKey> TrustStore::resolve(uint64_t key_id, int64_t now_sec,
                                                           int depth) const {
  if (revoked_.contains(key_id)) {
    return absl::PermissionDeniedError(absl::StrCat("CA key ", key_id, " is revoked"));
  }
  if (auto root = roots_.find(key_id); root != roots_.end()) {
    if (root->second.expiry_sec != 0 && root->second.expiry_sec < now_sec) {
      return absl::PermissionDeniedError(absl::StrCat("CA key ", key_id, " has expired"));
    }
    return root->second;
  }
  auto it = ca_certs_.find(key_id);
  if (it == ca_certs_.end()) {
    return absl::NotFoundError(absl::StrCat("CA key ", key_id, " is not trusted"));
  }
  if (depth >= kMaxChainDepth) {
    return absl::PermissionDeniedError(
        absl::StrCat("CA chain through key ", key_id, " is too long or a cycle"));
  }
  const wire::CertificateSigned& ca_cert = it->second;
  absl::StatusOr<TrustedKey> signer = resolve(ca_cert.ca_key_id(), now_sec, depth + 1);
  if (!signer.ok()) return signer.status();
  if (absl::Status s = verifyCaSignature(ca_cert, signer->key); !s.ok()) {
    return absl::PermissionDeniedError(absl::StrCat("CA cert of key ", key_id, ": ", s.message()));
  }
  absl::StatusOr<wire::Certificate> body = parseCertificateBody(ca_cert);
  if (!body.ok()) return body.status();
  if (body->time_expiry() == 0 || body->time_expiry() < now_sec) {
    return absl::PermissionDeniedError(absl::StrCat("CA cert of key ", key_id, " has expired"));
  }
  absl::StatusOr<crypto::Ed25519PublicKey> own = certificatePublicKey(*body);
  if (!own.ok()) return own.status();
  TrustedKey trusted;
  trusted.key = *own;
  trusted.app_scope = intersectScopes(signer->app_scope, scopeOf(body->app_ids()));
  trusted.pop_scope =
      intersectScopes(signer->pop_scope, scopeOf(body->gameserver_datacenter_ids()));
  trusted.expiry_sec = earlierExpiry(signer->expiry_sec, body->time_expiry());
  return trusted;
}

absl::StatusOr<VerifiedCertificate> TrustStore::verify(const wire::CertificateSigned& cert,
                                                       int64_t now_sec, uint32_t app_id) const {
  // §2.5 step 1.
  if (!cert.has_ca_signature() || cert.ca_signature().empty() || cert.ca_key_id() == 0) {
    return absl::PermissionDeniedError("certificate is not signed by a CA");
  }
  // Step 2: the CA key is trusted, its chain valid and not expired.
  absl::StatusOr<TrustedKey> ca = resolve(cert.ca_key_id(), now_sec, 0);
  if (!ca.ok()) return ca.status();
  // Step 3: the signature over the exact body bytes.
  if (absl::Status s = verifyCaSignature(cert, ca->key); !s.ok()) {
    return absl::PermissionDeniedError(std::string(s.message()));
  }
  // Step 4: the body parses and has not expired (expiring exactly now is still fine).
  absl::StatusOr<wire::Certificate> body = parseCertificateBody(cert);
  if (!body.ok()) return body.status();
  if (static_cast<int64_t>(body->time_expiry()) < now_sec) {
    return absl::PermissionDeniedError(
        absl::StrCat("certificate expired at ", body->time_expiry(), " (now ", now_sec, ")"));
  }
  // Step 5: an Ed25519 subject key that is not revoked.
  absl::StatusOr<crypto::Ed25519PublicKey> subject = certificatePublicKey(*body);
  if (!subject.ok()) return subject.status();
  if (revoked_.contains(keyIdOf(*subject))) {
    return absl::PermissionDeniedError("certificate key is revoked");
  }
  // The app scope of the chain (the leaf's own app_ids are checked with the other §2.6
  // rules by the caller).
  if (!scopeAllows(ca->app_scope, app_id)) {
    return absl::PermissionDeniedError(absl::StrCat("CA is not trusted for app id ", app_id));
  }
  VerifiedCertificate verified;
  verified.body = *std::move(body);
  verified.ca_key_id = cert.ca_key_id();
  verified.app_scope = ca->app_scope;
  verified.pop_scope =
      intersectScopes(ca->pop_scope, scopeOf(verified.body.gameserver_datacenter_ids()));
  return verified;
}

}  // namespace opengns::connection
