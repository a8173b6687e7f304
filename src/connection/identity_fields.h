// The three protobuf encodings of an identity (crypto.md §1.5) and where they sit
// (§1.6): the text form (identity_string), the legacy binary sub-message and the legacy
// fixed64 SteamID. A certificate, a ConnectRequest and a ConnectOK each have the three
// as sibling fields with different numbers; IdentityFields is the message-independent
// view, with adapters for each message.
//
// Guarantees: the reader follows GNS's order and validity rules exactly (text first,
// then legacy binary, then the legacy SteamID; "ok", "absent" or "bad"); the writer
// produces the fields GNS writes for each identity type, including the empty legacy
// sub-message for types that have no legacy form. Nothing here aborts on bad input.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "opengns/types.h"
#include "opengns_crypto.pb.h"
#include "opengns_udp.pb.h"

namespace opengns::connection {

// crypto.md §1.5: the legacy binary ipv6_and_port is 16 address bytes + big-endian port.
inline constexpr size_t kLegacyIpv6AndPortBytes = 18;

struct IdentityFields {
  std::optional<std::string> identity_string;               // text form (§1.2)
  std::optional<wire::IdentityLegacyBinary> legacy_binary;  // §1.5 sub-message
  std::optional<uint64_t> legacy_steam_id;                  // fixed64 SteamID
};

// The identity fields of each message that carries them (§1.6).
IdentityFields identityFieldsOf(const wire::Certificate& cert);
IdentityFields identityFieldsOf(const wire::ConnectRequest& request);
IdentityFields identityFieldsOf(const wire::ConnectOK& ok);

// §1.5 reader. nullopt = no identity fields at all ("absent"); an error = "bad", with a
// message naming the field and the value.
absl::StatusOr<std::optional<NetworkingIdentity>> readIdentityFields(const IdentityFields& fields);

// §1.5 writer: identity_string always; the legacy sub-message always (empty for types
// without a legacy form); legacy_steam_id for a SteamID. Fails for the invalid identity
// and for a SteamID that fails the "for identity" check (§1.4).
absl::StatusOr<IdentityFields> writeIdentityFields(const NetworkingIdentity& identity);

// Store the fields into a message (only the fields present in `fields`).
void setIdentityFields(const IdentityFields& fields, wire::Certificate* cert);
void setIdentityFields(const IdentityFields& fields, wire::ConnectRequest* request);
void setIdentityFields(const IdentityFields& fields, wire::ConnectOK* ok);

// The sender's identity fields of a ConnectRequest / ConnectOK (udp.md §2.4, §2.5): when
// the cert carries the identity only the legacy SteamID (for a SteamID identity), else all
// three. Fails like writeIdentityFields.
absl::Status setSenderIdentity(const NetworkingIdentity& identity, bool cert_has_identity,
                               wire::ConnectRequest* request);
absl::Status setSenderIdentity(const NetworkingIdentity& identity, bool cert_has_identity,
                               wire::ConnectOK* ok);

}  // namespace opengns::connection
