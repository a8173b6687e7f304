// The handshake's ping samples (udp.md §3.4: ChallengeReply and ConnectOK timestamps on
// the client, the ConnectRequest's ping_est_ms on the server) seed the SNP RTT estimator
// and the congestion controller, so the first RTO after the handshake follows the path
// instead of the 1 s default (snp.md §3.7).
#include <gtest/gtest.h>

#include "snp/rtt_estimator.h"
#include "snp_pair_harness.h"
#include "wire/control_packet.h"

namespace opengns::connection {
namespace {

using testing_util::SnpPair;

constexpr snp::Usec kMs = snp::kUsecPerMsec;
constexpr snp::Usec kSec = snp::kUsecPerSec;
constexpr snp::Usec kLagUsec = 20 * kMs;  // one way: a 40 ms path
constexpr snp::Usec kAcceptDelayUsec = 100 * kMs;

SnpPair::Options pathOptions() {
  SnpPair::Options options;
  options.lag_usec = kLagUsec;
  return options;
}

// Connects with the accept held back by kAcceptDelayUsec (ConnectOK's delay_time_usec
// must take it out of the client's sample).
void connectSlowAccept(SnpPair& p) {
  p.connect();
  ASSERT_TRUE(p.runUntilTrue([&] { return p.server() != nullptr; }, p.now() + kSec));
  p.runFor(kAcceptDelayUsec);
  ASSERT_EQ(p.server()->accept(p.now()), Result::kOK);
  ASSERT_TRUE(p.runUntilTrue([&] { return p.client()->state() == ConnectionState::kConnected; },
                             p.now() + kSec));
}

// The client's two handshake samples, from the log: ChallengeRequest -> ChallengeReply,
// ConnectRequest -> ConnectOK minus the server's hold time.
std::vector<snp::Usec> clientSamples(const SnpPair& p) {
  std::vector<snp::Usec> samples;
  std::optional<snp::Usec> challenge_sent, request_sent;
  for (const auto& d : p.log) {
    if (d.lead() == wire::kLeadChallengeRequest && !challenge_sent) challenge_sent = d.at;
    if (d.lead() == wire::kLeadConnectRequest && !request_sent) request_sent = d.at;
    if (d.lead() == wire::kLeadChallengeReply && samples.empty()) {
      samples.push_back(d.at + kLagUsec - *challenge_sent);
    }
    if (d.lead() == wire::kLeadConnectOK) {
      auto packet = wire::decodeControlPacket(d.bytes);
      EXPECT_TRUE(packet.ok());
      const auto& ok = std::get<wire::ConnectOK>(packet->message);
      EXPECT_EQ(ok.your_timestamp(), static_cast<uint64_t>(*request_sent));
      samples.push_back(d.at + kLagUsec - *request_sent -
                        static_cast<snp::Usec>(ok.delay_time_usec()));
      break;
    }
  }
  return samples;
}

TEST(HandshakeRttTest, ClientRttEstimatorStartsFromTheHandshakeSamples) {
  SnpPair p(pathOptions());
  connectSlowAccept(p);
  const std::vector<snp::Usec> samples = clientSamples(p);
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_EQ(samples[0], 2 * kLagUsec);
  EXPECT_EQ(samples[1], 2 * kLagUsec) << "the accept delay is not part of the RTT";

  snp::RttEstimator expected;
  for (snp::Usec sample : samples)
    expected.onSample(sample, p.now());
  const snp::SnpSession& session = SnpPair::plane(p.client())->session();
  const snp::RttEstimator& rtt = session.sentPackets().rtt();
  ASSERT_TRUE(rtt.hasSample());
  EXPECT_EQ(rtt.smoothed(), expected.smoothed());
  EXPECT_EQ(rtt.rto(), expected.rto());
  EXPECT_LT(rtt.rto(), snp::kInitialRtoUsec);
  EXPECT_EQ(session.realTimeStatus(p.now()).ping, 40);
  EXPECT_EQ(session.congestion().state().min_rtt_usec, 2 * kLagUsec);
  EXPECT_EQ(p.client()->handshakePingMs(), 40);
}

TEST(HandshakeRttTest, FirstRetransmissionWaitsTheHandshakeRto) {
  SnpPair p(pathOptions());
  connectSlowAccept(p);
  const snp::Usec rto = SnpPair::plane(p.client())->session().sentPackets().rtt().rto();
  // The message's packets are lost; small packets (acks, pings) still get through.
  constexpr size_t kBigBytes = 400;
  p.drop = [&](const SnpPair::Datagram& d) {
    return d.isData() && d.to == p.server_address && d.bytes.size() > kBigBytes;
  };
  ASSERT_TRUE(p.client()->sendMessage(p.now(), asBytes(std::string(600, 'r')), kSendReliable).ok());
  p.runFor(2 * kSec);
  std::vector<snp::Usec> big_sends;
  for (const auto& d : p.sent(true))
    if (d.isData() && d.bytes.size() > kBigBytes) big_sends.push_back(d.at);
  ASSERT_GE(big_sends.size(), 2u);
  const snp::Usec first_resend_usec = big_sends[1] - big_sends[0];
  EXPECT_GE(first_resend_usec, rto);
  EXPECT_LE(first_resend_usec, rto + 5 * kMs);
  EXPECT_LT(first_resend_usec, snp::kInitialRtoUsec / 2) << "not the 1 s default";
}

TEST(HandshakeRttTest, ServerRttStartsFromThePingEstimateBeforeAccept) {
  SnpPair p(pathOptions());
  p.connect();
  ASSERT_TRUE(p.runUntilTrue([&] { return p.server() != nullptr; }, p.now() + kSec));
  std::optional<uint32_t> ping_est_ms;
  for (const auto& d : p.log) {
    if (d.lead() != wire::kLeadConnectRequest) continue;
    auto packet = wire::decodeControlPacket(d.bytes);
    ASSERT_TRUE(packet.ok());
    const auto& request = std::get<wire::ConnectRequest>(packet->message);
    ASSERT_TRUE(request.has_ping_est_ms());
    ping_est_ms = request.ping_est_ms();
    break;
  }
  ASSERT_EQ(ping_est_ms, 40u) << "the client's ChallengeReply sample (udp.md §2.4 field 6)";

  const snp::SnpSession& session = SnpPair::plane(p.server())->session();
  snp::RttEstimator expected;
  expected.onSample(static_cast<snp::Usec>(*ping_est_ms) * kMs, p.now());
  EXPECT_EQ(session.sentPackets().rtt().rto(), expected.rto());
  EXPECT_EQ(session.congestion().state().min_rtt_usec, static_cast<snp::Usec>(*ping_est_ms) * kMs);
  // Still there once connected (the tracker is rebuilt only for another peer version).
  ASSERT_EQ(p.server()->accept(p.now()), Result::kOK);
  EXPECT_EQ(SnpPair::plane(p.server())->session().sentPackets().rtt().rto(), expected.rto());
}

}  // namespace
}  // namespace opengns::connection
