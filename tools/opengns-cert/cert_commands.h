// The commands of opengns-cert, as functions from parsed options to output text or bytes
// (main.cc does the command line and the files). See usage() for what each one does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/bytes.h"
#include "crypto/ed25519.h"
#include "opengns_crypto.pb.h"

namespace opengns::tools {

std::string usage();

// create-ca: a fresh CA key; `key_file` is its key file text, `summary` what to print.
struct NewCa {
  std::string key_file;
  std::string summary;
};
absl::StatusOr<NewCa> createCa();

// The trust-list entry of a CA key, exactly as OPENGNS_TrustedCAList / OPENGNS_TRUSTED_CA
// read it (p2p-and-auth.md §6.7): ID<decimal key id>:<base64 public key>.
std::string trustEntryOf(const crypto::Ed25519PublicKey& ca_public_key);

struct IssueOptions {
  std::optional<std::string> identity;  // text form; required unless the request names one
  std::optional<Bytes> request;         // a getCertificateRequest blob
  int64_t days = 730;
  std::vector<uint32_t> app_ids;  // empty: [0]
  std::vector<uint32_t> datacenter_ids;
  int64_t now_sec = 0;
};
// issue: the signed cert; without a request, for a fresh key pair embedded in the result
// (private_key_data, ready for setCertificate).
absl::StatusOr<wire::CertificateSigned> issue(const IssueOptions& options,
                                              const crypto::Ed25519KeyPair& ca_key);

// A cert file: the PEM-like text form or the binary CertificateSigned.
absl::StatusOr<wire::CertificateSigned> parseCertFile(ByteSpan contents);

// show: a readable description.
std::string describe(const wire::CertificateSigned& cert);

// verify: empty if `cert` chains to the CA of `trust_entries` (trust-list syntax) for
// `app_id` at `now_sec`, else the reason.
absl::StatusOr<std::string> verify(const wire::CertificateSigned& cert,
                                   const std::string& trust_entries, uint32_t app_id,
                                   int64_t now_sec);

}  // namespace opengns::tools
