// SnpSession: the send API and its results, Nagle and flush, acks and their timing, loss
// and selective retransmission, receive limits, status numbers, and a replay of the
// recorded unencrypted_session (client to server) into a session acting as the server.
#include "snp/snp_session.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <variant>
#include <vector>

#include "common/log.h"
#include "session_pair.h"
#include "support/vectors.h"
#include "wire/snp_frame_decoder.h"
#include "wire/snp_frame_encoder.h"
#include "wire/snp_frames.h"

namespace opengns::snp {
namespace {

using testing::patternBytes;
using testing::SessionPair;
using transport::LinkEnd;
using transport::NetworkConditions;

std::vector<wire::SnpFrame> decodeFrames(const OutgoingPacket& packet,
                                         uint64_t ack_reference = 1u << 20) {
  wire::SnpDecodeContext context;
  context.packet_number = packet.packet_number;
  context.ack_reference_packet_number = ack_reference;
  absl::StatusOr<std::vector<wire::SnpFrame>> frames =
      wire::decodeSnpFrames(packet.plaintext, context);
  EXPECT_TRUE(frames.ok()) << frames.status();
  return frames.ok() ? *frames : std::vector<wire::SnpFrame>{};
}

size_t segmentCount(const std::vector<wire::SnpFrame>& frames) {
  size_t count = 0;
  for (const wire::SnpFrame& frame : frames) {
    count += std::holds_alternative<wire::ReliableSegmentFrame>(frame) ||
             std::holds_alternative<wire::UnreliableSegmentFrame>(frame);
  }
  return count;
}

SnpConfig nullCipher() {
  SnpConfig config;
  config.cipher_tag_bytes = 0;
  return config;
}

// Feeds one session's packet to another (no network).
ReceiveOutcome deliver(SnpSession& to, const OutgoingPacket& packet, Usec now,
                       std::vector<ReceivedMessage>& delivered,
                       AckUrgency urgency = AckUrgency::kNone, ReceiveQueueState queue = {}) {
  return to.receivePacket(now, packet.packet_number, packet.plaintext, urgency, queue, delivered);
}

// Builds packets until nothing is queued, advancing `now` as the pacer requires.
std::vector<OutgoingPacket> drain(SnpSession& session, Usec& now) {
  std::vector<OutgoingPacket> packets;
  for (int guard = 0; guard < 10000; ++guard) {
    const RealTimeStatus status = session.realTimeStatus(now);
    if (status.pending_reliable + status.pending_unreliable == 0) break;
    if (session.wantsToSend(now)) {
      packets.push_back(*session.buildPacket(now));
    } else {
      const Usec wake = session.nextWakeTime(now);
      EXPECT_NE(wake, kNever);
      if (wake == kNever) break;
      now = std::max(now, wake);
    }
  }
  return packets;
}

// The stream ranges of a packet's reliable segments, adjacent ones merged.
std::vector<std::pair<uint64_t, uint64_t>> reliableCoverage(
    const std::vector<wire::SnpFrame>& frames) {
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (const wire::SnpFrame& frame : frames) {
    if (const auto* r = std::get_if<wire::ReliableSegmentFrame>(&frame)) {
      const uint64_t begin = r->stream_position;
      const uint64_t end = begin + r->data.size();
      if (!ranges.empty() && ranges.back().second == begin) {
        ranges.back().second = end;
      } else {
        ranges.push_back({begin, end});
      }
    }
  }
  return ranges;
}

// ---------------------------------------------------------------------------------------
// Send API

TEST(SnpSessionSendTest, MessageNumbersPerLaneStartAtOneAndAreShared) {
  SnpSession session(SnpConfig{});
  ASSERT_TRUE(session.configureLanes(2, {}, {}).ok());
  EXPECT_EQ(*session.sendMessage(0, 0, Bytes{1}, kSendReliable), 1);
  EXPECT_EQ(*session.sendMessage(0, 0, Bytes{2}, kSendUnreliable), 2);
  EXPECT_EQ(*session.sendMessage(0, 1, Bytes{3}, kSendReliable), 1);
  EXPECT_EQ(*session.sendMessage(0, 0, Bytes{4}, kSendReliableNoNagle), 3);
}

TEST(SnpSessionSendTest, ErrorsMapToTheDocumentedResults) {
  SnpConfig config;
  config.send_buffer_bytes = 4096;  // the smallest allowed
  SnpSession session(config);
  // Lane not configured.
  absl::StatusOr<int64_t> r = session.sendMessage(0, 1, Bytes(10), kSendReliable);
  EXPECT_EQ(sendResultFromStatus(r.status()), Result::kInvalidParam);
  // Above 512 KiB (§5.3); exactly 512 KiB is fine when the buffer allows it.
  r = session.sendMessage(0, 0, Bytes(kMaxMessageSizeSend + 1), kSendReliable);
  EXPECT_EQ(sendResultFromStatus(r.status()), Result::kInvalidParam);
  EXPECT_NE(std::string(r.status().message()).find("524289"), std::string::npos);
  // SendBufferSize: queued + new > limit -> LimitExceeded, and no number is used.
  EXPECT_EQ(*session.sendMessage(0, 0, Bytes(3000), kSendReliable), 1);
  r = session.sendMessage(0, 0, Bytes(2000), kSendReliable);
  EXPECT_EQ(sendResultFromStatus(r.status()), Result::kLimitExceeded);
  EXPECT_EQ(*session.sendMessage(0, 0, Bytes(500), kSendReliable), 2);

  SnpConfig big;
  big.send_buffer_bytes = 1 << 20;
  SnpSession roomy(big);
  EXPECT_EQ(*roomy.sendMessage(0, 0, Bytes(kMaxMessageSizeSend), kSendReliable), 1);
}

TEST(SnpSessionSendTest, NoDelayIsIgnoredWhileConnectingAndBehindABacklog) {
  SnpConfig connecting;
  connecting.connected = false;
  SnpSession session(connecting);
  absl::StatusOr<int64_t> r = session.sendMessage(0, 0, Bytes(10), kSendUnreliableNoDelay);
  EXPECT_EQ(sendResultFromStatus(r.status()), Result::kIgnored);
  // Other messages queue while connecting and keep their numbers (§2.1).
  EXPECT_EQ(*session.sendMessage(0, 0, Bytes(10), kSendReliable), 1);
  EXPECT_FALSE(session.buildPacket(0).has_value());
  EXPECT_EQ(sendResultFromStatus(session.flush(0)), Result::kIgnored);
  ASSERT_TRUE(session.onConnected(0, 13).ok());
  EXPECT_TRUE(session.wantsToSend(0));  // the flush cleared the Nagle timer

  // Connected: fine while the queue is short...
  SnpConfig slow;
  slow.send_rate_min_bytes_per_sec = 100000;
  slow.send_rate_max_bytes_per_sec = 100000;  // min = max pins the rate
  SnpSession connected(slow);
  EXPECT_EQ(*connected.sendMessage(0, 0, Bytes(100), kSendUnreliableNoDelay), 1);
  // ...but 100 KB queued ahead need ~1 s at 100 KB/s, far above 5 ms: dropped, no number.
  EXPECT_EQ(*connected.sendMessage(0, 0, Bytes(100000), kSendReliable), 2);
  r = connected.sendMessage(0, 0, Bytes(100), kSendUnreliableNoDelay);
  EXPECT_EQ(sendResultFromStatus(r.status()), Result::kIgnored);
  EXPECT_EQ(*connected.sendMessage(0, 0, Bytes(100), kSendUnreliable), 3);
  EXPECT_EQ(connected.counters().no_delay_dropped, 1u);
}

TEST(SnpSessionSendTest, UnreliableAbove16500BytesIsSentReliable) {
  SessionPair pair(SnpConfig{}, SnpConfig{}, {}, {}, 1);
  pair.addMessage(LinkEnd::kA, 0, kSendUnreliable, patternBytes(1, kMaxUnreliableMessageBytes));
  pair.addMessage(LinkEnd::kA, 0, kSendUnreliable, patternBytes(2, kMaxUnreliableMessageBytes + 1));
  ASSERT_TRUE(pair.run());
  const auto& received = pair.state(LinkEnd::kB).received;
  ASSERT_EQ(received.size(), 2u);
  for (const ReceivedMessage& m : received) {
    EXPECT_EQ(m.reliable, m.data.size() > kMaxUnreliableMessageBytes) << m.message_number;
  }
  pair.verifyDelivery(LinkEnd::kB);
}

TEST(SnpSessionSendTest, ConfigureLanesFollowsTheApiRules) {
  SnpSession session(SnpConfig{});
  const std::vector<uint16_t> zero_weight = {1, 0};
  EXPECT_EQ(sendResultFromStatus(session.configureLanes(2, {}, zero_weight)),
            Result::kInvalidParam);
  EXPECT_EQ(sendResultFromStatus(session.configureLanes(256, {}, {})), Result::kInvalidParam);
  EXPECT_TRUE(session.configureLanes(255, {}, {}).ok());
  EXPECT_EQ(sendResultFromStatus(session.configureLanes(3, {}, {})), Result::kInvalidParam)
      << "lanes are only added";
  EXPECT_EQ(session.laneCount(), 255u);
  EXPECT_TRUE(session.sendMessage(0, 254, Bytes(5), kSendReliable).ok());

  SnpConfig old_peer;
  old_peer.peer_protocol_version = 10;
  SnpSession v10(old_peer);
  EXPECT_EQ(sendResultFromStatus(v10.configureLanes(2, {}, {})), Result::kFail);
  EXPECT_TRUE(v10.configureLanes(1, {}, {}).ok());

  // Not connected yet: the check waits for the handshake.
  SnpConfig connecting;
  connecting.connected = false;
  SnpSession later(connecting);
  EXPECT_TRUE(later.configureLanes(2, {}, {}).ok());
  EXPECT_EQ(sendResultFromStatus(later.onConnected(0, 10)), Result::kFail);
}

// ---------------------------------------------------------------------------------------
// Nagle and flush (§6.2)

TEST(SnpSessionNagleTest, SmallMessagesWaitForTheNagleTimeAndGoInOnePacket) {
  SnpSession session(nullCipher());
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(session.sendMessage(0, 0, Bytes(25, 'x'), kSendReliable).ok());
  EXPECT_FALSE(session.wantsToSend(0));
  EXPECT_FALSE(session.wantsToSend(kDefaultNagleTimeUsec - 1));
  EXPECT_EQ(session.nextWakeTime(0), kDefaultNagleTimeUsec);
  EXPECT_TRUE(session.wantsToSend(kDefaultNagleTimeUsec));
  std::optional<OutgoingPacket> packet = session.buildPacket(kDefaultNagleTimeUsec);
  ASSERT_TRUE(packet.has_value());
  SnpSession receiver(nullCipher());
  std::vector<ReceivedMessage> delivered;
  EXPECT_EQ(deliver(receiver, *packet, kDefaultNagleTimeUsec, delivered).action,
            ReceiveOutcome::Action::kAcked);
  EXPECT_EQ(delivered.size(), 3u);
  EXPECT_FALSE(session.wantsToSend(kDefaultNagleTimeUsec));
}

TEST(SnpSessionNagleTest, FlushAndNoNagleSendAtOnce) {
  SnpSession flushed(nullCipher());
  ASSERT_TRUE(flushed.sendMessage(0, 0, Bytes(25), kSendReliable).ok());
  EXPECT_FALSE(flushed.wantsToSend(0));
  EXPECT_TRUE(flushed.flush(0).ok());
  EXPECT_TRUE(flushed.wantsToSend(0));

  SnpSession no_nagle(nullCipher());
  ASSERT_TRUE(no_nagle.configureLanes(2, {}, {}).ok());
  ASSERT_TRUE(no_nagle.sendMessage(0, 1, Bytes(25), kSendReliable).ok());
  ASSERT_TRUE(no_nagle.sendMessage(0, 0, Bytes(25), kSendUnreliable).ok());
  EXPECT_FALSE(no_nagle.wantsToSend(0));
  // §6.1: NoNagle clears this message's timer and every queued one's.
  ASSERT_TRUE(no_nagle.sendMessage(0, 0, Bytes(25), kSendReliableNoNagle).ok());
  EXPECT_TRUE(no_nagle.wantsToSend(0));
  std::optional<OutgoingPacket> packet = no_nagle.buildPacket(0);
  ASSERT_TRUE(packet.has_value());
  EXPECT_EQ(segmentCount(decodeFrames(*packet)), 3u) << "all three in the first packet";
}

TEST(SnpSessionNagleTest, AFullPacketOfQueuedDataGoesWithoutWaiting) {
  SnpSession session(nullCipher());
  ASSERT_TRUE(session.sendMessage(0, 0, Bytes(2000), kSendReliable).ok());
  EXPECT_TRUE(session.wantsToSend(0));
}

// ---------------------------------------------------------------------------------------
// Acks (§3.2)

TEST(SnpSessionAckTest, ReliableDataIsAckedWithin50MsUnreliableDataIsNotByTheReferenceRule) {
  SnpSession sender(nullCipher());
  SnpConfig reference_rule = nullCipher();
  reference_rule.reference_ack_rules = true;
  SnpSession receiver(reference_rule);
  std::vector<ReceivedMessage> delivered;
  ASSERT_TRUE(sender.sendMessage(0, 0, Bytes(10), kSendUnreliableNoNagle).ok());
  std::optional<OutgoingPacket> p1 = sender.buildPacket(0);
  ASSERT_TRUE(p1.has_value());
  deliver(receiver, *p1, 1000, delivered);
  EXPECT_EQ(receiver.ackDueTime(), kNever) << "unreliable only: no ack scheduled";

  ASSERT_TRUE(sender.sendMessage(2000, 0, Bytes(10), kSendReliableNoNagle).ok());
  std::optional<OutgoingPacket> p2 = sender.buildPacket(2000);
  ASSERT_TRUE(p2.has_value());
  deliver(receiver, *p2, 3000, delivered);
  EXPECT_EQ(receiver.ackDueTime(), 3000 + kMaxDataAckDelayUsec);
  EXPECT_FALSE(receiver.wantsToSend(3000 + kMaxDataAckDelayUsec - 1));
  EXPECT_TRUE(receiver.wantsToSend(3000 + kMaxDataAckDelayUsec));
  std::optional<OutgoingPacket> ack = receiver.buildPacket(3000 + kMaxDataAckDelayUsec);
  ASSERT_TRUE(ack.has_value());
  EXPECT_EQ(ack->plaintext.size(), 7u) << "ack-only packet: stop-waiting + ack";
  std::vector<wire::SnpFrame> frames = decodeFrames(*ack, sender.nextPacketNumber());
  ASSERT_EQ(frames.size(), 2u);
  const auto& frame = std::get<wire::AckFrame>(frames[1]);
  EXPECT_EQ(frame.latest_packet_number, p2->packet_number);
  EXPECT_EQ(frame.delay_raw, kMaxDataAckDelayUsec / 32);  // §1.8: 32 us units
  EXPECT_EQ(receiver.ackDueTime(), kNever);

  // The sender takes an RTT sample (the peer's hold time taken out).
  std::vector<ReceivedMessage> none;
  deliver(sender, *ack, 3000 + kMaxDataAckDelayUsec + 1000, none);
  EXPECT_TRUE(sender.sentPackets().rtt().hasSample());
  EXPECT_EQ(sender.realTimeStatus(0).ping, 2);  // 2 ms = 1 ms each way here
  EXPECT_EQ(sender.realTimeStatus(0).send_unacknowledged_reliable, 0);
}

TEST(SnpSessionAckTest, OurReceiverAcksUnreliableDataAndOurSenderDoesNotWaitForIt) {
  // Our rule: unreliable-only packets are acked within the delayed-ack time too ...
  SnpSession sender(nullCipher());
  SnpSession receiver(nullCipher());
  std::vector<ReceivedMessage> delivered;
  ASSERT_TRUE(sender.sendMessage(0, 0, Bytes(10), kSendUnreliableNoNagle).ok());
  std::optional<OutgoingPacket> p1 = sender.buildPacket(0);
  ASSERT_TRUE(p1.has_value());
  EXPECT_EQ(sender.sentPackets().bytesInFlight(), 0u) << "outside the congestion window";
  deliver(receiver, *p1, 1000, delivered);
  EXPECT_EQ(receiver.ackDueTime(), 1000 + kMaxDataAckDelayUsec);

  // ... and a sender whose unreliable packets are never acked (a GNS peer) keeps
  // sending them at its rate: they do not fill its congestion window. (Before, they
  // counted in flight and the window closed after a few dozen packets.)
  Usec now = 2000;
  int packets = 0;
  for (int i = 0; i < 500; ++i) {
    absl::StatusOr<int64_t> sent = sender.sendMessage(now, 0, Bytes(1000), kSendUnreliableNoNagle);
    ASSERT_TRUE(sent.ok()) << "message " << i << ": " << sent.status();
    while (sender.wantsToSend(now)) {
      ASSERT_TRUE(sender.buildPacket(now).has_value());
      ++packets;
    }
    now += 8000;  // 125 KB/s offered: below SendRateMin, what it sends without samples
  }
  EXPECT_EQ(packets, 500);
  EXPECT_EQ(sender.sentPackets().bytesInFlight(), 0u);
}

TEST(SnpSessionAckTest, PeerBelowProtocol10StartsAtPacket1WithoutAnAckFrame) {
  // snp.md §3.1: below v10 the handshake is not packet 1; the first data packet is 1 with
  // stop-waiting `80 00` and no ack frame (nothing received yet): `80 00 50 ...`.
  SnpConfig v9 = nullCipher();
  v9.peer_protocol_version = 9;
  SnpSession session(v9);
  ASSERT_TRUE(session.sendMessage(0, 0, Bytes{'h', 'i'}, kSendReliableNoNagle).ok());
  std::optional<OutgoingPacket> packet = session.buildPacket(0);
  ASSERT_TRUE(packet.has_value());
  EXPECT_EQ(packet->packet_number, 1u);
  EXPECT_EQ(toHex(packet->plaintext).substr(0, 6), "800057");  // size to the end: last frame
  EXPECT_FALSE(packet->carries_ack);
  // Both ends at v9 exchange messages normally.
  SessionPair pair(v9, v9, {}, {}, 3);
  for (int i = 0; i < 20; ++i) {
    pair.addMessage(LinkEnd::kA, 0, kSendReliable, patternBytes(i, 100 * i));
    pair.addMessage(LinkEnd::kB, 0, kSendReliable, patternBytes(i + 50, 90 * i));
  }
  ASSERT_TRUE(pair.run());
  pair.verifyDelivery(LinkEnd::kA);
  pair.verifyDelivery(LinkEnd::kB);
  EXPECT_EQ(pair.state(LinkEnd::kB).received.size(), 20u);
}

TEST(SnpSessionAckTest, AnImmediateRequestIsAnsweredAtOnce) {
  SnpSession sender(nullCipher());
  SnpSession receiver(nullCipher());
  std::optional<OutgoingPacket> p = sender.buildPacket(0);
  ASSERT_TRUE(p.has_value());
  std::vector<ReceivedMessage> delivered;
  deliver(receiver, *p, 10, delivered, AckUrgency::kImmediate);
  EXPECT_EQ(receiver.ackDueTime(), 10);
  EXPECT_TRUE(receiver.wantsToSend(10));
}

TEST(SnpSessionAckTest, LossIsNackedAndOnlyTheLostRangeIsResent) {
  SnpSession sender(nullCipher());
  SnpSession receiver(nullCipher());
  std::vector<ReceivedMessage> delivered;
  ASSERT_TRUE(sender.sendMessage(0, 0, patternBytes(1, 3000), kSendReliableNoNagle).ok());
  Usec now = 0;
  std::vector<OutgoingPacket> sent = drain(sender, now);
  ASSERT_EQ(sent.size(), 3u);
  // The middle packet is lost.
  deliver(receiver, sent[0], now + 10000, delivered);
  deliver(receiver, sent[2], now + 10000, delivered);
  EXPECT_TRUE(delivered.empty());
  now += 10000 + kNackDelayUsec;
  EXPECT_TRUE(receiver.wantsToSend(now)) << "the gap is nacked after 3 ms";
  std::optional<OutgoingPacket> nack = receiver.buildPacket(now);
  ASSERT_TRUE(nack.has_value());
  std::vector<ReceivedMessage> none;
  // The sender's reordering window is a fraction of the RTT: by 50 ms the loss is judged.
  now += 50000;
  deliver(sender, *nack, now, none);
  sender.onWake(now + 50000);
  now += 50000;
  ASSERT_TRUE(sender.wantsToSend(now));
  std::optional<OutgoingPacket> resend = sender.buildPacket(now);
  ASSERT_TRUE(resend.has_value());
  // The resend carries exactly the stream bytes of the lost packet (selective repeat).
  const auto lost = reliableCoverage(decodeFrames(sent[1]));
  ASSERT_EQ(lost.size(), 1u);
  EXPECT_EQ(reliableCoverage(decodeFrames(*resend)), lost);
  EXPECT_FALSE(sender.wantsToSend(now)) << "nothing else is resent";
  deliver(receiver, *resend, now + 10000, delivered);
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(delivered[0].data, patternBytes(1, 3000));
  EXPECT_EQ(sender.counters().reliable_bytes_resent, lost[0].second - lost[0].first);
}

// ---------------------------------------------------------------------------------------
// Receive side: errors and limits

TEST(SnpSessionReceiveTest, DecodeErrorClosesWithInternalError) {
  SnpSession session(SnpConfig{});
  std::vector<ReceivedMessage> delivered;
  const Bytes reserved = {0x80, 0x01, 0x60};  // §1.1: 0x60 is a reserved lead byte
  ReceiveOutcome outcome = session.receivePacket(0, 2, reserved, AckUrgency::kNone, {}, delivered);
  EXPECT_EQ(outcome.action, ReceiveOutcome::Action::kClose);
  EXPECT_EQ(outcome.end_reason, ConnectionEnd::kMiscInternalError);
  EXPECT_FALSE(outcome.debug.empty());
}

TEST(SnpSessionReceiveTest, AnAckOfAPacketNeverSentDropsThePacket) {
  SnpSession session(SnpConfig{});
  std::vector<ReceivedMessage> delivered;
  // Stop-waiting, then an ack of packet 9 (we have sent nothing), then a reliable message.
  const Bytes plaintext = {0x80, 0x01, 0x98, 0x09, 0x00, 0xff, 0xff, 0x57, 0x01,
                           0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 'h',  'i'};
  ReceiveOutcome outcome = session.receivePacket(0, 2, plaintext, AckUrgency::kNone, {}, delivered);
  EXPECT_EQ(outcome.action, ReceiveOutcome::Action::kDropped);
  EXPECT_TRUE(delivered.empty());
}

TEST(SnpSessionReceiveTest, MessageAboveRecvMaxMessageSizeCloses) {
  SnpConfig config;
  config.recv_max_message_bytes = 64;
  SnpSession sender(SnpConfig{});
  SnpSession receiver(config);
  ASSERT_TRUE(sender.sendMessage(0, 0, Bytes(100), kSendReliableNoNagle).ok());
  std::vector<ReceivedMessage> delivered;
  ReceiveOutcome outcome = deliver(receiver, *sender.buildPacket(0), 0, delivered);
  EXPECT_EQ(outcome.action, ReceiveOutcome::Action::kClose);
  EXPECT_EQ(outcome.end_reason, ConnectionEnd::kMiscInternalError);
  EXPECT_NE(outcome.debug.find("100"), std::string::npos) << outcome.debug;
}

TEST(SnpSessionReceiveTest, FullApplicationQueueRefusesReliableDataWithoutAck) {
  SnpConfig config;
  config.recv_buffer_messages = 2;
  SnpSession sender(SnpConfig{});
  SnpSession receiver(config);
  ASSERT_TRUE(sender.sendMessage(0, 0, Bytes(10), kSendReliableNoNagle).ok());
  std::optional<OutgoingPacket> packet = sender.buildPacket(0);
  std::vector<ReceivedMessage> delivered;
  ReceiveOutcome outcome =
      deliver(receiver, *packet, 0, delivered, AckUrgency::kNone, ReceiveQueueState{2, 20});
  EXPECT_EQ(outcome.action, ReceiveOutcome::Action::kNotAcked);
  EXPECT_TRUE(delivered.empty());
  EXPECT_FALSE(receiver.acks().reportsReceived(packet->packet_number));
  // An ack flush is scheduled (2 x (RTT + 5 ms)) so the sender hears of the gap.
  EXPECT_NE(receiver.ackDueTime(), kNever);
  // Once the application drained its queue, the resent data is taken.
  ASSERT_TRUE(sender.sendMessage(0, 0, Bytes(11), kSendReliableNoNagle).ok());
  outcome = deliver(receiver, *sender.buildPacket(1), 1, delivered);
  EXPECT_EQ(outcome.action, ReceiveOutcome::Action::kAcked);
}

TEST(SnpSessionReceiveTest, ReliableDataBeyondRecvBufferSizeIsNotAcked) {
  SnpConfig config;
  config.recv_buffer_bytes = 4096;
  SnpSession sender(SnpConfig{});
  SnpSession receiver(config);
  // Two messages of 3000 bytes (a single message above RecvBufferSize would close the
  // connection instead, §2.3).
  ASSERT_TRUE(sender.sendMessage(0, 0, patternBytes(3, 3000), kSendReliable).ok());
  ASSERT_TRUE(sender.sendMessage(0, 0, patternBytes(4, 3000), kSendReliableNoNagle).ok());
  Usec now = 0;
  std::vector<OutgoingPacket> packets = drain(sender, now);
  ASSERT_EQ(packets.size(), 5u);
  std::vector<ReceivedMessage> delivered;
  // The last packet reaches past 4096 bytes beyond the next undelivered byte (1).
  EXPECT_EQ(deliver(receiver, packets.back(), 0, delivered).action,
            ReceiveOutcome::Action::kNotAcked);
  EXPECT_FALSE(receiver.acks().reportsReceived(packets.back().packet_number));
  for (size_t i = 0; i + 1 < packets.size(); ++i) {
    EXPECT_EQ(deliver(receiver, packets[i], 0, delivered).action, ReceiveOutcome::Action::kAcked)
        << i;
  }
  EXPECT_EQ(delivered.size(), 1u) << "the first message; the second waits for the resend";
}

TEST(SnpSessionReceiveTest, MoreSegmentsThanRecvMaxSegmentsPerPacketAreNotAcked) {
  SnpConfig config;
  config.recv_max_segments_per_packet = 1;
  SnpSession sender(SnpConfig{});
  ASSERT_TRUE(sender.configureLanes(2, {}, {}).ok());
  SnpSession receiver(config);
  ASSERT_TRUE(sender.sendMessage(0, 0, Bytes(10), kSendReliable).ok());
  ASSERT_TRUE(sender.sendMessage(0, 1, Bytes(10), kSendReliableNoNagle).ok());
  std::optional<OutgoingPacket> packet = sender.buildPacket(0);
  ASSERT_EQ(segmentCount(decodeFrames(*packet)), 2u);
  std::vector<ReceivedMessage> delivered;
  EXPECT_EQ(deliver(receiver, *packet, 0, delivered).action, ReceiveOutcome::Action::kNotAcked);
  EXPECT_EQ(receiver.counters().segments_over_packet_limit, 1u);
}

// ---------------------------------------------------------------------------------------
// Status numbers

TEST(SnpSessionStatusTest, PendingQueueTimeAndSendRate) {
  SnpConfig config = nullCipher();
  config.send_rate_min_bytes_per_sec = 124800;
  config.send_rate_max_bytes_per_sec = 124800;
  SnpSession session(config);
  ASSERT_TRUE(session.sendMessage(0, 0, Bytes(5000), kSendReliable).ok());
  ASSERT_TRUE(session.sendMessage(0, 0, Bytes(300), kSendUnreliable).ok());
  RealTimeStatus status = session.realTimeStatus(0);
  EXPECT_EQ(status.state, ConnectionState::kConnected);
  EXPECT_EQ(status.ping, -1);
  EXPECT_EQ(status.pending_reliable, 5000 + 3);  // header 0x20 + 2 var-int bytes (§2.3)
  EXPECT_EQ(status.pending_unreliable, 300);
  EXPECT_EQ(status.send_unacknowledged_reliable, 0);
  EXPECT_EQ(status.send_rate,
            static_cast<int>(session.congestion().state().send_rate_bytes_per_sec));
  // lifecycle.md §8.4: 5303 bytes -> 4 whole packets of 1248 -> 4992 bytes at 124800 B/s.
  EXPECT_EQ(status.queue_time, 4992 * 1000000LL / status.send_rate);
  LaneStatus lane = session.laneStatus(0, 0);
  EXPECT_EQ(lane.pending_reliable, 5003);
  EXPECT_EQ(lane.pending_unreliable, 300);

  Usec now = 0;
  drain(session, now);
  status = session.realTimeStatus(now);
  EXPECT_GT(status.send_unacknowledged_reliable, 0);
  EXPECT_EQ(status.pending_reliable, 0);

  SnpConfig connecting;
  connecting.connected = false;
  EXPECT_EQ(SnpSession(connecting).realTimeStatus(0).queue_time, INT64_MAX);
}

TEST(SnpSessionStatusTest, SeveralLanesReportPerLaneQueueTimes) {
  SnpConfig config;
  config.lane_count = 3;
  config.lane_priorities = {0, 1, 1};
  config.lane_weights = {1, 1, 3};
  config.send_rate_min_bytes_per_sec = 100000;
  config.send_rate_max_bytes_per_sec = 100000;
  SnpSession session(config);
  ASSERT_TRUE(session.sendMessage(0, 0, Bytes(9999), kSendReliable).ok());  // 10002 with header
  ASSERT_TRUE(session.sendMessage(0, 1, Bytes(9999), kSendReliable).ok());
  ASSERT_TRUE(session.sendMessage(0, 2, Bytes(29999), kSendReliable).ok());  // 30002
  EXPECT_EQ(session.realTimeStatus(0).queue_time, INT64_MAX);  // several lanes: as GNS
  // Lane 0 (alone in the top class): its own bytes. Lanes 1 and 2 share the next class
  // 1:3 and finish together (10002/1 = 30002/3 within rounding): both need everything.
  EXPECT_EQ(session.laneStatus(0, 0).queue_time, 100020);
  EXPECT_NEAR(static_cast<double>(session.laneStatus(1, 0).queue_time), 500060, 100);
  EXPECT_NEAR(static_cast<double>(session.laneStatus(2, 0).queue_time), 500060, 100);
}

TEST(SnpSessionStatusTest, TrafficRatesUseCompletedFiveSecondIntervals) {
  SnpSession session(nullCipher());
  session.countDatagramOut(0, 1000);
  EXPECT_EQ(session.realTimeStatus(1 * kUsecPerSec).bytes_out_per_second, 0);
  session.countDatagramOut(4 * kUsecPerSec, 1000);
  // The first interval [0, 5 s) held 2 datagrams, 2000 bytes.
  const RealTimeStatus status = session.realTimeStatus(6 * kUsecPerSec);
  EXPECT_FLOAT_EQ(status.packets_out_per_second, 2.0f / 5);
  EXPECT_FLOAT_EQ(status.bytes_out_per_second, 2000.0f / 5);
  EXPECT_EQ(session.realTimeStatus(11 * kUsecPerSec).bytes_out_per_second, 0);
}

// ---------------------------------------------------------------------------------------
// The recorded unencrypted_session, client -> server, into a session acting as the server.

TEST(SnpSessionVectorTest, UnencryptedSessionServerSideReplay) {
  const uint64_t bugs_before = bugCount();  // other tests provoke bugs on purpose
  OPENGNS_REQUIRE_SHARED();
  namespace vt = opengns::testing;
  const nlohmann::json capture =
      vt::loadJson(vt::vectorsDir() / "unencrypted_session.packets.json");
  const nlohmann::json app =
      vt::loadJson(vt::vectorsDir() / "unencrypted_session.app_messages.json");
  SnpConfig config = nullCipher();    // the NULL cipher, peer protocol 13
  config.reference_ack_rules = true;  // the reference's ack timing, to compare its packets
  SnpSession server(config);

  std::vector<nlohmann::json> server_sends;
  std::vector<nlohmann::json> server_recvs;
  for (const nlohmann::json& event : app["app_events"]) {
    if (event["side"] != "server") continue;
    if (event["event"] == "send") server_sends.push_back(event);
    if (event["event"] == "recv") server_recvs.push_back(event);
  }
  size_t next_send = 0;
  double t0 = -1;
  std::vector<ReceivedMessage> delivered;
  uint64_t client_highest = 1;
  size_t s2c_compared = 0;
  for (const nlohmann::json& packet : capture["packets"]) {
    if (packet["kind"] != "data") continue;
    const double t = packet["t_pcap"].get<double>();
    if (t0 < 0) t0 = t;
    const Usec now = static_cast<Usec>(std::llround((t - t0) * 1e6)) + 1000000;
    // The server application's sends before this packet.
    while (next_send < server_sends.size() &&
           server_sends[next_send]["t_realtime"].get<double>() <= t) {
      const nlohmann::json& e = server_sends[next_send++];
      absl::StatusOr<int64_t> number =
          server.sendMessage(now, e["lane"].get<uint32_t>(),
                             vt::hexBytes(e["data_hex"].get<std::string>()), e["flags"].get<int>());
      ASSERT_TRUE(number.ok());
      EXPECT_EQ(*number, e["msg_num_or_result"].get<int64_t>());
    }
    const uint64_t number = packet["full_packet_number"].get<uint64_t>();
    const Bytes plaintext = vt::hexBytes(packet["plaintext_hex"].get<std::string>());
    if (packet["direction"] == "c2s") {
      // Whatever the reference server did not send, ours would not have sent either.
      EXPECT_FALSE(server.wantsToSend(now)) << "before idx " << packet["index"];
      ReceiveOutcome outcome =
          server.receivePacket(now, number, plaintext, AckUrgency::kNone, {}, delivered);
      EXPECT_EQ(outcome.action, ReceiveOutcome::Action::kAcked)
          << "idx " << packet["index"] << ": " << outcome.debug;
      client_highest = std::max(client_highest, number);
      continue;
    }
    // The reference server sent a data packet now: so does ours, with the same number.
    EXPECT_TRUE(server.wantsToSend(now)) << "idx " << packet["index"];
    std::optional<OutgoingPacket> ours = server.buildPacket(now);
    ASSERT_TRUE(ours.has_value());
    EXPECT_EQ(ours->packet_number, number);
    // Same frames as the reference, except the ack delay field (our clock is the capture's
    // timestamps, the reference's its own): compare it within 2 ms.
    std::vector<wire::SnpFrame> our_frames = decodeFrames(*ours, client_highest + 1);
    wire::SnpDecodeContext context;
    context.packet_number = number;
    context.ack_reference_packet_number = client_highest + 1;
    absl::StatusOr<std::vector<wire::SnpFrame>> recorded =
        wire::decodeSnpFrames(plaintext, context);
    ASSERT_TRUE(recorded.ok());
    ASSERT_EQ(our_frames.size(), recorded->size()) << "idx " << packet["index"];
    ASSERT_GE(our_frames.size(), 2u);
    auto& our_ack = std::get<wire::AckFrame>(our_frames[1]);
    auto& their_ack = std::get<wire::AckFrame>((*recorded)[1]);
    EXPECT_LE(std::abs(static_cast<int>(our_ack.delay_raw) - static_cast<int>(their_ack.delay_raw)),
              64)
        << "idx " << packet["index"];
    our_ack.delay_raw = their_ack.delay_raw;
    absl::StatusOr<Bytes> reencoded =
        wire::encodeSnpFrames(our_frames, wire::SnpEncodeContext{number});
    ASSERT_TRUE(reencoded.ok());
    EXPECT_EQ(toHex(*reencoded), toHex(plaintext)) << "idx " << packet["index"];
    ++s2c_compared;
  }
  EXPECT_EQ(s2c_compared, 6u);  // idx 5, 7, 9, 18, 20, 23
  // Every message the reference server received, in order, identical.
  ASSERT_EQ(delivered.size(), server_recvs.size());
  for (size_t i = 0; i < delivered.size(); ++i) {
    const nlohmann::json& e = server_recvs[i];
    EXPECT_EQ(delivered[i].lane, e["lane"].get<uint32_t>()) << i;
    EXPECT_EQ(delivered[i].message_number, e["msg_num"].get<uint64_t>()) << i;
    EXPECT_EQ(delivered[i].reliable, e["reliable"].get<int>() != 0) << i;
    EXPECT_EQ(toHex(delivered[i].data), e["data_hex"].get<std::string>()) << i;
  }
  EXPECT_EQ(bugCount(), bugs_before);
}

}  // namespace
}  // namespace opengns::snp
