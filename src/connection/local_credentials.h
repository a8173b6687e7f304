// A local endpoint's long-lived credentials (crypto.md §2): the Ed25519 key pair whose
// public half is in the certificate and which signs every crypt info we send (§3.3), the
// identity we present, and the signed cert wrapper bytes that travel in ConnectRequest
// field 4 / ConnectOK field 8 (udp.md §2.4 warning box: the wrapper, not the body).
//
// Today every certificate is the self-made unsigned one of §2.7, built exactly as GNS
// builds it: body = key_type 1, key_data, app_ids [own app id], the identity fields
// (§1.5: legacy_steam_id for a SteamID, legacy_identity_binary, identity_string; the
// anonymous host uses localhost ip:::1), serialized in field-number order; wrapper = the
// body in field 4 only. Byte-identical to the recorded certs for the same key and
// identity. fromSignedCert() is the hook for CA-signed certs (issue 8): it takes a
// wrapper made elsewhere and checks that it belongs to the key.
//
// Immutable after creation; the private key never leaves the object except as
// signatures. Threading: const methods are safe to call concurrently.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "common/bytes.h"
#include "crypto/ed25519.h"
#include "opengns/types.h"
#include "opengns_crypto.pb.h"

namespace opengns::connection {

// crypto.md §2.6: open-source GNS's own app id unless set otherwise; it goes into app_ids.
inline constexpr uint32_t kDefaultAppId = 0;

// §2.7 step 2: the body of the self-made cert for `public_key` and `identity` (an
// invalid identity means the anonymous localhost one). Fails if the identity cannot be
// written (§1.5, e.g. a SteamID that fails the identity check).
absl::StatusOr<Bytes> buildUnsignedCertBody(const crypto::Ed25519PublicKey& public_key,
                                            const NetworkingIdentity& identity,
                                            uint32_t app_id = kDefaultAppId);

class LocalCredentials {
 public:
  // A fresh key pair and the self-made unsigned cert for `identity` (invalid = anonymous
  // localhost). GNS makes one per connection; sharing one per endpoint is also fine.
  static absl::StatusOr<LocalCredentials> createUnsigned(const NetworkingIdentity& identity,
                                                         uint32_t app_id = kDefaultAppId);
  // The same with a given key pair (tests, persistent keys).
  static absl::StatusOr<LocalCredentials> unsignedFromKey(crypto::Ed25519KeyPair key,
                                                          const NetworkingIdentity& identity,
                                                          uint32_t app_id = kDefaultAppId);
  // Hook for a CA-signed cert (issue 8): `wrapper` as issued. The body must parse, its
  // key must be `key`'s public key, and its identity (if any) must equal `identity`.
  // private_key_data is stripped (§2.2: never sent). The CA signature is not checked here.
  static absl::StatusOr<LocalCredentials> fromSignedCert(crypto::Ed25519KeyPair key,
                                                         const wire::CertificateSigned& wrapper,
                                                         const NetworkingIdentity& identity);

  const NetworkingIdentity& identity() const { return identity_; }
  const crypto::Ed25519PublicKey& publicKey() const { return key_.publicKey(); }
  // The wrapper to put into ConnectRequest field 4 / ConnectOK field 8.
  const wire::CertificateSigned& signedCert() const { return wrapper_; }
  // The body bytes (wrapper field 4): the key-schedule input cert_c / cert_s (§4.1).
  ByteSpan certBody() const { return asBytes(wrapper_.cert()); }
  // Whether the cert names the identity; if not, the Connect messages carry the identity
  // fields (udp.md §2.4).
  bool certHasIdentity() const { return cert_has_identity_; }
  // Whether a CA signature is attached (never today).
  bool isCaSigned() const { return wrapper_.has_ca_signature(); }

  // Ed25519 signature with the cert key (the crypt info signature, §3.3).
  absl::StatusOr<crypto::Ed25519Signature> sign(ByteSpan message) const {
    return key_.sign(message);
  }

 private:
  LocalCredentials(crypto::Ed25519KeyPair key, NetworkingIdentity identity,
                   wire::CertificateSigned wrapper, bool cert_has_identity)
      : key_(std::move(key)),
        identity_(std::move(identity)),
        wrapper_(std::move(wrapper)),
        cert_has_identity_(cert_has_identity) {}

  crypto::Ed25519KeyPair key_;
  NetworkingIdentity identity_;
  wire::CertificateSigned wrapper_;
  bool cert_has_identity_;
};

}  // namespace opengns::connection
