#include "transport/socket_address.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <cstring>

#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"

namespace opengns::transport {
namespace {

SocketAddress parseOrDie(std::string_view text) {
  absl::StatusOr<SocketAddress> address = SocketAddress::parse(text);
  EXPECT_TRUE(address.ok()) << text << ": " << address.status();
  return address.ok() ? *address : SocketAddress();
}

TEST(SocketAddressTest, ParsesAndRendersIpv4) {
  const SocketAddress address = parseOrDie("192.168.1.20:27015");
  ASSERT_TRUE(address.isIpv4());
  EXPECT_EQ(address.port(), 27015);
  const std::vector<uint8_t> bytes(address.addressBytes().begin(), address.addressBytes().end());
  EXPECT_EQ(bytes, (std::vector<uint8_t>{192, 168, 1, 20}));
  EXPECT_EQ(address.toString(), "192.168.1.20:27015");
  EXPECT_EQ(address, SocketAddress::ipv4({192, 168, 1, 20}, 27015));
}

TEST(SocketAddressTest, ParsesAndRendersIpv6) {
  const SocketAddress loopback = parseOrDie("[::1]:9");
  ASSERT_TRUE(loopback.isIpv6());
  EXPECT_EQ(loopback, SocketAddress::ipv6Loopback(9));
  EXPECT_EQ(loopback.toString(), "[::1]:9");

  // Upper case and uncompressed input render in the short RFC 5952 form.
  const SocketAddress documentation = parseOrDie("[2001:DB8:0:0:0:0:0:1]:65535");
  EXPECT_EQ(documentation.toString(), "[2001:db8::1]:65535");
  EXPECT_EQ(documentation.port(), 65535);
  EXPECT_EQ(documentation.addressBytes().size(), 16u);

  const SocketAddress scoped = parseOrDie("[fe80::1%3]:5");
  EXPECT_EQ(scoped.scopeId(), 3u);
  EXPECT_EQ(scoped.toString(), "[fe80::1%3]:5");
  EXPECT_NE(scoped, parseOrDie("[fe80::1]:5"));
}

TEST(SocketAddressTest, RenderedFormsRoundTrip) {
  for (const char* text : {"0.0.0.0:0", "127.0.0.1:1", "255.255.255.255:65535", "[::]:0",
                           "[::1]:27015", "[2001:db8::8:800:200c:417a]:443", "[fe80::1%2]:7"}) {
    const SocketAddress address = parseOrDie(text);
    EXPECT_EQ(address.toString(), text);
    EXPECT_EQ(parseOrDie(address.toString()), address);
  }
}

TEST(SocketAddressTest, Ipv4MappedIpv6IsCanonicalIpv4) {
  const SocketAddress mapped = parseOrDie("[::ffff:10.0.0.1]:4000");
  const SocketAddress plain = parseOrDie("10.0.0.1:4000");
  EXPECT_TRUE(mapped.isIpv4());
  EXPECT_EQ(mapped, plain);
  EXPECT_EQ(mapped.toString(), "10.0.0.1:4000");
  EXPECT_EQ(absl::HashOf(mapped), absl::HashOf(plain));

  std::array<uint8_t, 16> raw{};
  raw[10] = 0xff;
  raw[11] = 0xff;
  raw[12] = 10;
  raw[15] = 1;
  EXPECT_EQ(SocketAddress::ipv6(raw, 4000), plain);

  // A kernel sockaddr_in6 from a dual-stack socket maps the same way.
  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_port = htons(4000);
  std::memcpy(&in6.sin6_addr, raw.data(), raw.size());
  absl::StatusOr<SocketAddress> from_kernel =
      SocketAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&in6), sizeof(in6));
  ASSERT_TRUE(from_kernel.ok()) << from_kernel.status();
  EXPECT_EQ(*from_kernel, plain);

  // Only ::ffff:0:0/96 is mapped; the deprecated IPv4-compatible form ::a.b.c.d is not.
  const SocketAddress compatible = parseOrDie("[::10.0.0.1]:4000");
  EXPECT_TRUE(compatible.isIpv6());
  EXPECT_NE(compatible, plain);
}

TEST(SocketAddressTest, HashAndEqualityCoverEveryField) {
  absl::flat_hash_set<SocketAddress> set;
  set.insert(parseOrDie("127.0.0.1:1"));
  set.insert(parseOrDie("127.0.0.1:2"));
  set.insert(parseOrDie("127.0.0.2:1"));
  set.insert(parseOrDie("[::1]:1"));
  set.insert(parseOrDie("[::ffff:127.0.0.1]:1"));  // same as the first
  set.insert(parseOrDie("[fe80::1%1]:1"));
  set.insert(parseOrDie("[fe80::1%2]:1"));
  EXPECT_EQ(set.size(), 6u);
  EXPECT_TRUE(set.contains(SocketAddress::ipv4Loopback(1)));
  EXPECT_FALSE(set.contains(SocketAddress::ipv4Loopback(3)));
}

TEST(SocketAddressTest, SockaddrConversions) {
  const SocketAddress v4 = parseOrDie("10.1.2.3:80");
  sockaddr_storage storage;
  ASSERT_EQ(v4.toSockaddr(&storage), sizeof(sockaddr_in));
  sockaddr_in in4;
  std::memcpy(&in4, &storage, sizeof(in4));
  EXPECT_EQ(in4.sin_family, AF_INET);
  EXPECT_EQ(ntohs(in4.sin_port), 80);
  EXPECT_EQ(ntohl(in4.sin_addr.s_addr), 0x0a010203u);

  // For an AF_INET6 (dual-stack) socket, IPv4 becomes ::ffff:a.b.c.d.
  ASSERT_EQ(v4.toSockaddrFor(AF_INET6, &storage), sizeof(sockaddr_in6));
  sockaddr_in6 in6;
  std::memcpy(&in6, &storage, sizeof(in6));
  EXPECT_EQ(in6.sin6_family, AF_INET6);
  EXPECT_TRUE(IN6_IS_ADDR_V4MAPPED(&in6.sin6_addr));
  EXPECT_EQ(ntohs(in6.sin6_port), 80);
  absl::StatusOr<SocketAddress> back =
      SocketAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&storage), sizeof(in6));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, v4);

  const SocketAddress v6 = parseOrDie("[2001:db8::2%4]:443");
  ASSERT_EQ(v6.toSockaddrFor(AF_INET6, &storage), sizeof(sockaddr_in6));
  std::memcpy(&in6, &storage, sizeof(in6));
  EXPECT_EQ(in6.sin6_scope_id, 4u);
  back = SocketAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&storage), sizeof(in6));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, v6);
  // An AF_INET socket cannot reach an IPv6 peer.
  EXPECT_EQ(v6.toSockaddrFor(AF_INET, &storage), 0u);
  EXPECT_EQ(SocketAddress().toSockaddr(&storage), 0u);
}

TEST(SocketAddressTest, FromSockaddrRejectsOtherFamiliesAndShortLengths) {
  sockaddr_un unix_address{};
  unix_address.sun_family = AF_UNIX;
  absl::StatusOr<SocketAddress> result = SocketAddress::fromSockaddr(
      reinterpret_cast<const sockaddr*>(&unix_address), sizeof(unix_address));
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("family"), absl::string_view::npos) << result.status();

  sockaddr_in in4{};
  in4.sin_family = AF_INET;
  result = SocketAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&in4), 8);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("got 8"), absl::string_view::npos) << result.status();
  EXPECT_FALSE(SocketAddress::fromSockaddr(nullptr, 0).ok());
}

TEST(SocketAddressTest, ParseRejectsMalformedText) {
  for (const char* text : {"",
                           ":",
                           "1.2.3.4",
                           "1.2.3.4:",
                           "1.2.3.4:65536",
                           "1.2.3.4:-1",
                           "1.2.3.4:+1",
                           "1.2.3.4: 1",
                           "1.2.3.4:1x",
                           "1.2.3.4:123456",
                           "256.1.1.1:1",
                           "1.2.3:1",
                           "localhost:80",
                           "example.com:80",
                           "::1:80",
                           "[::1]",
                           "[::1]80",
                           "[::1]:",
                           "[::1]:x",
                           "[::1:80",
                           "[1.2.3.4]:80",
                           "[::1%]:1",
                           "[::1%eth0]:1",
                           "[::1%99999999999]:1",
                           "[]:1"}) {
    absl::StatusOr<SocketAddress> address = SocketAddress::parse(text);
    EXPECT_FALSE(address.ok()) << "\"" << text << "\" parsed as " << address->toString();
    if (!address.ok()) {
      // The message quotes the input so a config error is easy to find.
      EXPECT_NE(address.status().message().find(absl::StrCat("\"", text, "\"")),
                absl::string_view::npos)
          << address.status();
    }
  }
}

TEST(SocketAddressTest, LoopbackAndAny) {
  EXPECT_TRUE(parseOrDie("127.0.0.1:1").isLoopback());
  EXPECT_TRUE(parseOrDie("127.200.3.4:1").isLoopback());
  EXPECT_TRUE(parseOrDie("[::1]:1").isLoopback());
  EXPECT_TRUE(parseOrDie("[::ffff:127.0.0.1]:1").isLoopback());
  EXPECT_FALSE(parseOrDie("128.0.0.1:1").isLoopback());
  EXPECT_FALSE(parseOrDie("[::2]:1").isLoopback());
  EXPECT_FALSE(parseOrDie("[::]:1").isLoopback());
  EXPECT_FALSE(parseOrDie("[1::1]:1").isLoopback());
  EXPECT_FALSE(SocketAddress().isLoopback());

  EXPECT_TRUE(SocketAddress::ipv4Any(5).isAny());
  EXPECT_TRUE(SocketAddress::ipv6Any(5).isAny());
  EXPECT_TRUE(SocketAddress::ipv6Any(5).isIpv6());
  EXPECT_FALSE(parseOrDie("[::1]:1").isAny());
  EXPECT_FALSE(SocketAddress().isAny());
  EXPECT_EQ(SocketAddress().toString(), "<none>");
  EXPECT_TRUE(SocketAddress().empty());
  EXPECT_EQ(parseOrDie("1.2.3.4:5").withPort(6), parseOrDie("1.2.3.4:6"));
}

}  // namespace
}  // namespace opengns::transport
