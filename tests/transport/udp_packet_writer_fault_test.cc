// UdpPacketWriter under kernel answers that loopback never gives: a full socket
// (EAGAIN/ENOBUFS), an interrupted call (EINTR) and a refused GSO send (EIO).
//
// How: this file defines sendto and sendmmsg for the whole test binary. They forward to the
// real calls (found with dlsym(RTLD_NEXT)) unless a test armed a fault for one descriptor.
// Only that descriptor is affected, and only while the test runs.
#include <dlfcn.h>
#include <errno.h>
#include <gtest/gtest.h>
#include <netinet/udp.h>
#include <sys/socket.h>

#include <atomic>

#include "loopback_util.h"
#include "transport/udp_packet_reader.h"
#include "transport/udp_packet_writer.h"

namespace {

struct Fault {
  std::atomic<int> fd{-1};               // descriptor the fault applies to (-1: none)
  std::atomic<int> error{0};             // errno to report
  std::atomic<int> accept_calls{0};      // calls that still go through before the fault fires
  std::atomic<int> fail_calls{0};        // calls that then fail (after that, pass through)
  std::atomic<int> accept_messages{-1};  // sendmmsg: cap on messages per passing call
  std::atomic<bool> only_gso{false};     // fail only calls whose first message carries UDP_SEGMENT
};
Fault g_fault;

bool firstMessageIsGso(const mmsghdr* messages) {
  const msghdr& header = messages[0].msg_hdr;
  if (header.msg_controllen == 0) return false;
  for (const cmsghdr* c = CMSG_FIRSTHDR(&header); c != nullptr;
       c = CMSG_NXTHDR(const_cast<msghdr*>(&header), const_cast<cmsghdr*>(c))) {
    if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_SEGMENT) return true;
  }
  return false;
}

// True if this call must fail now (and consumes one failure).
bool shouldFail(int fd, const mmsghdr* messages) {
  if (fd != g_fault.fd.load()) return false;
  if (g_fault.only_gso.load() && (messages == nullptr || !firstMessageIsGso(messages))) {
    return false;
  }
  if (g_fault.accept_calls.load() > 0) {
    g_fault.accept_calls.fetch_sub(1);
    return false;
  }
  if (g_fault.fail_calls.load() > 0) {
    g_fault.fail_calls.fetch_sub(1);
    return true;
  }
  return false;
}

}  // namespace

extern "C" ssize_t sendto(int fd, const void* buffer, size_t length, int flags,
                          const sockaddr* address, socklen_t address_length) {
  using Real = ssize_t (*)(int, const void*, size_t, int, const sockaddr*, socklen_t);
  static const Real real = reinterpret_cast<Real>(dlsym(RTLD_NEXT, "sendto"));
  if (shouldFail(fd, nullptr)) {
    errno = g_fault.error.load();
    return -1;
  }
  return real(fd, buffer, length, flags, address, address_length);
}

extern "C" int sendmmsg(int fd, mmsghdr* messages, unsigned int count, int flags) {
  using Real = int (*)(int, mmsghdr*, unsigned int, int);
  static const Real real = reinterpret_cast<Real>(dlsym(RTLD_NEXT, "sendmmsg"));
  if (shouldFail(fd, messages)) {
    errno = g_fault.error.load();
    return -1;
  }
  const int cap = g_fault.accept_messages.load();
  if (fd == g_fault.fd.load() && cap >= 0 && count > static_cast<unsigned int>(cap)) {
    count = static_cast<unsigned int>(cap);  // a short count, as when the queue fills up
  }
  return real(fd, messages, count, flags);
}

namespace opengns::transport {
namespace {

using testing::openOrDie;
using testing::patternPayload;
using testing::receiveCount;
using testing::Received;
using testing::staysQuiet;

class UdpPacketWriterFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    UdpSocketOptions no_gro;
    no_gro.enable_gro = false;
    sender_ = openOrDie(SocketAddress::ipv4Loopback(0));
    receiver_ = openOrDie(SocketAddress::ipv4Loopback(0), no_gro);
  }
  void TearDown() override { disarm(); }

  static void disarm() {
    g_fault.fd = -1;
    g_fault.error = 0;
    g_fault.accept_calls = 0;
    g_fault.fail_calls = 0;
    g_fault.accept_messages = -1;
    g_fault.only_gso = false;
  }

  DatagramBatch makeBatch(size_t count, size_t bytes) {
    DatagramBatch batch = DatagramBatch::forSending(count);
    for (uint32_t i = 0; i < count; ++i) {
      EXPECT_TRUE(batch.append(receiver_.localAddress(), patternPayload(i, bytes)));
    }
    return batch;
  }

  void expectReceivedInOrder(size_t count, size_t bytes) {
    UdpPacketReader reader(receiver_);
    const std::vector<Received> got = receiveCount(reader, receiver_, count);
    ASSERT_EQ(got.size(), count);
    for (uint32_t i = 0; i < count; ++i)
      EXPECT_EQ(got[i].payload, patternPayload(i, bytes)) << i;
    EXPECT_TRUE(staysQuiet(receiver_, std::chrono::milliseconds(20))) << "duplicates";
  }

  UdpSocket sender_;
  UdpSocket receiver_;
};

TEST_F(UdpPacketWriterFaultTest, FullSocketStopsWithoutSpinningAndResumes) {
  for (int error : {EAGAIN, ENOBUFS}) {
    for (IoMode mode : {IoMode::kPlain, IoMode::kBatched}) {
      SCOPED_TRACE(absl::StrCat(ioModeName(mode), " errno ", error));
      SetUp();
      const DatagramBatch batch = makeBatch(20, 300);
      UdpPacketWriter writer(sender_, mode);
      // The socket takes 7 datagrams, then reports full.
      g_fault.fd = sender_.fd();
      g_fault.error = error;
      if (mode == IoMode::kPlain) {
        g_fault.accept_calls = 7;
      } else {
        g_fault.accept_calls = 1;
        g_fault.accept_messages = 7;
      }
      g_fault.fail_calls = 1000;  // stays full until disarmed
      absl::StatusOr<size_t> sent = writer.sendBatch(batch);
      ASSERT_TRUE(sent.ok()) << sent.status();
      EXPECT_EQ(*sent, 7u);
      EXPECT_EQ(writer.stats().datagrams_sent, 7u);
      EXPECT_EQ(writer.stats().send_would_block, 1u);
      EXPECT_EQ(writer.stats().send_dropped, 0u);
      // One failed call, no retry loop: 7 + 1 calls plain, 1 + 1 batched.
      EXPECT_EQ(writer.stats().send_calls, mode == IoMode::kPlain ? 8u : 2u);

      // Still full: nothing more goes, and again exactly one call is spent.
      sent = writer.sendBatch(batch, 7);
      ASSERT_TRUE(sent.ok());
      EXPECT_EQ(*sent, 7u);
      EXPECT_EQ(writer.stats().send_would_block, 2u);

      disarm();  // room again
      sent = writer.sendBatch(batch, 7);
      ASSERT_TRUE(sent.ok());
      EXPECT_EQ(*sent, 20u);
      EXPECT_EQ(writer.stats().datagrams_sent, 20u);
      expectReceivedInOrder(20, 300);
    }
  }
}

TEST_F(UdpPacketWriterFaultTest, InterruptedCallsAreRetried) {
  for (IoMode mode : {IoMode::kPlain, IoMode::kBatched, IoMode::kOffload}) {
    SCOPED_TRACE(ioModeName(mode));
    SetUp();
    const DatagramBatch batch = makeBatch(10, 100);
    UdpPacketWriter writer(sender_, mode);
    g_fault.fd = sender_.fd();
    g_fault.error = EINTR;
    g_fault.accept_calls = 1;
    g_fault.fail_calls = 2;
    absl::StatusOr<size_t> sent = writer.sendBatch(batch);
    ASSERT_TRUE(sent.ok()) << sent.status();
    EXPECT_EQ(*sent, 10u);
    EXPECT_EQ(writer.stats().datagrams_sent, 10u);
    EXPECT_EQ(writer.stats().send_dropped, 0u);
    disarm();
    expectReceivedInOrder(10, 100);
  }
}

TEST_F(UdpPacketWriterFaultTest, RefusedGsoSendFallsBackToSingleDatagrams) {
  if (!sender_.gsoSupported()) GTEST_SKIP() << "kernel without UDP_SEGMENT";
  const DatagramBatch batch = makeBatch(30, 1000);
  UdpPacketWriter writer(sender_, IoMode::kOffload);
  ASSERT_TRUE(writer.gsoActive());
  // A device without checksum offload answers EIO to a GSO send.
  g_fault.fd = sender_.fd();
  g_fault.error = EIO;
  g_fault.only_gso = true;
  g_fault.fail_calls = 1000;
  absl::StatusOr<size_t> sent = writer.sendBatch(batch);
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(*sent, 30u);
  EXPECT_FALSE(writer.gsoActive());
  EXPECT_EQ(writer.stats().gso_sends, 0u);
  EXPECT_EQ(writer.stats().datagrams_sent, 30u);
  EXPECT_EQ(writer.stats().send_dropped, 0u);
  EXPECT_EQ(g_fault.fail_calls.load(), 999) << "GSO was tried once, then never again";
  disarm();
  expectReceivedInOrder(30, 1000);
}

TEST_F(UdpPacketWriterFaultTest, BrokenSocketIsReportedNotSkipped) {
  const DatagramBatch batch = makeBatch(3, 10);
  for (IoMode mode : {IoMode::kPlain, IoMode::kBatched}) {
    UdpPacketWriter writer(sender_, mode);
    g_fault.fd = sender_.fd();
    g_fault.error = EBADF;
    g_fault.fail_calls = 1;
    absl::StatusOr<size_t> sent = writer.sendBatch(batch);
    ASSERT_FALSE(sent.ok());
    EXPECT_NE(sent.status().message().find("Bad file descriptor"), absl::string_view::npos)
        << sent.status();
    disarm();
  }
}

}  // namespace
}  // namespace opengns::transport
