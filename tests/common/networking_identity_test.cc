// NetworkingIdentity text form: every kind of crypto.md §1.1 rendered and parsed per §1.2,
// the localhost identity (§1.3) and the SteamID checks (§1.4).
#include <gtest/gtest.h>

#include <string>

#include "opengns/types.h"

namespace opengns {
namespace {

// From the spec's live test (README consistency log): a valid individual SteamID,
// universe 1, type 1 (individual), instance 1, account 22202.
constexpr uint64_t kSteamId = 76561197960287930ull;

// Builds a SteamID from its fields (crypto.md §1.4 bit layout).
constexpr uint64_t makeSteamId(uint64_t universe, uint64_t type, uint64_t instance,
                               uint64_t account) {
  return (universe << 56) | (type << 52) | (instance << 32) | account;
}

std::string roundTrip(std::string_view text) {
  std::optional<NetworkingIdentity> identity = NetworkingIdentity::parse(text);
  if (!identity) return "<reject>";
  return identity->toString();
}

TEST(IdentityTest, SteamIdLayoutMatchesTheExample) {
  EXPECT_EQ(makeSteamId(1, 1, 1, 22202), kSteamId);
}

TEST(IdentityTest, RoundTripEveryKind) {
  for (std::string_view text : {
           "steamid:76561197960287930",
           "ip:::1",
           "ip:127.0.0.1",
           "ip:127.0.0.1:27020",
           "ip:[::1]:27020",
           "ip:2001:db8::1",
           "str:hello world",
           "str:a",
           "gen:00ff10",
           "gen:ab",
           "xboxpwid:abcDEF123",
           "psn:1234567890123",
           "psn:0",
           "foo:bar",
           "future_kind_9:anything: goes here",
       }) {
    EXPECT_EQ(roundTrip(text), text);
  }
}

TEST(IdentityTest, TypesAndPayloads) {
  NetworkingIdentity steam = *NetworkingIdentity::parse("steamid:76561197960287930");
  EXPECT_EQ(steam.type(), IdentityType::kSteamID);
  EXPECT_EQ(steam.steamID(), kSteamId);

  NetworkingIdentity ip = *NetworkingIdentity::parse("ip:127.0.0.1:27020");
  EXPECT_EQ(ip.type(), IdentityType::kIPAddress);
  EXPECT_EQ(ip.ipAddr()->port(), 27020);
  EXPECT_EQ(ip.steamID(), 0u);

  NetworkingIdentity str = *NetworkingIdentity::parse("str:hello");
  EXPECT_EQ(str.type(), IdentityType::kGenericString);
  EXPECT_EQ(str.genericString(), "hello");

  NetworkingIdentity gen = *NetworkingIdentity::parse("gen:00FF10");  // either hex case
  EXPECT_EQ(gen.type(), IdentityType::kGenericBytes);
  ASSERT_EQ(gen.genericBytes().size(), 3u);
  EXPECT_EQ(gen.genericBytes()[1], 0xff);
  EXPECT_EQ(gen.toString(), "gen:00ff10");  // rendered lowercase

  NetworkingIdentity xbox = *NetworkingIdentity::parse("xboxpwid:abc");
  EXPECT_EQ(xbox.type(), IdentityType::kXboxPairwiseID);
  EXPECT_EQ(xbox.xboxPairwiseID(), "abc");

  NetworkingIdentity psn = *NetworkingIdentity::parse("psn:42");
  EXPECT_EQ(psn.type(), IdentityType::kSonyPSN);
  EXPECT_EQ(psn.psnID(), 42u);

  NetworkingIdentity unknown = *NetworkingIdentity::parse("foo:Bar");
  EXPECT_EQ(unknown.type(), IdentityType::kUnknownType);
  EXPECT_EQ(unknown.unknownText(), "foo:Bar");

  NetworkingIdentity invalid;
  EXPECT_TRUE(invalid.isInvalid());
  EXPECT_EQ(invalid.toString(), "invalid");
}

TEST(IdentityTest, LengthLimits) {
  // str: 1..31 bytes (32 incl. NUL).
  EXPECT_EQ(roundTrip("str:" + std::string(31, 'x')), "str:" + std::string(31, 'x'));
  EXPECT_EQ(roundTrip("str:" + std::string(32, 'x')), "<reject>");
  // gen: 1..32 bytes = 2..64 hex digits.
  EXPECT_EQ(roundTrip("gen:" + std::string(64, 'a')), "gen:" + std::string(64, 'a'));
  EXPECT_EQ(roundTrip("gen:" + std::string(66, 'a')), "<reject>");
  // xboxpwid: up to 32 chars (33 incl. NUL).
  EXPECT_EQ(roundTrip("xboxpwid:" + std::string(32, 'x')), "xboxpwid:" + std::string(32, 'x'));
  EXPECT_EQ(roundTrip("xboxpwid:" + std::string(33, 'x')), "<reject>");
  // Unknown kinds: prefix 1..16 chars, whole text at most 127 chars (128 incl. NUL).
  std::string prefix16(16, 'p');
  EXPECT_EQ(roundTrip(prefix16 + ":x"), prefix16 + ":x");
  EXPECT_EQ(roundTrip(std::string(17, 'p') + ":x"), "<reject>");
  std::string longest = "k:" + std::string(125, 'z');  // 127 chars
  EXPECT_EQ(roundTrip(longest), longest);
  EXPECT_EQ(roundTrip(longest + "z"), "<reject>");
}

TEST(IdentityTest, ParseFailures) {
  for (std::string_view bad : {
           "",                           // empty
           "invalid",                    // the invalid identity does not parse
           "steamid:",                   // no digits
           "steamid:abc",                // no digits
           "steamid:0",                  // fails the SteamID "parse" check
           "steamid:1",                  // account type 0
           "str:",                       // empty generic string (crypto.md §8 O1)
           "gen:",                       // no bytes
           "gen:0",                      // odd digit count
           "gen:abc",                    // odd digit count
           "gen:zz",                     // not hex
           "gen:0g",                     // not hex
           "xboxpwid:",                  // empty Xbox id
           "psn:",                       // no digits
           "psn:x1",                     // no digits
           "ip:",                        // no address
           "ip:localhost",               // no DNS
           "ip:1.2.3.4:70000",           // port out of range
           "ip:fe80::1%eth0",            // zone id
           "hello",                      // no prefix
           ":hello",                     // empty prefix
           "Foo:bar",                    // prefix not [a-z0-9_]
           "fo-o:bar",                   // prefix not [a-z0-9_]
           "STEAMID:76561197960287930",  // prefixes are case-sensitive
       }) {
    EXPECT_FALSE(NetworkingIdentity::parse(bad).has_value()) << bad;
  }
  // A SteamID failing the "parse" check for each rule of crypto.md §1.4.
  for (uint64_t id : {
           makeSteamId(0, 1, 1, 5),   // universe 0
           makeSteamId(5, 1, 1, 5),   // universe 5
           makeSteamId(1, 0, 1, 5),   // type 0
           makeSteamId(1, 11, 1, 5),  // type 11
           makeSteamId(1, 1, 0, 5),   // individual with instance 0
           makeSteamId(1, 1, 1, 0),   // individual with account 0
           makeSteamId(1, 7, 1, 5),   // clan with instance 1
           makeSteamId(1, 7, 0, 0),   // clan with account 0
           makeSteamId(1, 3, 0, 0),   // game server with account 0
       }) {
    EXPECT_FALSE(NetworkingIdentity::parse("steamid:" + std::to_string(id)).has_value()) << id;
  }
}

TEST(IdentityTest, KnownPrefixFailuresDoNotBecomeUnknownKinds) {
  EXPECT_FALSE(NetworkingIdentity::parse("str:").has_value());
  NetworkingIdentity identity;
  EXPECT_FALSE(identity.setUnknownText("str:abc"));
  EXPECT_FALSE(identity.setUnknownText("steamid:1"));
  EXPECT_TRUE(identity.isInvalid());
}

TEST(IdentityTest, SteamIdNumberParsedLikeScanf) {
  // crypto.md §1.2: the number is read like C's %llu, so text after the digits is ignored.
  EXPECT_EQ(roundTrip("steamid:76561197960287930xyz"), "steamid:76561197960287930");
  EXPECT_EQ(roundTrip("steamid: 76561197960287930"), "steamid:76561197960287930");
  EXPECT_EQ(roundTrip("psn:12abc"), "psn:12");
}

TEST(IdentityTest, SteamIdValidity) {
  EXPECT_TRUE(steamIdValidForText(kSteamId));
  EXPECT_TRUE(steamIdValidForIdentity(kSteamId));
  // Clan: valid text, but not an identity (type 7 is not in {1, 3, 4, 9}).
  uint64_t clan = makeSteamId(1, 7, 0, 5);
  EXPECT_TRUE(steamIdValidForText(clan));
  EXPECT_FALSE(steamIdValidForIdentity(clan));
  // Game server (3), anonymous game server (4), console user (9).
  EXPECT_TRUE(steamIdValidForText(makeSteamId(1, 3, 7, 5)));
  EXPECT_TRUE(steamIdValidForIdentity(makeSteamId(1, 3, 7, 5)));
  EXPECT_TRUE(steamIdValidForIdentity(makeSteamId(1, 4, 0, 5)));
  EXPECT_TRUE(steamIdValidForIdentity(makeSteamId(1, 9, 0, 5)));
  EXPECT_FALSE(steamIdValidForIdentity(makeSteamId(1, 9, 0, 0)));  // account 0
  // "for identity" does not look at the universe, "parse" does.
  EXPECT_TRUE(steamIdValidForIdentity(makeSteamId(0, 1, 1, 5)));
  EXPECT_FALSE(steamIdValidForText(makeSteamId(0, 1, 1, 5)));
}

TEST(IdentityTest, Uint64Arguments) {
  std::optional<NetworkingIdentity> none = NetworkingIdentity::fromUint64Argument(0);
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(*none, NetworkingIdentity::localHost());
  std::optional<NetworkingIdentity> steam = NetworkingIdentity::fromUint64Argument(kSteamId);
  ASSERT_TRUE(steam.has_value());
  EXPECT_EQ(steam->toString(), "steamid:76561197960287930");
  EXPECT_FALSE(NetworkingIdentity::fromUint64Argument(1).has_value());
  EXPECT_FALSE(NetworkingIdentity::fromUint64Argument(makeSteamId(1, 7, 0, 5)).has_value());
  EXPECT_FALSE(NetworkingIdentity::fromUint64Argument(makeSteamId(0, 1, 1, 5)).has_value());
}

TEST(IdentityTest, LocalHost) {
  NetworkingIdentity local = NetworkingIdentity::localHost();
  EXPECT_EQ(local.toString(), "ip:::1");
  EXPECT_TRUE(local.isLocalHost());
  EXPECT_EQ(*NetworkingIdentity::parse("ip:::1"), local);
  // Localhost is ::1 or 127.0.0.1, whatever the port (crypto.md §1.3).
  EXPECT_TRUE(NetworkingIdentity::parse("ip:127.0.0.1:50267")->isLocalHost());
  EXPECT_TRUE(NetworkingIdentity::parse("ip:[::1]:27020")->isLocalHost());
  EXPECT_FALSE(NetworkingIdentity::parse("ip:127.0.0.2")->isLocalHost());
  EXPECT_FALSE(NetworkingIdentity::parse("str:localhost")->isLocalHost());
  EXPECT_FALSE(NetworkingIdentity().isLocalHost());
}

TEST(IdentityTest, EqualityComparesTypeAndPayload) {
  EXPECT_EQ(*NetworkingIdentity::parse("str:abc"), *NetworkingIdentity::parse("str:abc"));
  EXPECT_NE(*NetworkingIdentity::parse("str:abc"), *NetworkingIdentity::parse("str:ABC"));
  EXPECT_NE(*NetworkingIdentity::parse("psn:5"), *NetworkingIdentity::parse("ip:::1"));
  // A setter replaces the whole value, so no stale payload makes equal identities differ.
  NetworkingIdentity changed = *NetworkingIdentity::parse("str:abc");
  changed.setPSNID(5);
  EXPECT_EQ(changed, *NetworkingIdentity::parse("psn:5"));
}

TEST(IdentityTest, SettersRefuseTextThatWouldNotParseBack) {
  NetworkingIdentity identity;
  EXPECT_FALSE(identity.setGenericString(""));
  EXPECT_FALSE(identity.setGenericString(std::string_view("a\0b", 3)));
  EXPECT_FALSE(identity.setXboxPairwiseID(""));
  EXPECT_FALSE(identity.setGenericBytes({}));
  std::array<uint8_t, 33> too_many{};
  EXPECT_FALSE(identity.setGenericBytes(too_many));
  EXPECT_TRUE(identity.isInvalid());
  std::array<uint8_t, 2> two = {0xde, 0xad};
  EXPECT_TRUE(identity.setGenericBytes(two));
  EXPECT_EQ(identity.toString(), "gen:dead");
}

}  // namespace
}  // namespace opengns
