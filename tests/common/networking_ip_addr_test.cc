// NetworkingIPAddr text form: crypto.md §1.2 (the "ip:" identity text without its prefix),
// config.md §5.7 (IPv4-mapped storage), RFC 5952 rendering.
#include <gtest/gtest.h>

#include "opengns/types.h"

namespace opengns {
namespace {

std::string roundTrip(std::string_view text) {
  std::optional<NetworkingIPAddr> addr = NetworkingIPAddr::parse(text);
  if (!addr) return "<reject>";
  return addr->toString();
}

TEST(IPAddrTest, IPv4WithAndWithoutPort) {
  std::optional<NetworkingIPAddr> addr = NetworkingIPAddr::parse("127.0.0.1:27020");
  ASSERT_TRUE(addr.has_value());
  EXPECT_TRUE(addr->isIPv4());
  EXPECT_EQ(addr->ipv4(), 0x7f000001u);
  EXPECT_EQ(addr->port(), 27020);
  EXPECT_TRUE(addr->isLocalHost());
  // Stored IPv4-mapped (config.md §5.7).
  std::array<uint8_t, 16> mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1};
  EXPECT_EQ(addr->ipv6(), mapped);
  EXPECT_EQ(addr->toString(), "127.0.0.1:27020");
  EXPECT_EQ(addr->toString(false), "127.0.0.1");

  EXPECT_EQ(roundTrip("1.2.3.4"), "1.2.3.4");  // port 0 is not rendered
  EXPECT_EQ(roundTrip("255.255.255.255:65535"), "255.255.255.255:65535");
  EXPECT_EQ(roundTrip("0.0.0.0:0"), "0.0.0.0");
  EXPECT_EQ(NetworkingIPAddr::fromIPv4(0x0a000001, 80).toString(), "10.0.0.1:80");
}

TEST(IPAddrTest, IPv6CanonicalRendering) {
  EXPECT_EQ(roundTrip("::1"), "::1");
  EXPECT_EQ(roundTrip("::"), "::");
  EXPECT_EQ(roundTrip("2001:DB8:0:0:0:0:0:1"), "2001:db8::1");
  // The first of two equally long zero runs is compressed (RFC 5952 §4.2.3).
  EXPECT_EQ(roundTrip("2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");
  // The longest run wins.
  EXPECT_EQ(roundTrip("1:0:0:2:0:0:0:3"), "1:0:0:2::3");
  // A single zero group is not compressed (RFC 5952 §4.2.2).
  EXPECT_EQ(roundTrip("2001:db8:0:1:1:1:1:1"), "2001:db8:0:1:1:1:1:1");
  EXPECT_EQ(roundTrip("1::"), "1::");
  EXPECT_EQ(roundTrip("fe80:0000:0000:0000:0202:b3ff:fe1e:8329"), "fe80::202:b3ff:fe1e:8329");
  // IPv4-mapped addresses render as IPv4.
  EXPECT_EQ(roundTrip("::ffff:1.2.3.4"), "1.2.3.4");
  EXPECT_EQ(roundTrip("[::ffff:1.2.3.4]:80"), "1.2.3.4:80");
}

TEST(IPAddrTest, BracketsAndPorts) {
  std::optional<NetworkingIPAddr> addr = NetworkingIPAddr::parse("[::1]:27020");
  ASSERT_TRUE(addr.has_value());
  EXPECT_FALSE(addr->isIPv4());
  EXPECT_EQ(addr->port(), 27020);
  EXPECT_TRUE(addr->isLocalHost());
  EXPECT_EQ(addr->toString(), "[::1]:27020");
  EXPECT_EQ(addr->toString(false), "::1");
  EXPECT_EQ(roundTrip("[::1]"), "::1");  // brackets without port: port 0
  EXPECT_EQ(roundTrip("[2001:db8::5]:65535"), "[2001:db8::5]:65535");
  // Without brackets a trailing group is part of the address, not a port.
  EXPECT_EQ(roundTrip("::1:80"), "::1:80");
}

TEST(IPAddrTest, Rejects) {
  for (std::string_view bad : {
           "",
           "localhost",  // no DNS lookups
           "example.com:80",
           "256.1.1.1",
           "1.2.3",
           "1.2.3.4.5",
           "1.2.3.4:",
           "1.2.3.4:65536",
           "1.2.3.4:-1",
           "1.2.3.4:+80",
           "1.2.3.4:8a",
           " 1.2.3.4",
           "1.2.3.4 ",
           "1.2.3.4:80:90",
           "1..3.4",
           "[::1]:",
           "[::1",
           "[::1]x",
           "[::1]:99999",
           "[1.2.3.4]:80",
           "fe80::1%eth0",  // no zone ids
           "[fe80::1%eth0]:80",
           "1:2:3:4:5:6:7:8:9",
           ":::",
           "12345::",
       }) {
    EXPECT_FALSE(NetworkingIPAddr::parse(bad).has_value()) << bad;
  }
}

TEST(IPAddrTest, Classification) {
  NetworkingIPAddr zero;
  EXPECT_TRUE(zero.isAny());
  EXPECT_FALSE(zero.isIPv4());
  EXPECT_FALSE(zero.isLocalHost());
  EXPECT_EQ(zero.toString(), "::");
  EXPECT_TRUE(NetworkingIPAddr::localHost(0).isLocalHost());
  EXPECT_TRUE(NetworkingIPAddr::fromIPv4(0x7f000001, 9).isLocalHost());
  EXPECT_FALSE(NetworkingIPAddr::fromIPv4(0x7f000002, 9).isLocalHost());
  EXPECT_EQ(NetworkingIPAddr::localHost(5).ipv4(), 0u);  // not IPv4
  EXPECT_EQ(NetworkingIPAddr::fromIPv4(0x01020304, 7), *NetworkingIPAddr::parse("1.2.3.4:7"));
  EXPECT_NE(NetworkingIPAddr::fromIPv4(0x01020304, 7), *NetworkingIPAddr::parse("1.2.3.4:8"));
}

}  // namespace
}  // namespace opengns
