// The status's traffic numbers (lifecycle.md §8.4: packets and bytes per second over the
// last completed 5 s interval) count the connection's control datagrams too, not only
// the data packets SNP builds and receives.
#include <gtest/gtest.h>

#include "snp/traffic_stats.h"
#include "snp_pair_harness.h"

namespace opengns::connection {
namespace {

using testing_util::SnpPair;

constexpr snp::Usec kMs = snp::kUsecPerMsec;
constexpr snp::Usec kLagUsec = 5 * kMs;

struct Counts {
  uint64_t packets = 0;
  uint64_t bytes = 0;
};

// Datagrams the connection at `self` sent (at in [begin, end)) or received (delivered in
// [begin, end), after `created`: the ConnectRequest that creates a server connection is
// the listen socket's).
Counts sentBetween(const SnpPair& p, bool by_client, snp::Usec begin, snp::Usec end) {
  Counts counts;
  for (const auto& d : p.sent(by_client)) {
    if (d.at < begin || d.at >= end) continue;
    ++counts.packets;
    counts.bytes += d.bytes.size();
  }
  return counts;
}

Counts receivedBetween(const SnpPair& p, bool by_client, snp::Usec begin, snp::Usec end,
                       snp::Usec created) {
  Counts counts;
  for (const auto& d : p.sent(!by_client)) {
    const snp::Usec arrival = d.at + kLagUsec;
    if (d.dropped || arrival < begin || arrival >= end || arrival <= created) continue;
    ++counts.packets;
    counts.bytes += d.bytes.size();
  }
  return counts;
}

constexpr double kIntervalSec = static_cast<double>(snp::kTrafficStatsIntervalUsec) / 1e6;

TEST(ControlTrafficTest, HandshakeDatagramsCountInTheTrafficRates) {
  SnpPair p;
  const snp::Usec start = p.now();
  UdpConnection* c = p.connect();
  // The application does not accept for a while: the client keeps retrying the handshake
  // (udp.md §5.1), all of it control traffic.
  ASSERT_TRUE(p.runUntilTrue([&] { return p.server() != nullptr; }, start + snp::kUsecPerSec));
  UdpConnection* s = p.server();
  const snp::Usec server_created = p.now();
  p.runUntil(start + snp::kTrafficStatsIntervalUsec + 1);
  ASSERT_EQ(c->state(), ConnectionState::kConnecting);

  // Client: its first interval starts with its first ChallengeRequest, at creation.
  const Counts out = sentBetween(p, true, start, start + snp::kTrafficStatsIntervalUsec);
  const Counts in =
      receivedBetween(p, true, start, start + snp::kTrafficStatsIntervalUsec, start - 1);
  ASSERT_GE(out.packets, 10u) << "a ChallengeRequest and a ConnectRequest per 0.5 s";
  const RealTimeStatus status = SnpPair::plane(c)->session().realTimeStatus(p.now());
  EXPECT_FLOAT_EQ(status.packets_out_per_second, static_cast<float>(out.packets / kIntervalSec));
  EXPECT_FLOAT_EQ(status.bytes_out_per_second, static_cast<float>(out.bytes / kIntervalSec));
  EXPECT_FLOAT_EQ(status.packets_in_per_second, static_cast<float>(in.packets / kIntervalSec));
  EXPECT_FLOAT_EQ(status.bytes_in_per_second, static_cast<float>(in.bytes / kIntervalSec));

  // Server (waiting for accept, sending nothing): its interval starts with the first
  // datagram routed to it, a later handshake retry.
  snp::Usec first_in = snp::kNever;
  for (const auto& d : p.sent(true)) {
    if (d.at + kLagUsec > server_created) first_in = std::min(first_in, d.at + kLagUsec);
  }
  ASSERT_NE(first_in, snp::kNever);
  p.runUntil(first_in + snp::kTrafficStatsIntervalUsec + 1);
  const Counts server_in = receivedBetween(
      p, false, first_in, first_in + snp::kTrafficStatsIntervalUsec, server_created);
  const RealTimeStatus server_status = SnpPair::plane(s)->session().realTimeStatus(p.now());
  EXPECT_GT(server_in.packets, 0u);
  EXPECT_FLOAT_EQ(server_status.packets_in_per_second,
                  static_cast<float>(server_in.packets / kIntervalSec));
  EXPECT_FLOAT_EQ(server_status.bytes_in_per_second,
                  static_cast<float>(server_in.bytes / kIntervalSec));
  EXPECT_FLOAT_EQ(server_status.packets_out_per_second, 0.0f);
}

TEST(ControlTrafficTest, ConnectedIntervalCountsControlAndDataPackets) {
  SnpPair p;
  const snp::Usec start = p.now();
  UdpConnection* c = p.connect();
  ASSERT_TRUE(p.runUntilTrue([&] { return p.server() != nullptr; }, start + snp::kUsecPerSec));
  // Accept inside the second interval, then some traffic both ways.
  p.runUntil(start + snp::kTrafficStatsIntervalUsec + 200 * kMs);
  ASSERT_EQ(p.server()->accept(p.now()), Result::kOK);
  p.runFor(50 * kMs);
  ASSERT_EQ(c->state(), ConnectionState::kConnected);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(c->sendMessage(p.now(), asBytes("ping " + std::to_string(i)), kSendReliable).ok());
    ASSERT_TRUE(p.server()->sendMessage(p.now(), asBytes("pong"), kSendReliable).ok());
    p.runFor(300 * kMs);
  }
  const snp::Usec begin = start + snp::kTrafficStatsIntervalUsec;
  const snp::Usec end = begin + snp::kTrafficStatsIntervalUsec;
  p.runUntil(end + 1);
  const Counts out = sentBetween(p, true, begin, end);
  const Counts in = receivedBetween(p, true, begin, end, start - 1);
  size_t control_out = 0, data_out = 0;
  for (const auto& d : p.sent(true)) {
    if (d.at < begin || d.at >= end) continue;
    (d.isData() ? data_out : control_out) += 1;
  }
  ASSERT_GT(control_out, 0u);
  ASSERT_GT(data_out, 0u);
  // Packet counts are exact; SNP counts its data packets' bytes from the plaintext.
  const RealTimeStatus status = SnpPair::plane(c)->session().realTimeStatus(p.now());
  EXPECT_FLOAT_EQ(status.packets_out_per_second, static_cast<float>(out.packets / kIntervalSec));
  EXPECT_FLOAT_EQ(status.packets_in_per_second, static_cast<float>(in.packets / kIntervalSec));
}

}  // namespace
}  // namespace opengns::connection
