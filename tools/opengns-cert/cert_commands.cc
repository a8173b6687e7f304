// The commands of opengns-cert (see cert_commands.h).
#include "cert_commands.h"

#include <ctime>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ca_key_file.h"
#include "connection/certificate.h"
#include "connection/certificate_issuer.h"
#include "connection/identity_fields.h"
#include "connection/trusted_ca.h"

namespace opengns::tools {
namespace {

constexpr int64_t kSecondsPerDay = 24 * 3600;

std::string utcTime(int64_t unix_sec) {
  const std::time_t t = static_cast<std::time_t>(unix_sec);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[64];
  std::strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S UTC", &tm);
  return absl::StrCat(text, " (", unix_sec, ")");
}

std::string idList(const google::protobuf::RepeatedField<uint32_t>& ids) {
  if (ids.empty()) return "(none listed: any)";
  return absl::StrJoin(ids, ", ");
}

}  // namespace

std::string usage() {
  return R"(opengns-cert: a private certificate authority for opengns peers.

  opengns-cert create-ca --out CA_KEY_FILE
      Makes a CA key pair, writes the private key (keep it secret) and prints the CA's
      public key and its trust-list entry.
  opengns-cert ca-entry --ca-key CA_KEY_FILE
      Prints the CA's entry for OPENGNS_TrustedCAList / OPENGNS_TRUSTED_CA / addTrustedCA:
      ID<key id>:<base64 public key>
  opengns-cert issue --ca-key CA_KEY_FILE [--identity IDENTITY] [--request REQUEST_FILE]
                     [--days N] [--app APP_ID]... [--datacenter POP_ID]...
                     [--binary] [--out CERT_FILE]
      Issues a certificate for IDENTITY (e.g. str:my-server) valid for N days (default
      730) and the given app ids (default 0). With --request (a getCertificateRequest
      blob) it certifies the requester's key; without, it makes a key pair and embeds the
      private key, so the output goes straight to setCertificate (keep it secret).
      Output: the PEM-like "STEAMDATAGRAM CERT" text, or with --binary the protobuf.
  opengns-cert show CERT_FILE
      Prints a certificate readably (text or binary form).
  opengns-cert verify (--ca-key CA_KEY_FILE | --ca-entry ENTRY) [--app APP_ID] CERT_FILE
      Checks that the certificate is signed by that CA and valid now; exit status 0 if so.
)";
}

absl::StatusOr<NewCa> createCa() {
  absl::StatusOr<crypto::Ed25519KeyPair> key = crypto::Ed25519KeyPair::generate();
  if (!key.ok()) return key.status();
  NewCa out;
  out.key_file = caKeyFileText(*key);
  const uint64_t id = connection::keyIdOf(key->publicKey());
  out.summary = absl::StrCat(
      "CA key id:   ", id, "\n",
      "public key:  ", connection::authorizedKeyLine(key->publicKey(), absl::StrCat("ID", id)),
      "\n", "trust entry: ", trustEntryOf(key->publicKey()), "\n");
  return out;
}

std::string trustEntryOf(const crypto::Ed25519PublicKey& ca_public_key) {
  return absl::StrCat("ID", connection::keyIdOf(ca_public_key), ":",
                      connection::base64Encode(ca_public_key));
}

absl::StatusOr<wire::CertificateSigned> issue(const IssueOptions& options,
                                              const crypto::Ed25519KeyPair& ca_key) {
  if (options.days <= 0) return absl::InvalidArgumentError("--days must be at least 1");
  connection::CertificateToIssue what;
  std::optional<crypto::Ed25519KeyPair> fresh;
  if (options.request) {
    absl::StatusOr<connection::RequestedCertificate> requested =
        connection::parseCertificateRequest(*options.request);
    if (!requested.ok()) return requested.status();
    what.subject_key = requested->subject_key;
    what.identity = requested->identity;
  } else {
    absl::StatusOr<crypto::Ed25519KeyPair> key = crypto::Ed25519KeyPair::generate();
    if (!key.ok()) return key.status();
    what.subject_key = key->publicKey();
    fresh = *std::move(key);
  }
  if (options.identity) {
    std::optional<NetworkingIdentity> given = NetworkingIdentity::parse(*options.identity);
    if (!given) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", *options.identity, "\" is not an identity (e.g. str:my-server)"));
    }
    if (what.identity && !(*what.identity == *given)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the request is for ", what.identity->toString(), ", not ", given->toString()));
    }
    what.identity = *given;
  }
  if (!what.identity) {
    return absl::InvalidArgumentError("no identity: give --identity (e.g. str:my-server)");
  }
  if (!options.app_ids.empty()) what.app_ids = options.app_ids;
  what.datacenter_ids = options.datacenter_ids;
  what.time_created_sec = options.now_sec;
  what.time_expiry_sec = options.now_sec + options.days * kSecondsPerDay;
  absl::StatusOr<wire::CertificateSigned> cert = connection::issueCertificate(what, ca_key);
  if (!cert.ok() || !fresh) return cert;
  return connection::withPrivateKey(*cert, *fresh);
}

absl::StatusOr<wire::CertificateSigned> parseCertFile(ByteSpan contents) {
  if (connection::looksLikePem(contents)) {
    return connection::certificateFromPem(
        std::string_view(reinterpret_cast<const char*>(contents.data()), contents.size()));
  }
  wire::CertificateSigned cert;
  if (!cert.ParseFromArray(contents.data(), static_cast<int>(contents.size())) ||
      !cert.has_cert()) {
    return absl::InvalidArgumentError("not a certificate (neither the text form nor binary)");
  }
  return cert;
}

std::string describe(const wire::CertificateSigned& cert) {
  absl::StatusOr<wire::Certificate> body = connection::parseCertificateBody(cert);
  if (!body.ok()) return absl::StrCat("certificate body: ", body.status().message(), "\n");
  std::string out;
  absl::StatusOr<std::optional<NetworkingIdentity>> identity =
      connection::readIdentityFields(connection::identityFieldsOf(*body));
  absl::StrAppend(&out, "identity:     ",
                  !identity.ok() ? absl::StrCat("bad (", identity.status().message(), ")")
                  : *identity    ? (**identity).toString()
                                 : std::string("(none)"),
                  "\n");
  absl::StatusOr<crypto::Ed25519PublicKey> key = connection::certificatePublicKey(*body);
  if (key.ok()) {
    absl::StrAppend(&out, "key id:       ", connection::keyIdOf(*key), "\n",
                    "public key:   ", connection::authorizedKeyLine(*key, ""), "\n");
  } else {
    absl::StrAppend(&out, "key:          bad (", key.status().message(), ")\n");
  }
  if (cert.has_ca_signature()) {
    absl::StrAppend(&out, "signed by:    CA key id ", cert.ca_key_id(), "\n");
  } else {
    absl::StrAppend(&out, "signed by:    nobody (unsigned)\n");
  }
  absl::StrAppend(&out, "created:      ",
                  body->has_time_created() ? utcTime(body->time_created()) : "(not set)", "\n");
  absl::StrAppend(&out, "expires:      ",
                  body->has_time_expiry() ? utcTime(body->time_expiry()) : "(not set)", "\n");
  absl::StrAppend(&out, "app ids:      ", idList(body->app_ids()), "\n");
  absl::StrAppend(&out, "data centres: ", idList(body->gameserver_datacenter_ids()), "\n");
  if (cert.has_private_key_data()) {
    absl::StrAppend(&out, "private key:  embedded (for setCertificate; keep this file secret)\n");
  }
  return out;
}

absl::StatusOr<std::string> verify(const wire::CertificateSigned& cert,
                                   const std::string& trust_entries, uint32_t app_id,
                                   int64_t now_sec) {
  connection::TrustStore store;
  if (absl::Status s = store.addList(trust_entries); !s.ok()) return s;
  absl::StatusOr<connection::VerifiedCertificate> verified = store.verify(cert, now_sec, app_id);
  if (!verified.ok()) return std::string(verified.status().message());
  const auto& apps = verified->body.app_ids();
  if (!apps.empty() && std::find(apps.begin(), apps.end(), app_id) == apps.end()) {
    return absl::StrCat("the certificate is not valid for app id ", app_id);
  }
  return std::string();
}

}  // namespace opengns::tools
