// Issuing certificates with a CA key (crypto.md §6.1, p2p-and-auth.md §6.7): what
// tools/opengns-cert and the tests use to act as a private CA. The result is exactly a
// GNS CertificateSigned, so an original peer accepts it (as unverified) and an opengns
// peer that trusts the CA verifies it.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "crypto/ed25519.h"
#include "opengns/types.h"
#include "opengns_crypto.pb.h"

namespace opengns::connection {

struct CertificateToIssue {
  crypto::Ed25519PublicKey subject_key{};
  // The identity the cert names (§1.5 fields); nullopt: none (only for data-centre certs).
  std::optional<NetworkingIdentity> identity;
  std::vector<uint32_t> app_ids{0};  // p2p-and-auth.md §6.7: at least our app id (0)
  std::vector<uint32_t> datacenter_ids;
  int64_t time_created_sec = 0;
  int64_t time_expiry_sec = 0;
};

// Builds the body (fields in field-number order) and signs it with `ca_key`. Fails for
// a localhost identity (a CA must never sign it, crypto.md §2.7), an identity that cannot
// be written, or times outside the fixed32 range.
absl::StatusOr<wire::CertificateSigned> issueCertificate(const CertificateToIssue& what,
                                                         const crypto::Ed25519KeyPair& ca_key);

// The subject key and identity (if any) of a serialized CertificateRequest (§6.1).
struct RequestedCertificate {
  crypto::Ed25519PublicKey subject_key{};
  std::optional<NetworkingIdentity> identity;
};
absl::StatusOr<RequestedCertificate> parseCertificateRequest(ByteSpan request);

// A copy of `signed_cert` with the subject's private key embedded (field 1), the local
// blob setCertificate takes. Never send it.
absl::StatusOr<wire::CertificateSigned> withPrivateKey(const wire::CertificateSigned& signed_cert,
                                                       const crypto::Ed25519KeyPair& subject_key);

}  // namespace opengns::connection
