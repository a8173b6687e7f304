// Identity field codec (crypto.md §1.5, §1.6).
#include "connection/identity_fields.h"

#include <algorithm>
#include <array>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/bytes.h"

namespace opengns::connection {
namespace {

// crypto.md §1.5: the address part of ipv6_and_port.
constexpr size_t kIpv6AddressBytes = 16;

absl::StatusOr<NetworkingIdentity> readLegacyBinary(const wire::IdentityLegacyBinary& legacy) {
  NetworkingIdentity identity;
  if (legacy.has_steam_id()) {
    if (!steamIdValidForIdentity(legacy.steam_id())) {
      return absl::InvalidArgumentError(absl::StrCat(
          "legacy identity: steam_id ", legacy.steam_id(), " is not a valid identity"));
    }
    identity.setSteamID(legacy.steam_id());
    return identity;
  }
  if (legacy.has_generic_string()) {
    const std::string& text = legacy.generic_string();
    // §1.5: must be shorter than 32 bytes; the setter also refuses empty text and NULs.
    if (text.size() >= static_cast<size_t>(kMaxGenericStringIdentityLength) ||
        !identity.setGenericString(text)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "legacy identity: generic_string of ", text.size(), " bytes is not a valid identity"));
    }
    return identity;
  }
  if (legacy.has_generic_bytes()) {
    const std::string& raw = legacy.generic_bytes();
    if (!identity.setGenericBytes(asBytes(raw))) {
      return absl::InvalidArgumentError(
          absl::StrCat("legacy identity: generic_bytes of ", raw.size(), " bytes, want 1..32"));
    }
    return identity;
  }
  if (legacy.has_ipv6_and_port()) {
    const std::string& raw = legacy.ipv6_and_port();
    if (raw.size() != kLegacyIpv6AndPortBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("legacy identity: ipv6_and_port of ", raw.size(), " bytes, want 18"));
    }
    std::array<uint8_t, kIpv6AddressBytes> address;
    std::copy_n(reinterpret_cast<const uint8_t*>(raw.data()), kIpv6AddressBytes, address.begin());
    const uint16_t port =
        static_cast<uint16_t>((static_cast<uint8_t>(raw[kIpv6AddressBytes]) << 8) |
                              static_cast<uint8_t>(raw[kIpv6AddressBytes + 1]));
    identity.setIPAddr(NetworkingIPAddr::fromIPv6(address, port));
    return identity;
  }
  return absl::InvalidArgumentError("legacy identity: empty message (no known field set)");
}

void setLegacyIpv6AndPort(const NetworkingIPAddr& address, wire::IdentityLegacyBinary* legacy) {
  std::string raw(kLegacyIpv6AndPortBytes, '\0');
  std::copy(address.ipv6().begin(), address.ipv6().end(), raw.begin());
  raw[kIpv6AddressBytes] = static_cast<char>(address.port() >> 8);  // big-endian port (§1.5)
  raw[kIpv6AddressBytes + 1] = static_cast<char>(address.port() & 0xff);
  legacy->set_ipv6_and_port(raw);
}

}  // namespace

IdentityFields identityFieldsOf(const wire::Certificate& cert) {
  IdentityFields f;
  if (cert.has_identity_string()) f.identity_string = cert.identity_string();
  if (cert.has_legacy_identity_binary()) f.legacy_binary = cert.legacy_identity_binary();
  if (cert.has_legacy_steam_id()) f.legacy_steam_id = cert.legacy_steam_id();
  return f;
}

IdentityFields identityFieldsOf(const wire::ConnectRequest& request) {
  IdentityFields f;
  if (request.has_identity_string()) f.identity_string = request.identity_string();
  if (request.has_legacy_identity_binary()) f.legacy_binary = request.legacy_identity_binary();
  if (request.has_legacy_client_steam_id()) f.legacy_steam_id = request.legacy_client_steam_id();
  return f;
}

IdentityFields identityFieldsOf(const wire::ConnectOK& ok) {
  IdentityFields f;
  if (ok.has_identity_string()) f.identity_string = ok.identity_string();
  if (ok.has_legacy_identity_binary()) f.legacy_binary = ok.legacy_identity_binary();
  if (ok.has_legacy_server_steam_id()) f.legacy_steam_id = ok.legacy_server_steam_id();
  return f;
}

absl::StatusOr<std::optional<NetworkingIdentity>> readIdentityFields(const IdentityFields& fields) {
  if (fields.identity_string) {
    std::optional<NetworkingIdentity> parsed = NetworkingIdentity::parse(*fields.identity_string);
    if (!parsed) {
      return absl::InvalidArgumentError(absl::StrCat(
          "identity_string \"", absl::CHexEscape(*fields.identity_string), "\" does not parse"));
    }
    return parsed;
  }
  if (fields.legacy_binary) {
    absl::StatusOr<NetworkingIdentity> identity = readLegacyBinary(*fields.legacy_binary);
    if (!identity.ok()) return identity.status();
    return std::optional<NetworkingIdentity>(*std::move(identity));
  }
  if (fields.legacy_steam_id) {
    if (!steamIdValidForIdentity(*fields.legacy_steam_id)) {
      return absl::InvalidArgumentError(
          absl::StrCat("legacy steam id ", *fields.legacy_steam_id, " is not a valid identity"));
    }
    NetworkingIdentity identity;
    identity.setSteamID(*fields.legacy_steam_id);
    return std::optional<NetworkingIdentity>(identity);
  }
  return std::optional<NetworkingIdentity>();
}

absl::StatusOr<IdentityFields> writeIdentityFields(const NetworkingIdentity& identity) {
  IdentityFields f;
  wire::IdentityLegacyBinary legacy;
  switch (identity.type()) {
    case IdentityType::kInvalid:
      return absl::InvalidArgumentError("identity: the invalid identity cannot be written");
    case IdentityType::kSteamID:
      if (!steamIdValidForIdentity(identity.steamID())) {
        return absl::InvalidArgumentError(absl::StrCat(
            "identity: steamid ", identity.steamID(), " fails the identity check (crypto.md 1.4)"));
      }
      legacy.set_steam_id(identity.steamID());
      f.legacy_steam_id = identity.steamID();
      break;
    case IdentityType::kIPAddress:
      setLegacyIpv6AndPort(*identity.ipAddr(), &legacy);
      break;
    case IdentityType::kGenericString:
      legacy.set_generic_string(std::string(identity.genericString()));
      break;
    case IdentityType::kGenericBytes: {
      std::span<const uint8_t> raw = identity.genericBytes();
      legacy.set_generic_bytes(std::string(raw.begin(), raw.end()));
      break;
    }
    default:  // Xbox, PSN, unknown: no legacy form, the sub-message stays empty (§1.5)
      break;
  }
  f.legacy_binary = std::move(legacy);
  f.identity_string = identity.toString();
  return f;
}

void setIdentityFields(const IdentityFields& fields, wire::Certificate* cert) {
  if (fields.identity_string) cert->set_identity_string(*fields.identity_string);
  if (fields.legacy_binary) *cert->mutable_legacy_identity_binary() = *fields.legacy_binary;
  if (fields.legacy_steam_id) cert->set_legacy_steam_id(*fields.legacy_steam_id);
}

void setIdentityFields(const IdentityFields& fields, wire::ConnectRequest* request) {
  if (fields.identity_string) request->set_identity_string(*fields.identity_string);
  if (fields.legacy_binary) *request->mutable_legacy_identity_binary() = *fields.legacy_binary;
  if (fields.legacy_steam_id) request->set_legacy_client_steam_id(*fields.legacy_steam_id);
}

void setIdentityFields(const IdentityFields& fields, wire::ConnectOK* ok) {
  if (fields.identity_string) ok->set_identity_string(*fields.identity_string);
  if (fields.legacy_binary) *ok->mutable_legacy_identity_binary() = *fields.legacy_binary;
  if (fields.legacy_steam_id) ok->set_legacy_server_steam_id(*fields.legacy_steam_id);
}

namespace {

template <typename Message>
absl::Status setSenderIdentityImpl(const NetworkingIdentity& identity, bool cert_has_identity,
                                   Message* message) {
  absl::StatusOr<IdentityFields> fields = writeIdentityFields(identity);
  if (!fields.ok()) return fields.status();
  if (cert_has_identity) {
    // udp.md §2.4: only the legacy SteamID, for old peers.
    fields->identity_string.reset();
    fields->legacy_binary.reset();
  }
  setIdentityFields(*fields, message);
  return absl::OkStatus();
}

}  // namespace

absl::Status setSenderIdentity(const NetworkingIdentity& identity, bool cert_has_identity,
                               wire::ConnectRequest* request) {
  return setSenderIdentityImpl(identity, cert_has_identity, request);
}

absl::Status setSenderIdentity(const NetworkingIdentity& identity, bool cert_has_identity,
                               wire::ConnectOK* ok) {
  return setSenderIdentityImpl(identity, cert_has_identity, ok);
}

}  // namespace opengns::connection
