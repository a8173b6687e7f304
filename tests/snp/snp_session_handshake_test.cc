// SnpSession before and at the end of the handshake: handshake RTT samples (udp.md §3.4)
// seed the RTT estimator and the congestion controller, survive the renumbering that an
// old peer's version causes at onConnected (snp.md §3.1), and the packet budget follows
// the final MTU and cipher given to onConnected.
#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

#include "snp/rtt_estimator.h"
#include "snp/snp_session.h"
#include "wire/snp_frame_decoder.h"

namespace opengns::snp {
namespace {

constexpr Usec kMs = kUsecPerMsec;

SnpConfig connecting() {
  SnpConfig config;
  config.connected = false;
  return config;
}

// Data bytes of each reliable segment in the packet.
std::vector<size_t> reliableSegmentSizes(const OutgoingPacket& packet) {
  wire::SnpDecodeContext context;
  context.packet_number = packet.packet_number;
  context.ack_reference_packet_number = packet.packet_number + 1;
  absl::StatusOr<std::vector<wire::SnpFrame>> frames =
      wire::decodeSnpFrames(packet.plaintext, context);
  EXPECT_TRUE(frames.ok()) << frames.status();
  std::vector<size_t> sizes;
  if (!frames.ok()) return sizes;
  for (const wire::SnpFrame& frame : *frames) {
    if (const auto* segment = std::get_if<wire::ReliableSegmentFrame>(&frame)) {
      sizes.push_back(segment->data.size());
    }
  }
  return sizes;
}

TEST(SnpSessionHandshakeTest, HandshakeSampleSeedsRtoPingAndMinRtt) {
  SnpSession session(connecting());
  SnpSession without(connecting());
  session.onHandshakeRttSample(0, 30 * kMs);
  ASSERT_TRUE(session.onConnected(1 * kMs, 13).ok());
  ASSERT_TRUE(without.onConnected(1 * kMs, 13).ok());

  RttEstimator expected;
  expected.onSample(30 * kMs, 0);
  const RttEstimator& rtt = session.sentPackets().rtt();
  ASSERT_TRUE(rtt.hasSample());
  EXPECT_EQ(rtt.rto(), expected.rto());
  EXPECT_LT(rtt.rto(), without.sentPackets().rtt().rto());
  EXPECT_EQ(without.sentPackets().rtt().rto(), kInitialRtoUsec);
  EXPECT_EQ(session.realTimeStatus(1 * kMs).ping, 30);
  EXPECT_EQ(without.realTimeStatus(1 * kMs).ping, -1);
  EXPECT_EQ(session.congestion().state().min_rtt_usec, 30 * kMs);
  EXPECT_EQ(without.congestion().state().min_rtt_usec, kNever);
  // The initial pacing follows the measured path (initial window per RTT), not 200 ms.
  EXPECT_GT(session.pacer().rateBytesPerSec(), without.pacer().rateBytesPerSec());
  EXPECT_EQ(session.sentPackets().counters().rtt_samples, 0u) << "acks only";
}

TEST(SnpSessionHandshakeTest, SamplesAfterConnectedApplyAtOnce) {
  SnpSession session(SnpConfig{});  // created connected
  session.onHandshakeRttSample(0, 80 * kMs);
  session.onHandshakeRttSample(5 * kMs, 40 * kMs);  // a late ConnectOK resend, say
  RttEstimator expected;
  expected.onSample(80 * kMs, 0);
  expected.onSample(40 * kMs, 5 * kMs);
  EXPECT_EQ(session.sentPackets().rtt().smoothed(), expected.smoothed());
  EXPECT_EQ(session.sentPackets().rtt().rto(), expected.rto());
  EXPECT_EQ(session.congestion().state().min_rtt_usec, 40 * kMs);
}

TEST(SnpSessionHandshakeTest, SamplesSurviveTheRenumberingForAnOldPeer) {
  SnpSession session(connecting());
  session.onHandshakeRttSample(0, 50 * kMs);
  session.onHandshakeRttSample(400 * kMs, 70 * kMs);
  ASSERT_TRUE(session.onConnected(500 * kMs, 9).ok());
  EXPECT_EQ(session.nextPacketNumber(), 1u) << "peer below 10: data starts at 1 (§3.1)";
  RttEstimator expected;
  expected.onSample(50 * kMs, 0);
  expected.onSample(70 * kMs, 400 * kMs);
  ASSERT_TRUE(session.sentPackets().rtt().hasSample());
  EXPECT_EQ(session.sentPackets().rtt().smoothed(), expected.smoothed());
  EXPECT_EQ(session.sentPackets().rtt().rto(), expected.rto());
}

TEST(SnpSessionHandshakeTest, SamplesOutsideTheSanityRangeAreIgnored) {
  SnpSession session(connecting());
  session.onHandshakeRttSample(0, -5 * kMs);
  session.onHandshakeRttSample(0, kMaxRttSampleUsec + 1);
  ASSERT_TRUE(session.onConnected(0, 13).ok());
  EXPECT_FALSE(session.sentPackets().rtt().hasSample());
  EXPECT_EQ(session.congestion().state().min_rtt_usec, kNever);
  session.onHandshakeRttSample(0, kMaxRttSampleUsec);
  EXPECT_TRUE(session.sentPackets().rtt().hasSample());
}

TEST(SnpSessionHandshakeTest, OnConnectedGivesTheFinalPacketBudget) {
  // Created while connecting with the AES-GCM guess; the handshake chose NULL.
  SnpConfig config = connecting();
  config.cipher_tag_bytes = kAesGcmTagBytes;
  config.lane_count = 2;
  SnpSession session(config);
  EXPECT_EQ(session.maxPlaintextBytes(), maxPlaintextBytes(kDefaultMtuBytes, kAesGcmTagBytes, 0));
  const std::string early(4000, 'e');
  ASSERT_TRUE(
      session.sendMessage(0, 0, Bytes(early.begin(), early.end()), kSendReliableNoNagle).ok());
  ASSERT_TRUE(session.onConnected(0, 13, kDefaultMtuBytes, 0).ok());
  const size_t null_budget = maxPlaintextBytes(kDefaultMtuBytes, 0, 0);
  EXPECT_EQ(session.maxPlaintextBytes(), null_budget);

  // Lane 0 queued while connecting: its segments keep the guessed cap (1137, §5.1).
  std::optional<OutgoingPacket> packet = session.buildPacket(0);
  ASSERT_TRUE(packet.has_value());
  EXPECT_LE(packet->plaintext.size(), null_budget);
  std::vector<size_t> sizes = reliableSegmentSizes(*packet);
  ASSERT_FALSE(sizes.empty());
  EXPECT_EQ(sizes[0],
            maxReliableSegmentBytes(maxPlaintextBytes(kDefaultMtuBytes, kAesGcmTagBytes, 0)));

  // Lane 1 was never used: it takes the final cap (1153 under NULL).
  SnpSession fresh(config);
  ASSERT_TRUE(fresh.onConnected(0, 13, kDefaultMtuBytes, 0).ok());
  ASSERT_TRUE(
      fresh.sendMessage(0, 1, Bytes(early.begin(), early.end()), kSendReliableNoNagle).ok());
  packet = fresh.buildPacket(0);
  ASSERT_TRUE(packet.has_value());
  EXPECT_LE(packet->plaintext.size(), null_budget);
  sizes = reliableSegmentSizes(*packet);
  ASSERT_FALSE(sizes.empty());
  EXPECT_EQ(sizes[0], maxReliableSegmentBytes(null_budget));
}

}  // namespace
}  // namespace opengns::snp
