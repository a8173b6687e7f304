#include "connection/identity_fields.h"

#include <gtest/gtest.h>

#include "common/bytes.h"

namespace opengns::connection {
namespace {

NetworkingIdentity parse(const char* text) {
  auto identity = NetworkingIdentity::parse(text);
  EXPECT_TRUE(identity.has_value()) << text;
  return identity.value_or(NetworkingIdentity());
}

std::string legacyHex(const IdentityFields& f) {
  EXPECT_TRUE(f.legacy_binary.has_value());
  return f.legacy_binary ? toHex(asBytes(f.legacy_binary->SerializeAsString())) : "";
}

// Every identity type survives write -> read, through each source on its own.
TEST(IdentityFieldsTest, RoundTripEveryType) {
  for (const char* text :
       {"ip:::1", "ip:127.0.0.1:27020", "ip:[fd00::2]:5", "str:peer_client", "gen:0102ff",
        "steamid:76561197960287930", "xboxpwid:abc", "psn:123", "foo_1:bar"}) {
    SCOPED_TRACE(text);
    const NetworkingIdentity identity = parse(text);
    auto fields = writeIdentityFields(identity);
    ASSERT_TRUE(fields.ok()) << fields.status();
    EXPECT_EQ(fields->identity_string, std::string(text));
    auto all = readIdentityFields(*fields);
    ASSERT_TRUE(all.ok() && all->has_value());
    EXPECT_EQ(**all, identity);

    // The legacy forms alone, where the type has one (crypto.md §1.5).
    IdentityFields legacy_only{std::nullopt, fields->legacy_binary, fields->legacy_steam_id};
    auto legacy = readIdentityFields(legacy_only);
    const bool has_legacy_form = identity.type() == IdentityType::kIPAddress ||
                                 identity.type() == IdentityType::kSteamID ||
                                 identity.type() == IdentityType::kGenericString ||
                                 identity.type() == IdentityType::kGenericBytes;
    if (has_legacy_form) {
      ASSERT_TRUE(legacy.ok()) << legacy.status();
      EXPECT_EQ(**legacy, identity);
    } else {
      // An empty legacy message is "bad" for the reader, and GNS writes it anyway.
      EXPECT_EQ(fields->legacy_binary->ByteSizeLong(), 0u);
      EXPECT_FALSE(legacy.ok());
    }
    EXPECT_EQ(fields->legacy_steam_id.has_value(), identity.type() == IdentityType::kSteamID);
  }
}

// crypto.md §1.5 example: localhost is legacy field 4 = 16 bytes ::1 then port 0 (BE).
TEST(IdentityFieldsTest, LegacyBytesMatchSpec) {
  auto local = writeIdentityFields(NetworkingIdentity::localHost());
  ASSERT_TRUE(local.ok());
  EXPECT_EQ(legacyHex(*local), "2212" + std::string(30, '0') + "01" + "0000");
  auto v4 = writeIdentityFields(parse("ip:127.0.0.1:27020"));
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(legacyHex(*v4),
            "2212"
            "00000000000000000000ffff7f000001"
            "698c");
  auto str = writeIdentityFields(parse("str:peer_client"));
  ASSERT_TRUE(str.ok());
  EXPECT_EQ(legacyHex(*str), "1a0b706565725f636c69656e74");  // p2p_session cert field 11
  auto steam = writeIdentityFields(parse("steamid:76561197960287930"));
  ASSERT_TRUE(steam.ok());
  EXPECT_EQ(legacyHex(*steam),
            "8101"
            "ba56000001001001");
}

TEST(IdentityFieldsTest, ReaderPrecedence) {
  IdentityFields f;
  auto absent = readIdentityFields(f);
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->has_value());

  f.legacy_steam_id = 76561197960287930ULL;
  auto steam = readIdentityFields(f);
  ASSERT_TRUE(steam.ok());
  EXPECT_EQ((*steam)->toString(), "steamid:76561197960287930");

  f.legacy_binary.emplace().set_generic_string("legacy");
  EXPECT_EQ((*readIdentityFields(f))->toString(), "str:legacy");

  f.identity_string = "str:text";
  EXPECT_EQ((*readIdentityFields(f))->toString(), "str:text");

  // A bad string is not rescued by the legacy fields.
  f.identity_string = "invalid";
  auto bad = readIdentityFields(f);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("identity_string"), std::string::npos);
}

TEST(IdentityFieldsTest, BadLegacyValues) {
  auto read_legacy = [](auto setter) {
    IdentityFields f;
    setter(f.legacy_binary.emplace());
    return readIdentityFields(f).status();
  };
  absl::Status s = read_legacy([](wire::IdentityLegacyBinary&) {});
  EXPECT_NE(s.message().find("empty"), std::string::npos) << s;
  s = read_legacy([](wire::IdentityLegacyBinary& l) { l.set_ipv6_and_port(std::string(17, 'x')); });
  EXPECT_NE(s.message().find("17 bytes"), std::string::npos) << s;
  s = read_legacy([](wire::IdentityLegacyBinary& l) { l.set_steam_id(0); });
  EXPECT_FALSE(s.ok());
  s = read_legacy(
      [](wire::IdentityLegacyBinary& l) { l.set_generic_string(std::string(32, 'a')); });
  EXPECT_FALSE(s.ok());
  s = read_legacy([](wire::IdentityLegacyBinary& l) { l.set_generic_bytes(std::string(33, 'a')); });
  EXPECT_FALSE(s.ok());
  IdentityFields f;
  f.legacy_steam_id = 1;  // account type 0
  EXPECT_FALSE(readIdentityFields(f).ok());
}

TEST(IdentityFieldsTest, WriterRefusesUnwritable) {
  EXPECT_FALSE(writeIdentityFields(NetworkingIdentity()).ok());
  NetworkingIdentity bad_steam;
  bad_steam.setSteamID(1);
  EXPECT_FALSE(writeIdentityFields(bad_steam).ok());
}

// udp.md §2.4: with the identity in the cert only the legacy SteamID is sent; without,
// all three fields.
TEST(IdentityFieldsTest, SenderIdentityFields) {
  wire::ConnectRequest with_cert_steam;
  ASSERT_TRUE(setSenderIdentity(parse("steamid:76561197960287930"), true, &with_cert_steam).ok());
  EXPECT_TRUE(with_cert_steam.has_legacy_client_steam_id());
  EXPECT_FALSE(with_cert_steam.has_identity_string());
  EXPECT_FALSE(with_cert_steam.has_legacy_identity_binary());

  wire::ConnectRequest with_cert_str;
  ASSERT_TRUE(setSenderIdentity(parse("str:x"), true, &with_cert_str).ok());
  EXPECT_EQ(with_cert_str.ByteSizeLong(), 0u);

  wire::ConnectOK without_cert;
  ASSERT_TRUE(setSenderIdentity(parse("xboxpwid:abc"), false, &without_cert).ok());
  EXPECT_EQ(without_cert.identity_string(), "xboxpwid:abc");
  EXPECT_TRUE(without_cert.has_legacy_identity_binary());  // present, empty
  EXPECT_FALSE(without_cert.has_legacy_server_steam_id());
  auto back = readIdentityFields(identityFieldsOf(without_cert));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ((*back)->toString(), "xboxpwid:abc");
}

}  // namespace
}  // namespace opengns::connection
