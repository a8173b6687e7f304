// Certificates as crypto.md §2 and §6.4 define them: the key id of an Ed25519 key, CA
// signing over the exact body bytes, the checks a body must pass to be used, and the
// PEM-like text form. Used by the trust store (trusted_ca.h), setCertificate, the
// handshake and tools/opengns-cert.
//
// Guarantees:
//  - A CA signature always covers exactly the bytes in CertificateSigned.cert (field 4) as
//    they are stored; nothing here re-serializes a body that came from elsewhere.
//  - Signed wrappers made here never carry private_key_data unless asked to (a local blob
//    for setCertificate, §2.2).
//  - The text reader follows GNS's tolerant parser of §6.4; the writer produces exactly
//    the block GNS's cert tool writes (72-character base64 lines).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/bytes.h"
#include "crypto/ed25519.h"
#include "opengns_crypto.pb.h"

namespace opengns::connection {

// §6.4: the type text of the certificate block.
inline constexpr std::string_view kCertificatePemType = "STEAMDATAGRAM CERT";
// §6.4: base64 lines of the cert tool's output.
inline constexpr size_t kPemLineLength = 72;
// §6.1: the cert tool's default validity.
inline constexpr int kDefaultCertValidityDays = 730;

// §2.4: the first 8 bytes of SHA-256(key), little-endian; 0 (none) unless 32 bytes.
uint64_t keyIdOf(ByteSpan ed25519_public_key);

// The body of a CertificateSigned, parsed; InvalidArgument if field 4 is missing or does
// not parse.
absl::StatusOr<wire::Certificate> parseCertificateBody(const wire::CertificateSigned& signed_cert);

// Serializes `body` and signs those bytes with `ca_key`: a wrapper with cert, ca_key_id
// and ca_signature (§2.2, §6.1). A self-signed (root) cert is `body` for ca_key's own key.
absl::StatusOr<wire::CertificateSigned> signCertificate(const wire::Certificate& body,
                                                        const crypto::Ed25519KeyPair& ca_key);

// §2.3: the CA signature of `signed_cert` verifies with `ca_public_key` (64 bytes, over
// field 4's bytes) and ca_key_id is that key's id.
absl::Status verifyCaSignature(const wire::CertificateSigned& signed_cert, ByteSpan ca_public_key);

// The 32-byte Ed25519 key of a body (§2.1: key_type 1, key_data 32 bytes).
absl::StatusOr<crypto::Ed25519PublicKey> certificatePublicKey(const wire::Certificate& body);

// App / data-centre scope (§2.5): nullopt means "all"; an empty list means "none" (two
// disjoint restrictions).
using IdScope = std::optional<std::vector<uint32_t>>;
// The scope a single cert's repeated field gives: empty field = all.
IdScope scopeOf(const google::protobuf::RepeatedField<uint32_t>& ids);
IdScope intersectScopes(const IdScope& a, const IdScope& b);
bool scopeAllows(const IdScope& scope, uint32_t id);

// §6.4 writer: header, base64 of the serialized wrapper in 72-character lines, footer,
// each line ending in '\n'.
std::string certificateToPem(const wire::CertificateSigned& signed_cert);
// §6.4 reader (tolerant; text after the footer ignored). The decoded bytes must parse
// as a CertificateSigned with field 4.
absl::StatusOr<wire::CertificateSigned> certificateFromPem(std::string_view text);
// Whether `data` starts (after white space) like a text block: a '-'.
bool looksLikePem(ByteSpan data);

// Base64 (standard alphabet, '=' padding). The decoder skips CR, LF, tab and space and
// fails on any other character outside the alphabet.
std::string base64Encode(ByteSpan data);
absl::StatusOr<Bytes> base64Decode(std::string_view text);

// OpenSSH authorized-keys form of an Ed25519 public key (§6.4): "ssh-ed25519 <base64>"
// plus " <comment>" if the comment is not empty.
std::string authorizedKeyLine(const crypto::Ed25519PublicKey& key, std::string_view comment);
absl::StatusOr<crypto::Ed25519PublicKey> parseAuthorizedKeyLine(std::string_view line);

}  // namespace opengns::connection
