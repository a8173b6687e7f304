// UdpConnection::createPaired (lifecycle.md §9.2, T21): two connections whose keys were
// agreed in process come up Connected with no event and no packet, exchange normal
// encrypted data packets (or NULL-cipher ones when both sides require it), and close
// over the wire like any connection. Driven in virtual time with a test pipe in between.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "connection/snp_data_plane.h"
#include "connection/udp_connection.h"
#include "connection_harness.h"
#include "wire/udp_constants.h"

namespace opengns::connection {
namespace {

using testing_util::addr;
using testing_util::kStartUsec;
using testing_util::Recorder;

constexpr uint32_t kId1 = 0x1a2b3c4d;
constexpr uint32_t kId2 = 0x5e6f7081;

struct CapturingSink : DatagramSink {
  void sendDatagram(const PeerAddress& to, ByteSpan datagram) override {
    sent.emplace_back(to, Bytes(datagram.begin(), datagram.end()));
  }
  std::vector<std::pair<PeerAddress, Bytes>> sent;
};

bool contains(const Bytes& haystack, const std::string& needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) !=
         haystack.end();
}

class UdpConnectionPairTest : public ::testing::Test {
 protected:
  // Side 1 presents `local1` (what side 2 sees), side 2 presents `local2`.
  absl::StatusOr<PairedConnections> create(NetworkingIdentity local1 = NetworkingIdentity(),
                                           NetworkingIdentity local2 = NetworkingIdentity(),
                                           int unencrypted1 = 0, int unencrypted2 = 0,
                                           uint32_t id2 = kId2) {
    return UdpConnection::createPaired(now_, side(kId1, address2_, local1, unencrypted1, &sink1_),
                                       side(id2, address1_, local2, unencrypted2, &sink2_));
  }

  PairedSideParams side(uint32_t id, const PeerAddress& peer, const NetworkingIdentity& local,
                        int unencrypted, DatagramSink* sink) {
    PairedSideParams params;
    params.local_connection_id = id;
    params.peer_address = peer;
    absl::StatusOr<LocalCredentials> credentials = LocalCredentials::createUnsigned(local);
    EXPECT_TRUE(credentials.ok()) << credentials.status();
    params.credentials = std::make_shared<const LocalCredentials>(*std::move(credentials));
    params.config.unencrypted = unencrypted;
    params.env.datagrams = sink;
    params.env.events = &recorder_;
    params.env.spam_limiter = &limiter_;
    params.env.data_plane_factory = snpDataPlaneFactory(snp::SnpConfig{});
    return params;
  }

  // Carries every datagram to the other side (1 ms per step), running the timers, for
  // `duration`. Returns every datagram carried.
  std::vector<Bytes> run(PairedConnections& pair, snp::Usec duration) {
    std::vector<Bytes> carried;
    const snp::Usec end = now_ + duration;
    while (now_ < end) {
      now_ += snp::kUsecPerMsec;
      for (UdpConnection* conn : {pair.first.get(), pair.second.get()}) {
        if (!conn->isDead() && conn->nextWakeTime(now_) <= now_) conn->onTimer(now_);
      }
      while (!sink1_.sent.empty() || !sink2_.sent.empty()) {
        auto from1 = std::exchange(sink1_.sent, {});
        auto from2 = std::exchange(sink2_.sent, {});
        for (auto& [to, bytes] : from1) {
          EXPECT_EQ(to, address2_);
          carried.push_back(bytes);
          pair.second->onDatagram(now_, bytes);
        }
        for (auto& [to, bytes] : from2) {
          EXPECT_EQ(to, address1_);
          carried.push_back(bytes);
          pair.first->onDatagram(now_, bytes);
        }
      }
    }
    return carried;
  }

  snp::Usec now_ = kStartUsec;
  Recorder recorder_{&now_};
  ReplyRateLimiter limiter_;
  CapturingSink sink1_;
  CapturingSink sink2_;
  const PeerAddress address1_ = addr("127.0.0.1:40001");
  const PeerAddress address2_ = addr("127.0.0.1:40002");
};

TEST_F(UdpConnectionPairTest, BothSidesAreConnectedWithoutEventsOrPackets) {
  absl::StatusOr<PairedConnections> pair = create();
  ASSERT_TRUE(pair.ok()) << pair.status();
  for (UdpConnection* conn : {pair->first.get(), pair->second.get()}) {
    EXPECT_EQ(conn->state(), ConnectionState::kConnected);
    // Anonymous: the localhost identity, kept as it is (not replaced by the address).
    EXPECT_EQ(conn->peerIdentity(), NetworkingIdentity::localHost());
    const ConnectionInfo info = conn->info();
    EXPECT_EQ(info.connection_state, ConnectionState::kConnected);
    EXPECT_EQ(info.listen_socket, kInvalidListenSocket);
    EXPECT_EQ(info.info_flags, kConnectionInfoFlagUnauthenticated | kConnectionInfoFlagFast);
  }
  EXPECT_EQ(pair->first->role(), UdpConnection::Role::kClient);
  EXPECT_EQ(pair->second->role(), UdpConnection::Role::kServer);
  EXPECT_EQ(pair->first->remoteId(), kId2);
  EXPECT_EQ(pair->second->remoteId(), kId1);
  EXPECT_EQ(pair->first->info().remote_address, address2_);
  EXPECT_EQ(pair->first->info().debug_description, "#439041101 UDP 127.0.0.1:40002");
  EXPECT_EQ(pair->second->info().debug_description, "#1584361601 UDP 127.0.0.1:40001");
  EXPECT_TRUE(recorder_.status.empty());
  EXPECT_TRUE(sink1_.sent.empty());
  EXPECT_TRUE(sink2_.sent.empty());
}

TEST_F(UdpConnectionPairTest, EachSideSeesTheIdentityThePartnerPresents) {
  const NetworkingIdentity alice = *NetworkingIdentity::parse("str:alice");
  const NetworkingIdentity bob = *NetworkingIdentity::parse("str:bob");
  absl::StatusOr<PairedConnections> pair = create(alice, bob);
  ASSERT_TRUE(pair.ok()) << pair.status();
  EXPECT_EQ(pair->first->peerIdentity(), bob);
  EXPECT_EQ(pair->second->peerIdentity(), alice);
  EXPECT_EQ(pair->first->info().debug_description, "#439041101 UDP str:bob@127.0.0.1:40002");
}

TEST_F(UdpConnectionPairTest, MessagesGoBothWaysInEncryptedDataPackets) {
  absl::StatusOr<PairedConnections> pair = create();
  ASSERT_TRUE(pair.ok()) << pair.status();
  const std::string to_second = "a secret for the second side";
  const std::string to_first = "and one for the first";
  ASSERT_TRUE(pair->first->sendMessage(now_, asBytes(to_second), kSendReliableNoNagle).ok());
  ASSERT_TRUE(pair->second->sendMessage(now_, asBytes(to_first), kSendUnreliableNoNagle).ok());
  const std::vector<Bytes> carried = run(*pair, 100 * snp::kUsecPerMsec);
  EXPECT_EQ(recorder_.received[kId2], std::vector<std::string>{to_second});
  EXPECT_EQ(recorder_.received[kId1], std::vector<std::string>{to_first});
  ASSERT_FALSE(carried.empty());
  for (const Bytes& datagram : carried) {
    EXPECT_FALSE(contains(datagram, to_second));
    EXPECT_FALSE(contains(datagram, to_first));
  }
  EXPECT_TRUE(recorder_.status.empty());
}

TEST_F(UdpConnectionPairTest, BothRequiringNoEncryptionGivesTheNullCipher) {
  absl::StatusOr<PairedConnections> pair = create(NetworkingIdentity(), NetworkingIdentity(),
                                                  kUnencryptedRequired, kUnencryptedRequired);
  ASSERT_TRUE(pair.ok()) << pair.status();
  EXPECT_EQ(pair->first->info().info_flags, kConnectionInfoFlagUnauthenticated |
                                                kConnectionInfoFlagUnencrypted |
                                                kConnectionInfoFlagFast);
  const std::string text = "in the clear";
  ASSERT_TRUE(pair->first->sendMessage(now_, asBytes(text), kSendReliableNoNagle).ok());
  const std::vector<Bytes> carried = run(*pair, 100 * snp::kUsecPerMsec);
  EXPECT_EQ(recorder_.received[kId2], std::vector<std::string>{text});
  EXPECT_TRUE(std::any_of(carried.begin(), carried.end(),
                          [&](const Bytes& datagram) { return contains(datagram, text); }));
}

TEST_F(UdpConnectionPairTest, NoCommonCipherCreatesNothing) {
  // The first side offers NULL only, the second accepts AES only (crypto.md §3.6).
  absl::StatusOr<PairedConnections> pair = create(NetworkingIdentity(), NetworkingIdentity(),
                                                  kUnencryptedRequired, kUnencryptedForbidden);
  EXPECT_FALSE(pair.ok());
  EXPECT_TRUE(recorder_.status.empty());
  EXPECT_TRUE(sink1_.sent.empty());
  EXPECT_TRUE(sink2_.sent.empty());
}

TEST_F(UdpConnectionPairTest, RefusesEqualOrZeroIds) {
  EXPECT_FALSE(create(NetworkingIdentity(), NetworkingIdentity(), 0, 0, kId1).ok());
  EXPECT_FALSE(create(NetworkingIdentity(), NetworkingIdentity(), 0, 0, 0).ok());
  EXPECT_TRUE(recorder_.status.empty());
}

TEST_F(UdpConnectionPairTest, ClosingOneSideClosesThePartnerOverTheWire) {
  absl::StatusOr<PairedConnections> pair = create();
  ASSERT_TRUE(pair.ok()) << pair.status();
  ASSERT_TRUE(pair->second->close(now_, 1234, "bye now", false));
  ASSERT_EQ(sink2_.sent.size(), 1u);
  EXPECT_EQ(sink2_.sent[0].second[0], wire::kLeadConnectionClosed);
  run(*pair, 10 * snp::kUsecPerMsec);
  EXPECT_EQ(pair->first->state(), ConnectionState::kClosedByPeer);
  EXPECT_EQ(static_cast<int>(pair->first->endReason()), 1234);
  EXPECT_EQ(pair->first->endDebug(), "bye now");
  const std::vector<testing_util::StatusEvent> first = recorder_.eventsFor(kId1);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].old_state, ConnectionState::kConnected);
  EXPECT_EQ(first[0].info.connection_state, ConnectionState::kClosedByPeer);
  const std::vector<testing_util::StatusEvent> second = recorder_.eventsFor(kId2);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].info.connection_state, ConnectionState::kNone);
}

}  // namespace
}  // namespace opengns::connection
