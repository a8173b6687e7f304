// opengns extension: which certificate authorities this process trusts (p2p-and-auth.md
// §6.7, config.md §8). A peer certificate signed by a trusted CA (directly or through
// trusted intermediates) makes the connection authenticated: the Unauthenticated flag
// (1) is clear unless the peer's identity is an IP address. With OPENGNS_RequireCA = 1 a
// peer certificate that does not chain to a trusted CA is refused with 4003.
//
// The trusted set is process-wide and is the union of
//   - the environment variable OPENGNS_TRUSTED_CA, read once (first use),
//   - the global config value OPENGNS_TrustedCAList (10001), re-read when it changes,
//   - what addTrustedCA / addTrustedCAKey added (until clearTrustedCAs).
// Entry syntax (comma-separated): `ID<decimal key id>:<base64 32-byte Ed25519 public key>`
// or the base64 of a serialized CertificateSigned (a self-signed root with an expiry, or
// an intermediate signed by another trusted CA). `opengns-cert ca-entry` prints the entry
// for a CA key. Changes apply to handshakes that start afterwards. Thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace opengns {

// Adds the entries of `entries` (the syntax above). Well-formed entries are added even if
// others are not; returns false and sets `error` (if given) when any entry is malformed.
bool addTrustedCA(std::string_view entries, std::string* error = nullptr);
// Adds a raw 32-byte Ed25519 CA public key, trusted for every app id, never expiring.
bool addTrustedCAKey(std::span<const uint8_t> ed25519_public_key, std::string* error = nullptr);
// Forgets everything addTrustedCA / addTrustedCAKey added (the config value and the
// environment variable still apply).
void clearTrustedCAs();

}  // namespace opengns
