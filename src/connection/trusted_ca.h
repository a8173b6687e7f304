// The trusted CA keys (crypto.md §2.4-2.5, p2p-and-auth.md §6.6-6.7) and the check of a
// CA-signed certificate against them.
//
// Entries: root keys (trusted for all apps and data centres, never expiring, like GNS's
// hardcoded root), self-signed root certificates and intermediate CA certificates, plus
// revoked key ids. The trust-list text (config OPENGNS_TrustedCAList, environment
// variable OPENGNS_TRUSTED_CA) is comma-separated entries, each either
//   ID<decimal key id>:<base64 of the 32-byte Ed25519 public key>, or
//   <base64 of a serialized CertificateSigned> (a self-signed root or an intermediate).
//
// Chain rules (§2.5, §6.6): a CA cert is trusted if a trusted key signed it; a
// self-signed cert is a root; cycles and chains deeper than kMaxChainDepth are refused;
// a CA cert needs a non-zero time_expiry; a key's scope (app ids, data centres, expiry)
// is the intersection of its cert's with its signer's; revoked key ids are never trusted.
// Intermediates may be added before their signers: chains are resolved when a cert is
// checked.
//
// Immutable use: build a store, then share it as shared_ptr<const TrustStore>; const
// methods are safe to call concurrently.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "connection/certificate.h"
#include "crypto/ed25519.h"
#include "opengns_crypto.pb.h"

namespace opengns::connection {

// Longest CA chain followed above the leaf (GNS's chains are root -> intermediate).
inline constexpr int kMaxChainDepth = 8;

// A CA-signed cert that passed TrustStore::verify.
struct VerifiedCertificate {
  wire::Certificate body;
  uint64_t ca_key_id = 0;
  IdScope app_scope;  // the chain's effective app ids (the leaf's own list is separate)
  IdScope pop_scope;  // the chain's effective data centres
};

class TrustStore {
 public:
  // A root key, trusted for everything and never expiring.
  void addRootKey(const crypto::Ed25519PublicKey& key);
  // A CA cert: self-signed (a root, its signature is checked now) or signed by another
  // CA (an intermediate, checked when used). Its body must parse, hold an Ed25519 key
  // and have a non-zero time_expiry.
  absl::Status addCaCertificate(const wire::CertificateSigned& ca_cert);
  // One trust-list entry (see above), surrounding white space ignored.
  absl::Status addEntry(std::string_view entry);
  // A whole trust list. Every well-formed entry is added; the error names the first bad
  // one (the caller decides whether to keep the partial store).
  absl::Status addList(std::string_view list);
  void revokeKey(uint64_t key_id) { revoked_.insert(key_id); }
  bool empty() const { return roots_.empty() && ca_certs_.empty(); }

  // crypto.md §2.5 steps 1-5 for a CA-signed `cert` at Unix time `now_sec`, plus the app
  // check for `app_id` against the chain's scope. The error says why it is not trusted.
  absl::StatusOr<VerifiedCertificate> verify(const wire::CertificateSigned& cert, int64_t now_sec,
                                             uint32_t app_id) const;

 private:
  struct TrustedKey {
    crypto::Ed25519PublicKey key{};
    IdScope app_scope;
    IdScope pop_scope;
    int64_t expiry_sec = 0;  // 0 = never
  };
  absl::StatusOr<TrustedKey> resolve(uint64_t key_id, int64_t now_sec, int depth) const;

  absl::flat_hash_map<uint64_t, TrustedKey> roots_;
  absl::flat_hash_map<uint64_t, wire::CertificateSigned> ca_certs_;  // by subject key id
  absl::flat_hash_set<uint64_t> revoked_;
};

}  // namespace opengns::connection
