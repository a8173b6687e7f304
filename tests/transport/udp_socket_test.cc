#include "transport/udp_socket.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "loopback_util.h"
#include "transport/udp_packet_reader.h"
#include "transport/udp_packet_writer.h"

namespace opengns::transport {
namespace {

using testing::openOrDie;
using testing::patternPayload;
using testing::receiveCount;
using testing::sendAll;

TEST(UdpSocketTest, BindsAnEphemeralIpv4Port) {
  UdpSocket socket = openOrDie(SocketAddress::ipv4Loopback(0));
  ASSERT_TRUE(socket.isOpen());
  EXPECT_EQ(socket.family(), AF_INET);
  EXPECT_FALSE(socket.dualStack());
  EXPECT_TRUE(socket.localAddress().isIpv4());
  EXPECT_TRUE(socket.localAddress().isLoopback());
  EXPECT_NE(socket.localAddress().port(), 0);
  absl::StatusOr<SocketAddress> queried = socket.queryLocalAddress();
  ASSERT_TRUE(queried.ok()) << queried.status();
  EXPECT_EQ(*queried, socket.localAddress());
}

TEST(UdpSocketTest, BindsAnEphemeralIpv6Port) {
  UdpSocket socket = openOrDie(SocketAddress::ipv6Loopback(0));
  ASSERT_TRUE(socket.isOpen());
  EXPECT_EQ(socket.family(), AF_INET6);
  EXPECT_FALSE(socket.dualStack()) << "only [::] is dual-stack";
  EXPECT_EQ(socket.localAddress().withPort(0), SocketAddress::ipv6Loopback(0));
  EXPECT_NE(socket.localAddress().port(), 0);
  EXPECT_FALSE(socket.canReach(SocketAddress::ipv4Loopback(1)));
  EXPECT_TRUE(socket.canReach(SocketAddress::ipv6Loopback(1)));
}

TEST(UdpSocketTest, SocketIsNonBlockingAndCloseOnExec) {
  UdpSocket socket = openOrDie(SocketAddress::ipv4Loopback(0));
  char byte;
  EXPECT_LT(::recv(socket.fd(), &byte, 1, 0), 0) << "a blocking socket would hang here";
  EXPECT_EQ(errno, EAGAIN);
  EXPECT_NE(fcntl(socket.fd(), F_GETFD) & FD_CLOEXEC, 0);
}

TEST(UdpSocketTest, DualStackSocketReceivesIpv4PeersAsCanonicalIpv4) {
  UdpSocket server = openOrDie(SocketAddress::ipv6Any(0));
  ASSERT_TRUE(server.isOpen());
  if (!server.dualStack()) GTEST_SKIP() << "no IPv6 on this host; fell back to IPv4";
  EXPECT_EQ(server.family(), AF_INET6);
  EXPECT_TRUE(server.localAddress().isAny());
  EXPECT_TRUE(server.canReach(SocketAddress::ipv4Loopback(1)));
  EXPECT_TRUE(server.canReach(SocketAddress::ipv6Loopback(1)));

  UdpSocket v4_client = openOrDie(SocketAddress::ipv4Loopback(0));
  UdpSocket v6_client = openOrDie(SocketAddress::ipv6Loopback(0));
  const uint16_t server_port = server.localAddress().port();
  DatagramBatch out = DatagramBatch::forSending(4);
  ASSERT_TRUE(out.append(SocketAddress::ipv4Loopback(server_port), patternPayload(1, 40)));
  UdpPacketWriter v4_writer(v4_client);
  sendAll(v4_writer, v4_client, out);
  out.clear();
  ASSERT_TRUE(out.append(SocketAddress::ipv6Loopback(server_port), patternPayload(2, 60)));
  UdpPacketWriter v6_writer(v6_client);
  sendAll(v6_writer, v6_client, out);

  UdpPacketReader reader(server);
  const std::vector<testing::Received> received = receiveCount(reader, server, 2);
  ASSERT_EQ(received.size(), 2u);
  // The IPv4 peer shows as a.b.c.d:port, equal to the client's own view of its address.
  EXPECT_EQ(received[0].peer, v4_client.localAddress());
  EXPECT_TRUE(received[0].peer.isIpv4());
  EXPECT_EQ(received[0].peer.toString(),
            absl::StrCat("127.0.0.1:", v4_client.localAddress().port()));
  EXPECT_EQ(received[0].payload, patternPayload(1, 40));
  EXPECT_EQ(received[1].peer, v6_client.localAddress());
  EXPECT_EQ(received[1].payload, patternPayload(2, 60));

  // And it answers the IPv4 peer using the canonical address it reported.
  out.clear();
  ASSERT_TRUE(out.append(received[0].peer, patternPayload(3, 1300)));
  UdpPacketWriter server_writer(server);
  sendAll(server_writer, server, out);
  UdpPacketReader v4_reader(v4_client);
  const std::vector<testing::Received> reply = receiveCount(v4_reader, v4_client, 1);
  ASSERT_EQ(reply.size(), 1u);
  EXPECT_EQ(reply[0].peer, SocketAddress::ipv4Loopback(server_port));
  EXPECT_EQ(reply[0].payload, patternPayload(3, 1300));
}

TEST(UdpSocketTest, BindingATakenPortFailsWithTheAddress) {
  UdpSocket first = openOrDie(SocketAddress::ipv4Loopback(0));
  absl::StatusOr<UdpSocket> second = UdpSocket::open(first.localAddress());
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find(first.localAddress().toString()),
            absl::string_view::npos)
      << second.status();
  EXPECT_FALSE(UdpSocket::open(SocketAddress()).ok());
}

TEST(UdpSocketTest, BufferSizesAreApplied) {
  UdpSocketOptions options;
  options.send_buffer_bytes = 1 << 20;
  options.receive_buffer_bytes = 1 << 20;
  UdpSocket socket = openOrDie(SocketAddress::ipv4Loopback(0), options);
  absl::StatusOr<int> send_bytes = socket.sendBufferBytes();
  absl::StatusOr<int> receive_bytes = socket.receiveBufferBytes();
  ASSERT_TRUE(send_bytes.ok() && receive_bytes.ok());
  // The kernel doubles the request (bookkeeping overhead) and caps it at *mem_max for
  // unprivileged users; 1 MiB is below the usual caps only when doubled, so check >= 1 MiB.
  if (geteuid() == 0) {
    EXPECT_GE(*send_bytes, 1 << 20);
    EXPECT_GE(*receive_bytes, 1 << 20);
    // The FORCE variants go past net.core.rmem_max (commonly 208 KiB .. 4 MiB).
    ASSERT_TRUE(socket.setReceiveBufferBytes(16 << 20).ok());
    EXPECT_GE(*socket.receiveBufferBytes(), 16 << 20);
  } else {
    EXPECT_GT(*send_bytes, 0);
    EXPECT_GT(*receive_bytes, 0);
  }
  EXPECT_FALSE(socket.setSendBufferBytes(0).ok());
  EXPECT_FALSE(socket.setReceiveBufferBytes(-5).ok());
}

TEST(UdpSocketTest, GroCanBeTurnedOffAndOn) {
  UdpSocketOptions options;
  options.enable_gro = false;
  UdpSocket socket = openOrDie(SocketAddress::ipv4Loopback(0), options);
  EXPECT_FALSE(socket.groEnabled());
  const bool supported = socket.setGro(true);
  EXPECT_EQ(socket.groEnabled(), supported);
  EXPECT_FALSE(socket.setGro(false));
  EXPECT_FALSE(socket.groEnabled());
  // Informational: what this kernel offers (the report quotes it).
  std::printf("kernel features: GSO %s, GRO %s\n", socket.gsoSupported() ? "yes" : "no",
              supported ? "yes" : "no");
}

TEST(UdpSocketTest, MoveTransfersOwnershipAndCloseIsIdempotent) {
  UdpSocket socket = openOrDie(SocketAddress::ipv4Loopback(0));
  const int fd = socket.fd();
  const SocketAddress local = socket.localAddress();
  UdpSocket moved = std::move(socket);
  EXPECT_FALSE(socket.isOpen());  // NOLINT(bugprone-use-after-move): moved-from state is defined
  EXPECT_EQ(moved.fd(), fd);
  EXPECT_EQ(moved.localAddress(), local);
  UdpSocket assigned;
  assigned = std::move(moved);
  EXPECT_EQ(assigned.fd(), fd);
  assigned.close();
  EXPECT_FALSE(assigned.isOpen());
  assigned.close();
  EXPECT_FALSE(assigned.groEnabled());
  // The port is free again once closed.
  EXPECT_TRUE(UdpSocket::open(local).ok());
}

}  // namespace
}  // namespace opengns::transport
