// Fuzzes the identity and address text forms (crypto.md §1.2, config.md §5.7) and the
// identity's protobuf encodings (crypto.md §1.5). The input is tried as:
//  - identity text: what parses renders to at most 127 characters, and the rendering
//    parses again to an equal identity that renders the same (render(parse(x)) is a
//    fixed point); its protobuf fields (writeIdentityFields) read back to it too;
//  - address text: the same round trip, with and without the port;
//  - a serialized legacy binary identity sub-message: what reads as an identity writes
//    fields that read back to the same identity (except SteamIDs that pass only the
//    weaker legacy check, crypto.md §1.4, whose text form does not parse: GNS's too).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "connection/identity_fields.h"
#include "opengns/types.h"

namespace {

#define FUZZ_CHECK(cond)       \
  do {                         \
    if (!(cond)) std::abort(); \
  } while (0)

using opengns::NetworkingIdentity;
using opengns::NetworkingIPAddr;
namespace connection = opengns::connection;

// crypto.md §1.4-1.5: a SteamID read from the legacy binary fields needs only the "for
// identity" check, which is weaker than the "parse" check of the text form. Such an
// identity renders to text that does not parse back (GNS behaves the same), so the
// round trips below hold only for identities whose text parses.
bool textRoundTrips(const NetworkingIdentity& identity) {
  return identity.type() != opengns::IdentityType::kSteamID ||
         opengns::steamIdValidForText(identity.steamID());
}

// The identity survives its protobuf fields (when it has any; invalid and some SteamIDs
// have none by design).
void checkFieldsRoundTrip(const NetworkingIdentity& identity) {
  if (!textRoundTrips(identity)) return;  // the writer always adds the text form
  auto fields = connection::writeIdentityFields(identity);
  if (!fields.ok()) return;
  auto back = connection::readIdentityFields(*fields);
  FUZZ_CHECK(back.ok() && back->has_value() && **back == identity);
}

void fuzzIdentityText(std::string_view text) {
  auto identity = NetworkingIdentity::parse(text);
  if (!identity) return;
  FUZZ_CHECK(!identity->isInvalid());
  const std::string rendered = identity->toString();
  FUZZ_CHECK(rendered.size() < static_cast<size_t>(opengns::kMaxIdentityStringLength));
  auto again = NetworkingIdentity::parse(rendered);
  FUZZ_CHECK(again && *again == *identity && again->toString() == rendered);
  checkFieldsRoundTrip(*identity);
}

void fuzzAddressText(std::string_view text) {
  auto address = NetworkingIPAddr::parse(text);
  if (!address) return;
  const std::string rendered = address->toString(true);
  FUZZ_CHECK(rendered.size() < static_cast<size_t>(opengns::kMaxIPAddrStringLength));
  auto again = NetworkingIPAddr::parse(rendered);
  FUZZ_CHECK(again && *again == *address && again->toString(true) == rendered);
  auto without_port = NetworkingIPAddr::parse(address->toString(false));
  FUZZ_CHECK(without_port && without_port->ipv6() == address->ipv6() && without_port->port() == 0);
  // As an identity: "ip:" + the text.
  NetworkingIdentity identity;
  identity.setIPAddr(*address);
  auto as_identity = NetworkingIdentity::parse(identity.toString());
  FUZZ_CHECK(as_identity && *as_identity == identity);
}

void fuzzLegacyBinary(const uint8_t* data, size_t size) {
  opengns::wire::IdentityLegacyBinary legacy;
  if (!legacy.ParseFromArray(data, static_cast<int>(size))) return;
  connection::IdentityFields fields;
  fields.legacy_binary = legacy;
  auto identity = connection::readIdentityFields(fields);
  if (!identity.ok() || !identity->has_value()) return;
  FUZZ_CHECK(!(*identity)->isInvalid());
  if (!textRoundTrips(**identity)) {
    FUZZ_CHECK(opengns::steamIdValidForIdentity((*identity)->steamID()));
    return;
  }
  auto text = NetworkingIdentity::parse((*identity)->toString());
  FUZZ_CHECK(text && *text == **identity);
  checkFieldsRoundTrip(**identity);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 512) return 0;  // the text forms are at most 127 characters
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  fuzzIdentityText(text);
  fuzzAddressText(text);
  fuzzLegacyBinary(data, size);
  return 0;
}
