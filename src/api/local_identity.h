// One interface's own identity, signing key, certificate and authentication status
// (p2p-and-auth.md §6.1-6.5, crypto.md §6.1-6.3), and the credentials its new connections
// present. No locking: the Instance guards it with its lock.
//
// Guarantees:
//  - getCertificateRequest / setCertificate follow crypto.md §6.1 / §6.2 step by step;
//    setCertificate also takes the PEM-like text form (§6.4, opengns extension).
//  - The stored certificate never carries private_key_data; the private key stays here
//    and in the LocalCredentials made from it (they sign crypt infos, never travel).
//  - Without a certificate, new connections present the self-made unsigned cert of
//    crypto.md §2.7 for the identity (localhost when none).
//  - Status: CannotTry "No certificate authority" until a certificate is set, Current
//    "OK" while it is valid, Previously "Expired" once it has expired (found when the
//    status or credentials are next asked for); reset() returns to CannotTry.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/bytes.h"
#include "connection/auth_policy.h"
#include "connection/local_credentials.h"
#include "crypto/ed25519.h"
#include "opengns/types.h"
#include "opengns_crypto.pb.h"

namespace opengns::api {

// p2p-and-auth.md §6.4: the open-source build's status texts.
inline constexpr char kNoCertificateAuthorityText[] = "No certificate authority";
inline constexpr char kCertificateOkText[] = "OK";
inline constexpr char kCertificateExpiredText[] = "Expired";

class LocalIdentity {
 public:
  explicit LocalIdentity(uint32_t app_id) : app_id_(app_id) {}

  // §6.1: the identity set by reset() or adopted from a certificate, else localhost.
  NetworkingIdentity identity() const;
  // §6.1: forget identity, key, cert and cached credentials; status back to CannotTry.
  // A localhost or invalid identity means "none".
  void reset(const NetworkingIdentity& identity);

  // §6.1: a serialized CertificateRequest for our signing key (made now if needed).
  absl::StatusOr<Bytes> certificateRequest();
  // §6.2 (binary CertificateSigned, or the §6.4 text form). `trust` is used to check the
  // CA signature; failing that check is only a warning, returned in `warning`.
  absl::Status setCertificate(ByteSpan blob, const connection::CaTrust& trust,
                              std::string* warning);

  // The status value as last computed (no expiry check).
  Availability availability() const { return availability_; }
  // The status at Unix time `now_sec` (an expired certificate is dropped first).
  AuthenticationStatusCallback status(int64_t now_sec);
  // What a new connection presents at Unix time `now_sec`.
  absl::StatusOr<std::shared_ptr<const connection::LocalCredentials>> credentials(int64_t now_sec);

 private:
  void dropExpiredCertificate(int64_t now_sec);

  const uint32_t app_id_;
  std::optional<NetworkingIdentity> identity_;          // none: localhost
  std::optional<crypto::Ed25519KeyPair> signing_key_;   // from a request or a cert blob
  std::optional<wire::CertificateSigned> certificate_;  // stripped of private_key_data
  uint32_t certificate_expiry_sec_ = 0;                 // 0: none given
  std::shared_ptr<const connection::LocalCredentials> credentials_;
  Availability availability_ = Availability::kCannotTry;
  std::string status_text_ = kNoCertificateAuthorityText;
};

}  // namespace opengns::api
