// SentPacketTracker: ack frame processing (snp.md §1.8, §3.6), the stop value (§3.5),
// RTT samples (§3.7), loss by reordering threshold and RTO (§4, ours), late acks, bytes in
// flight, bounded memory; and a replay of lossy_session's server side: the server's data
// packets and the client's ack frames, in capture order and at capture times.
#include "snp/sent_packet_tracker.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "common/log.h"
#include "support/vectors.h"
#include "wire/snp_frame_decoder.h"
#include "wire/snp_frames.h"

namespace opengns::snp {
namespace {

constexpr Usec kMs = kUsecPerMsec;
constexpr uint32_t kVersion = 13;
constexpr uint16_t kNoTiming = 0xFFFF;

// Records every callback.
struct RecordingSink : AckSink {
  std::vector<SentRange> acked;
  std::vector<SentRange> lost;
  std::vector<Usec> rtt_samples;
  uint64_t bytes_acked = 0;
  uint64_t bytes_lost = 0;
  int bytes_acked_calls = 0;
  int bytes_lost_calls = 0;
  std::vector<std::pair<uint64_t, LossReason>> lost_packets;

  void onRangeAcked(const SentRange& range) override { acked.push_back(range); }
  void onRangeLost(const SentRange& range) override { lost.push_back(range); }
  void onRttSample(Usec rtt_usec) override { rtt_samples.push_back(rtt_usec); }
  void onBytesAcked(uint64_t bytes, Usec) override {
    bytes_acked += bytes;
    ++bytes_acked_calls;
  }
  void onBytesLost(uint64_t bytes, Usec) override {
    bytes_lost += bytes;
    ++bytes_lost_calls;
  }
  void onPacketLost(uint64_t number, LossReason reason) override {
    lost_packets.emplace_back(number, reason);
  }
  void clear() { *this = RecordingSink(); }
};

// Packet n carries one reliable range that names it: lane 0, [100 n, 100 n + 10).
SentRange rangeOf(uint64_t n) {
  return {0, 100 * n, 100 * n + 10};
}
std::vector<SentRange> rangesOf(std::initializer_list<uint64_t> numbers) {
  std::vector<SentRange> out;
  for (uint64_t n : numbers)
    out.push_back(rangeOf(n));
  return out;
}
std::set<uint64_t> packetsOf(const std::vector<SentRange>& ranges) {
  std::set<uint64_t> out;
  for (const SentRange& r : ranges)
    out.insert(r.begin / 100);
  return out;
}

// An ack frame as the decoder builds it (§1.8): blocks of (ack run, nack run) walking
// down from `latest`.
wire::AckFrame ackFrame(uint64_t latest, uint16_t delay_raw,
                        std::vector<std::pair<uint64_t, uint64_t>> runs = {}) {
  wire::AckFrame ack;
  ack.latest_packet_number = latest;
  ack.delay_raw = delay_raw;
  uint64_t end = latest + 1;
  for (const auto& [ack_run, nack_run] : runs) {
    wire::AckBlock block;
    block.acked_end = end;
    block.acked_begin = end - ack_run;
    block.nacked_end = block.acked_begin;
    block.nacked_begin = block.acked_begin - nack_run;
    ack.blocks.push_back(block);
    end = block.nacked_begin;
  }
  ack.implicit_acked_end = end;
  return ack;
}

// Sends packets [first, last] at `now` (+1 us each), each with its named range.
void sendRange(SentPacketTracker& tracker, uint64_t first, uint64_t last, Usec now,
               uint32_t bytes = 100) {
  for (uint64_t n = first; n <= last; ++n) {
    const SentRange range = rangeOf(n);
    tracker.onPacketSent(n, now + static_cast<Usec>(n - first), bytes, {&range, 1});
  }
}

TEST(SentPacketTrackerTest, FirstPacketNumberDependsOnPeerVersion) {
  EXPECT_EQ(SentPacketTracker(13).nextPacketNumber(), 2u);
  EXPECT_EQ(SentPacketTracker(10).nextPacketNumber(), 2u);
  EXPECT_EQ(SentPacketTracker(9).nextPacketNumber(), 1u);
  const SentPacketTracker tracker(kVersion);
  EXPECT_EQ(tracker.stopValue(), 0u);
  EXPECT_EQ(tracker.bytesInFlight(), 0u);
  EXPECT_EQ(tracker.nextWakeTime(), kNever);
}

TEST(SentPacketTrackerTest, FirstAckOfTheConnectionAcksOnlyNominalPackets) {
  // §1.8 interop note: `98 01 00 ff ff` (latest 1, no timing) "acks" packets 0 and 1,
  // which were never sent: ignored, not an error. S_sender becomes 1 (§3.1).
  SentPacketTracker tracker(kVersion);
  sendRange(tracker, 2, 3, 0);
  RecordingSink sink;
  ASSERT_TRUE(tracker.onAckFrame(ackFrame(1, kNoTiming), 5 * kMs, sink).ok());
  EXPECT_TRUE(sink.acked.empty());
  EXPECT_TRUE(sink.rtt_samples.empty());
  EXPECT_EQ(sink.bytes_acked_calls, 0);
  EXPECT_EQ(tracker.stopValue(), 1u);
  EXPECT_EQ(tracker.packetsInFlight(), 2u);
}

TEST(SentPacketTrackerTest, AckWithoutBlocksAcksFromStopValueThroughLatest) {
  SentPacketTracker tracker(kVersion);
  sendRange(tracker, 2, 6, 0);
  RecordingSink sink;
  ASSERT_TRUE(tracker.onAckFrame(ackFrame(4, kNoTiming), 10 * kMs, sink).ok());
  EXPECT_EQ(packetsOf(sink.acked), (std::set<uint64_t>{2, 3, 4}));
  EXPECT_EQ(sink.bytes_acked, 300u);
  EXPECT_EQ(sink.bytes_acked_calls, 1);
  EXPECT_EQ(tracker.bytesInFlight(), 200u);
  EXPECT_EQ(tracker.stopValue(), 4u);
  EXPECT_EQ(tracker.highestLatestProcessed(), 4u);

  // The next frame's implicit block starts at S_sender = 4: packet 4 again (ignored), 5, 6.
  sink.clear();
  ASSERT_TRUE(tracker.onAckFrame(ackFrame(6, kNoTiming), 20 * kMs, sink).ok());
  EXPECT_EQ(packetsOf(sink.acked), (std::set<uint64_t>{5, 6}));
  EXPECT_EQ(tracker.bytesInFlight(), 0u);
  EXPECT_EQ(tracker.packetsInFlight(), 0u);
  EXPECT_EQ(tracker.counters().packets_acked, 5u);
  EXPECT_EQ(tracker.nextWakeTime(), kNever);
}

TEST(SentPacketTrackerTest, ImplicitBlockStartsAtTheStopValue) {
  // §1.8: the implicit final block covers [S_sender, end), never below: a packet under
  // the stop value we advertised is not acked by it, whatever the frame says above it.
  SentPacketTracker tracker(kVersion);
  sendRange(tracker, 2, 6, 0);
  RecordingSink sink;
  ASSERT_TRUE(tracker.onAckFrame(ackFrame(4, kNoTiming, {{1, 1}}), kMs, sink).ok());
  EXPECT_EQ(packetsOf(sink.acked), (std::set<uint64_t>{2, 4}));
  EXPECT_EQ(tracker.stopValue(), 3u);  // held for nacked packet 3
  tracker.onStopValueSent(4);          // but 4 went out (e.g. another sender's packet)
  EXPECT_EQ(tracker.stopValue(), 4u);
  sink.clear();
  // Latest 5 (2 above packet 3: below the packet threshold) with no blocks.
  ASSERT_TRUE(tracker.onAckFrame(ackFrame(5, kNoTiming), 2 * kMs, sink).ok());
  EXPECT_EQ(packetsOf(sink.acked), (std::set<uint64_t>{5}));
  EXPECT_EQ(tracker.stateOf(3), SentPacketTracker::PacketState::kInFlight);
  EXPECT_EQ(tracker.stateOf(6), SentPacketTracker::PacketState::kInFlight);
}

TEST(SentPacketTrackerTest, AckAndNackRunsGiveTheRightFates) {
  SentPacketTracker tracker(kVersion);
  sendRange(tracker, 2, 12, 0);
  RecordingSink sink;
  // The §9.6 shape: latest 12; block 0 acks 10-12 and nacks 8-9; block 1 acks 6-7 and
  // nacks 5; the implicit block acks 2-4.
  const wire::AckFrame ack = ackFrame(12, kNoTiming, {{3, 2}, {2, 1}});
  ASSERT_EQ(ack.implicit_acked_end, 5u);
  ASSERT_TRUE(tracker.onAckFrame(ack, 10 * kMs, sink).ok());
  EXPECT_EQ(packetsOf(sink.acked), (std::set<uint64_t>{2, 3, 4, 6, 7, 10, 11, 12}));
  // Three or more later packets acked: lost by the packet threshold at once.
  EXPECT_EQ(packetsOf(sink.lost), (std::set<uint64_t>{5, 8, 9}));
  for (const auto& [number, reason] : sink.lost_packets)
    EXPECT_EQ(reason, LossReason::kPacketThreshold) << number;
  EXPECT_EQ(sink.bytes_acked, 800u);
  EXPECT_EQ(sink.bytes_lost, 300u);
  EXPECT_EQ(sink.bytes_lost_calls, 1);
  EXPECT_EQ(tracker.bytesInFlight(), 0u);
  EXPECT_EQ(tracker.stateOf(5), SentPacketTracker::PacketState::kLost);
  EXPECT_EQ(tracker.stateOf(6), SentPacketTracker::PacketState::kUnknown);
  EXPECT_EQ(tracker.counters().packets_nacked, 3u);
  EXPECT_EQ(tracker.counters().lost_with_reliable_data, 3u);
  // Packet 5 was lost by a threshold a moment ago: the stop value waits for a late ack.
  EXPECT_EQ(tracker.stopValue(), 5u);
}

TEST(SentPacketTrackerTest, NackedPacketThatArrivesLateIsAckedNotLost) {
  // lossy_session shows a GNS receiver nacking packets it received a few ms later
  // (receive reordering). A nack alone must not resend.
  SentPacketTracker tracker(kVersion);
  sendRange(tracker, 2, 8, 0);
  RecordingSink sink;
  // 5 acked, 4 nacked, 2-3 acked (implicit). No RTT sample yet: the loss delay is
  // 200 ms + 25 ms, and only one later packet is acked.
  ASSERT_TRUE(tracker.onAckFrame(ackFrame(5, kNoTiming, {{1, 1}}), 10 * kMs, sink).ok());
  EXPECT_EQ(packetsOf(sink.acked), (std::set<uint64_t>{2, 3, 5}));
  EXPECT_TRUE(sink.lost.empty());
  EXPECT_EQ(tracker.stateOf(4), SentPacketTracker::PacketState::kInFlight);
  // S_sender is held at 4 so that the receiver keeps reporting it, never above latest.
  EXPECT_EQ(tracker.stopValue(), 4u);
  EXPECT_EQ(tracker.nextWakeTime(), 2 + 225 * kMs);

  // The receiver got 4 after all: its next ack, counted from stop value 4, acks it.
  sink.clear();
  ASSERT_TRUE(tracker.onAckFrame(ackFrame(8, kNoTiming), 20 * kMs, sink).ok());
  EXPECT_EQ(packetsOf(sink.acked), (std::set<uint64_t>{4, 6, 7, 8}));
  EXPECT_TRUE(sink.lost.empty());
  EXPECT_EQ(tracker.counters().packets_lost, 0u);
  EXPECT_EQ(tracker.stopValue(), 8u);
}

TEST(SentPacketTrackerTest, AcksForUnknownOrAlreadyAckedNumbersAreIgnored) {
  SentPacketTracker tracker(kVersion);
  sendRange(tracker, 2, 4, 0);
  RecordingSink sink;
  ASSERT_TRUE(tracker.onAckFrame(ackFrame(4, kNoTiming), 10 * kMs, sink).ok());
  ASSERT_EQ(sink.acked.size(), 3u);
  const SentPacketCounters before = tracker.counters();
  sink.clear();
  // The same frame again, and an older one (reordered on the way): nothing new.
  ASSERT_TRUE(tracker.onAckFrame(ackFrame(4, 3), 11 * kMs, sink).ok());
  ASSERT_TRUE(tracker.onAckFrame(ackFrame(3, 3, {{1, 1}}), 12 * kMs, sink).ok());
  EXPECT_TRUE(sink.acked.empty());
  EXPECT_TRUE(sink.lost.empty());
  EXPECT_TRUE(sink.rtt_samples.empty());  // `latest` was acked before: no sample
  EXPECT_EQ(sink.bytes_acked_calls, 0);
  EXPECT_EQ(tracker.counters().packets_acked, before.packets_acked);
  EXPECT_EQ(tracker.counters().packets_nacked, before.packets_nacked);
  EXPECT_EQ(tracker.stopValue(), 4u);  // not lowered by the older frame
}

TEST(SentPacketTrackerTest, AckForAPacketNeverSentIgnoresTheWholeFrame) {
  SentPacketTracker tracker(kVersion);
  sendRange(tracker, 2, 4, 0);  // next is 5
  RecordingSink sink;
  const wire::AckFrame bogus = ackFrame(5, 10, {{1, 1}});
  EXPECT_TRUE(tracker.acksUnsentPacket(bogus));
  EXPECT_FALSE(tracker.acksUnsentPacket(ackFrame(4, 10)));
  ASSERT_TRUE(tracker.onAckFrame(bogus, 10 * kMs, sink).ok());
  EXPECT_TRUE(sink.acked.empty());
  EXPECT_TRUE(sink.lost.empty());
  EXPECT_TRUE(sink.rtt_samples.empty());
  EXPECT_EQ(tracker.bytesInFlight(), 300u);
  EXPECT_EQ(tracker.stopValue(), 0u);
  EXPECT_EQ(tracker.highestLatestProcessed(), 0u);
  EXPECT_FALSE(tracker.rtt().hasSample());
  EXPECT_EQ(tracker.counters().ack_frames_ignored_unsent, 1u);
  EXPECT_EQ(tracker.counters().packets_nacked, 0u);
}

TEST(SentPacketTrackerTest, MalformedBlockShapeIsAnError) {
  SentPacketTracker tracker(kVersion);
  sendRange(tracker, 2, 6, 0);
  RecordingSink sink;
  wire::AckFrame ack = ackFrame(6, kNoTiming, {{1, 1}});
  ack.blocks[0].acked_end = 6;  // should be latest + 1
  const absl::Status status = tracker.onAckFrame(ack, kMs, sink);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(status.message()).find("block 0"), std::string::npos) << status;
  EXPECT_TRUE(sink.acked.empty());
  EXPECT_EQ(tracker.bytesInFlight(), 500u);
}

TEST(SentPacketTrackerTest, RttSampleFromLatestMinusDelay) {
  SentPacketTracker tracker(kVersion);
  sendRange(tracker, 2, 3, 0);  // packet 3 sent at 1 us
  RecordingSink sink;
  // Ack at 40 ms + 1 us; the peer held packet 3 for 625 x 32 us = 20 ms.
  ASSERT_TRUE(tracker.onAckFrame(ackFrame(3, 625), 40 * kMs + 1, sink).ok());
  ASSERT_EQ(sink.rtt_samples.size(), 1u);
  EXPECT_EQ(sink.rtt_samples[0], 20 * kMs);
  EXPECT_EQ(tracker.rtt().smoothed(), 20 * kMs);
  EXPECT_EQ(tracker.rtt().pingMs(), 20);
  EXPECT_EQ(tracker.counters().rtt_samples, 1u);
}

TEST(SentPacketTrackerTest, RttSamplesOutsideTheSanityRangeAreDropped) {
  SentPacketTracker tracker(kVersion);
  sendRange(tracker, 2, 2, 0);
  sendRange(tracker, 3, 3, 10 * kMs);
  RecordingSink sink;
  // Packet 2 acked 2.5 s after it went out with a 1 ms hold: 2499 ms > 2000 ms.
  ASSERT_TRUE(tracker.onAckFrame(ackFrame(2, 31), 2500 * kMs, sink).ok());
  // Packet 3: the claimed hold (100 ms) is longer than the round trip: below -1 ms.
  ASSERT_TRUE(tracker.onAckFrame(ackFrame(3, 3125), 2510 * kMs - 50 * kMs, sink).ok());
  EXPECT_TRUE(sink.rtt_samples.empty());
  EXPECT_FALSE(tracker.rtt().hasSample());
  EXPECT_EQ(tracker.counters().rtt_samples_rejected, 2u);
  EXPECT_EQ(sink.acked.size(), 2u);  // the acks themselves count
}

TEST(SentPacketTrackerTest, RtoLossInSendOrderThenLateAck) {
  SentPacketTracker tracker(kVersion);
  sendRange(tracker, 2, 4, 0);  // sent at 0, 1, 2 us
  const std::vector<SentRange> no_ranges;
  tracker.onPacketSent(5, 3, 50, no_ranges);  // ack-only packet: never times out
  RecordingSink sink;
  // No RTT sample: RTO = 1 s from the oldest packet with reliable data.
  EXPECT_EQ(tracker.nextWakeTime(), 1000 * kMs);
  tracker.detectLosses(1000 * kMs - 1, sink);
  EXPECT_TRUE(sink.lost.empty());
  tracker.detectLosses(1000 * kMs + 1, sink);
  ASSERT_EQ(sink.lost_packets.size(), 2u);
  EXPECT_EQ(sink.lost_packets[0], std::make_pair(uint64_t{2}, LossReason::kRto));
  EXPECT_EQ(sink.lost_packets[1], std::make_pair(uint64_t{3}, LossReason::kRto));
  EXPECT_EQ(sink.lost, rangesOf({2, 3}));
  EXPECT_EQ(sink.bytes_lost, 200u);
  // Packet 4; the ack-only packet 5 is tracked but outside the window.
  EXPECT_EQ(tracker.bytesInFlight(), 100u);
  EXPECT_EQ(tracker.nextWakeTime(), 1000 * kMs + 2);
  tracker.detectLosses(1001 * kMs, sink);
  EXPECT_EQ(sink.lost, rangesOf({2, 3, 4}));
  EXPECT_EQ(tracker.stateOf(5), SentPacketTracker::PacketState::kInFlight);
  EXPECT_EQ(tracker.bytesInFlight(), 0u);

  // §4.2: a late ack of lost packets reports their ranges acked (the stream drops them
  // from its resend queue) and still gives an RTT sample; they are already out of flight.
  sink.clear();
  ASSERT_TRUE(tracker.onAckFrame(ackFrame(4, 0), 1100 * kMs, sink).ok());
  EXPECT_EQ(sink.acked, rangesOf({2, 3, 4}));
  EXPECT_EQ(sink.bytes_acked, 0u);
  ASSERT_EQ(sink.rtt_samples.size(), 1u);
  EXPECT_EQ(sink.rtt_samples[0], 1100 * kMs - 2);
  EXPECT_EQ(tracker.counters().late_acks, 3u);
  EXPECT_EQ(tracker.counters().spurious_threshold_losses, 0u);  // RTO losses
  EXPECT_EQ(tracker.counters().lost_by_rto, 3u);
  EXPECT_EQ(tracker.bytesInFlight(), 0u);
}

TEST(SentPacketTrackerTest, TimeThresholdLossAndSpuriousLossWidensTheWindow) {
  SentPacketTracker tracker(kVersion);
  RecordingSink sink;
  sendRange(tracker, 2, 2, 0);
  ASSERT_TRUE(tracker.onAckFrame(ackFrame(2, 0), 20 * kMs, sink).ok());  // RTT 20 ms
  ASSERT_EQ(tracker.rtt().smoothed(), 20 * kMs);
  sendRange(tracker, 3, 4, 100 * kMs);  // 3 at 100 ms, 4 at 100 ms + 1 us
  // 4 acked (RTT 9 ms), 3 nacked: one later packet, so only the time rule applies.
  sink.clear();
  ASSERT_TRUE(tracker.onAckFrame(ackFrame(4, 0, {{1, 1}}), 109 * kMs + 1, sink).ok());
  EXPECT_EQ(packetsOf(sink.acked), (std::set<uint64_t>{4}));
  EXPECT_TRUE(sink.lost.empty());
  // SRTT = (7 x 20 + 9) / 8 = 18.625 ms; loss delay = max(SRTT, latest 9 ms) + SRTT / 8.
  const Usec srtt = 18625;
  ASSERT_EQ(tracker.rtt().smoothed(), srtt);
  EXPECT_EQ(tracker.reorderWindow(), srtt / 8);
  const Usec deadline = 100 * kMs + srtt + srtt / 8;
  EXPECT_EQ(tracker.nextWakeTime(), deadline);
  EXPECT_EQ(tracker.stopValue(), 3u);  // held for the nacked packet
  tracker.detectLosses(deadline - 1, sink);
  EXPECT_TRUE(sink.lost.empty());
  tracker.detectLosses(deadline, sink);
  ASSERT_EQ(sink.lost_packets.size(), 1u);
  EXPECT_EQ(sink.lost_packets[0], std::make_pair(uint64_t{3}, LossReason::kTimeThreshold));
  EXPECT_EQ(sink.lost, rangesOf({3}));
  // Still held: a late ack may come within an RTO of the loss.
  EXPECT_EQ(tracker.stopValue(), 3u);

  // It does: the loss was spurious, the reordering window doubles and the packet
  // threshold is turned off.
  sink.clear();
  ASSERT_TRUE(tracker.onAckFrame(ackFrame(4, 0), deadline + 2 * kMs, sink).ok());
  EXPECT_EQ(sink.acked, rangesOf({3}));
  EXPECT_EQ(tracker.counters().spurious_threshold_losses, 1u);
  EXPECT_EQ(tracker.reorderWindow(), srtt * 2 / 8);
  EXPECT_EQ(tracker.stopValue(), 4u);
}

TEST(SentPacketTrackerTest, ThresholdLossHoldsTheStopValueForOneRto) {
  SentPacketTracker tracker(kVersion);
  RecordingSink sink;
  sendRange(tracker, 2, 7, 0);
  ASSERT_TRUE(tracker.onAckFrame(ackFrame(7, 0, {{3, 1}}), 10 * kMs, sink).ok());
  ASSERT_EQ(sink.lost_packets.size(), 1u);  // 3 later packets acked
  EXPECT_EQ(sink.lost_packets[0].first, 4u);
  EXPECT_EQ(tracker.stopValue(), 4u);
  const Usec rto = tracker.rtt().rto();
  tracker.detectLosses(10 * kMs + rto - 1, sink);
  EXPECT_EQ(tracker.stopValue(), 4u);
  tracker.detectLosses(10 * kMs + rto, sink);
  EXPECT_EQ(tracker.stopValue(), 7u);
}

TEST(SentPacketTrackerTest, StopValueIsMonotonicAndNeverAboveLatest) {
  SentPacketTracker tracker(kVersion);
  RecordingSink sink;
  sendRange(tracker, 2, 40, 0);
  // Acks arriving out of order, some with gaps.
  const std::vector<wire::AckFrame> acks = {ackFrame(5, 0),
                                            ackFrame(9, 0, {{2, 1}}),
                                            ackFrame(7, 0),
                                            ackFrame(20, 0, {{5, 3}}),
                                            ackFrame(15, 0),
                                            ackFrame(30, 0),
                                            ackFrame(25, 0, {{1, 1}}),
                                            ackFrame(40, 0, {{10, 2}})};
  uint64_t previous = tracker.stopValue();
  Usec now = 10 * kMs;
  for (const wire::AckFrame& ack : acks) {
    ASSERT_TRUE(tracker.onAckFrame(ack, now, sink).ok());
    EXPECT_GE(tracker.stopValue(), previous) << "after latest " << ack.latest_packet_number;
    EXPECT_LE(tracker.stopValue(), tracker.highestLatestProcessed());
    previous = tracker.stopValue();
    now += 50 * kMs;
    tracker.detectLosses(now, sink);
    EXPECT_GE(tracker.stopValue(), previous);
    previous = tracker.stopValue();
  }
  // A stop value another sender put on the wire raises ours (never lowers it).
  tracker.onStopValueSent(35);
  EXPECT_EQ(tracker.stopValue(), std::max<uint64_t>(previous, 35));
  tracker.onStopValueSent(3);
  EXPECT_EQ(tracker.stopValue(), std::max<uint64_t>(previous, 35));
}

TEST(SentPacketTrackerTest, BytesInFlightAccounting) {
  SentPacketTracker tracker(kVersion);
  RecordingSink sink;
  const std::vector<uint32_t> sizes = {100, 200, 300, 400, 500};  // packets 2-6
  for (size_t i = 0; i < sizes.size(); ++i) {
    const SentRange range = rangeOf(i + 2);
    tracker.onPacketSent(i + 2, static_cast<Usec>(i), sizes[i], {&range, 1});
  }
  EXPECT_EQ(tracker.bytesInFlight(), 1500u);
  EXPECT_EQ(tracker.packetsInFlight(), 5u);
  EXPECT_EQ(tracker.counters().bytes_sent, 1500u);
  // 6 and 4 acked, 5 nacked (waits for the threshold), 2-3 acked.
  ASSERT_TRUE(tracker.onAckFrame(ackFrame(6, kNoTiming, {{1, 1}, {1, 0}}), kMs, sink).ok());
  EXPECT_EQ(sink.bytes_acked, 100u + 200u + 300u + 500u);
  EXPECT_EQ(tracker.bytesInFlight(), 400u);  // 5 is nacked only: not lost yet
  EXPECT_EQ(tracker.packetsInFlight(), 1u);
  tracker.detectLosses(2 * kUsecPerSec, sink);
  EXPECT_EQ(sink.bytes_lost, 400u);
  EXPECT_EQ(sink.lost, rangesOf({5}));
  EXPECT_EQ(tracker.bytesInFlight(), 0u);
  EXPECT_EQ(tracker.packetsInFlight(), 0u);
}

TEST(SentPacketTrackerTest, PacketsWithoutReliableDataExpireInsteadOfTimingOut) {
  SentPacketTracker tracker(kVersion);
  RecordingSink sink;
  const std::vector<SentRange> none;
  tracker.onPacketSent(2, 0, 40, none);
  tracker.onPacketSent(3, 1, 40, none);
  EXPECT_EQ(tracker.nextWakeTime(), kNever);  // nothing can time out
  // Tracked, but outside the congestion window: a GNS peer may never ack them.
  EXPECT_EQ(tracker.bytesInFlight(), 0u);
  EXPECT_EQ(tracker.trackedPacketCount(), 2u);
  tracker.detectLosses(2 * kUsecPerSec, sink);
  EXPECT_TRUE(sink.lost_packets.empty());
  EXPECT_EQ(tracker.stateOf(3), SentPacketTracker::PacketState::kInFlight);
  // Retention before any RTT sample: 2 x 1 s + 1 s.
  tracker.detectLosses(3 * kUsecPerSec + 2, sink);
  EXPECT_TRUE(sink.lost_packets.empty());
  EXPECT_EQ(sink.bytes_lost_calls, 0);
  EXPECT_EQ(tracker.bytesInFlight(), 0u);
  EXPECT_EQ(tracker.counters().packets_expired, 2u);
  EXPECT_EQ(tracker.trackedPacketCount(), 0u);
}

TEST(SentPacketTrackerTest, MemoryStaysBounded) {
  SentPacketTracker tracker(kVersion);
  RecordingSink sink;
  Usec now = 0;
  // 20000 packets at 1 per ms with an RTT of 10 ms; every 50th lost. Acks every 5 ms.
  uint64_t next = 2;
  size_t max_tracked = 0;
  std::set<uint64_t> dropped;
  for (int step = 0; step < 4000; ++step) {
    for (int i = 0; i < 5; ++i) {
      const SentRange range = rangeOf(next);
      if (next % 50 == 0) dropped.insert(next);
      tracker.onPacketSent(next++, now, 1200, {&range, 1});
      now += kMs;
    }
    // The receiver's view 10 ms ago: everything up to next - 11, dropped ones nacked.
    const uint64_t latest = next - 11;
    if (latest < 2) continue;
    std::vector<std::pair<uint64_t, uint64_t>> runs;
    uint64_t end = latest + 1;
    for (auto it = dropped.rbegin(); it != dropped.rend(); ++it) {
      if (*it >= end) continue;
      if (*it < tracker.stopValue()) break;
      runs.push_back({end - (*it + 1), 1});
      end = *it;
    }
    ASSERT_TRUE(tracker.onAckFrame(ackFrame(latest, 0, runs), now, sink).ok());
    tracker.detectLosses(now, sink);
    max_tracked = std::max(max_tracked, tracker.trackedPacketCount());
  }
  // 2 x RTO (about 150 ms) of packets, not 20000.
  EXPECT_LT(max_tracked, 400u);
  EXPECT_EQ(packetsOf(sink.lost).size(), sink.lost.size());
  for (uint64_t n : packetsOf(sink.lost))
    EXPECT_TRUE(dropped.count(n)) << n;
  EXPECT_GE(sink.lost.size(), dropped.size() - 1);  // the newest may not be nacked yet
}

TEST(SentPacketTrackerTest, SkippedNumbersStayUnknown) {
  SentPacketTracker tracker(kVersion);
  RecordingSink sink;
  sendRange(tracker, 2, 2, 0);
  const SentRange range = rangeOf(5);
  tracker.onPacketSent(5, 1, 100, {&range, 1});
  EXPECT_EQ(tracker.nextPacketNumber(), 6u);
  EXPECT_EQ(tracker.stateOf(3), SentPacketTracker::PacketState::kUnknown);
  ASSERT_TRUE(tracker.onAckFrame(ackFrame(5, 0), 5 * kMs, sink).ok());
  EXPECT_EQ(packetsOf(sink.acked), (std::set<uint64_t>{2, 5}));
  EXPECT_EQ(tracker.bytesInFlight(), 0u);
}

// --- lossy_session replay ---

using nlohmann::json;
namespace vt = opengns::testing;

// The chunk of a NULL-cipher data packet (vectors README: plaintext_hex is null there).
Bytes plaintextOf(const json& packet) {
  const Bytes udp = vt::hexBytes(packet["udp_payload_hex"].get<std::string>());
  const size_t offset = packet["chunk_offset"].get<size_t>();
  if (offset > udp.size()) return {};
  return Bytes(udp.begin() + static_cast<std::ptrdiff_t>(offset), udp.end());
}

struct ReplaySink : RecordingSink {
  std::map<uint64_t, LossReason> lost_reason;
  bool final_flush = false;
  std::set<uint64_t> lost_in_final_flush;
  void onPacketLost(uint64_t number, LossReason reason) override {
    EXPECT_FALSE(lost_reason.count(number)) << "packet " << number << " lost twice";
    lost_reason[number] = reason;
    if (final_flush) lost_in_final_flush.insert(number);
  }
};

TEST(SentPacketTrackerVectorTest, LossySessionServerSide) {
  OPENGNS_REQUIRE_SHARED();
  const json doc = vt::loadJson(vt::vectorsDir() / "lossy_session.packets.json");
  const uint64_t bugs_before = bugCount();

  SentPacketTracker tracker(kVersion);  // both peers run protocol 13
  ReplaySink sink;
  std::set<uint64_t> sent, dropped_by_client;
  std::set<uint64_t> nacked_by_client;  // every number a client ack frame nacked
  uint64_t highest_client_latest = 0;
  uint64_t c2s_highest = 1;
  std::map<uint64_t, std::vector<SentRange>> ranges_by_packet;
  Usec now = 0;
  size_t ack_frames = 0;

  auto runTimers = [&](Usec until) {
    // The server's timer: wake exactly at nextWakeTime() while it is due.
    for (Usec wake = tracker.nextWakeTime(); wake <= until; wake = tracker.nextWakeTime()) {
      tracker.detectLosses(wake, sink);
      ASSERT_GT(tracker.nextWakeTime(), wake) << "timer does not progress";
    }
  };

  for (const json& packet : doc["packets"]) {
    if (packet["kind"] != "data") continue;
    const std::string dir = packet["direction"].get<std::string>();
    const uint64_t number = packet["full_packet_number"].get<uint64_t>();
    const size_t index = packet["index"].get<size_t>();
    SCOPED_TRACE("idx " + std::to_string(index) + " " + dir + " packet " + std::to_string(number));
    now = static_cast<Usec>(packet["t_rel"].get<double>() * 1e6 + 0.5);
    runTimers(now);

    const Bytes plaintext = plaintextOf(packet);
    wire::SnpDecodeContext context;
    context.packet_number = number;
    context.ack_reference_packet_number =
        dir == "s2c" ? c2s_highest + 1 : tracker.nextPacketNumber();
    auto frames = wire::decodeSnpFrames(plaintext, context);
    ASSERT_TRUE(frames.ok()) << frames.status();

    if (dir == "s2c") {
      ASSERT_EQ(number, tracker.nextPacketNumber()) << "server numbers are dense";
      std::vector<SentRange> ranges;
      for (const wire::SnpFrame& frame : *frames) {
        if (const auto* sw = std::get_if<wire::StopWaitingFrame>(&frame)) {
          tracker.onStopValueSent(sw->stop_packet_number);
        } else if (const auto* seg = std::get_if<wire::ReliableSegmentFrame>(&frame)) {
          ranges.push_back(
              {seg->lane, seg->stream_position, seg->stream_position + seg->data.size()});
        }
      }
      tracker.onPacketSent(number, now, packet["udp_payload_len"].get<uint32_t>(), ranges);
      sent.insert(number);
      ranges_by_packet[number] = ranges;
      if (packet["client_fake_loss_recv_dropped"].get<bool>()) dropped_by_client.insert(number);
      continue;
    }
    c2s_highest = std::max(c2s_highest, number);
    for (const wire::SnpFrame& frame : *frames) {
      const auto* ack = std::get_if<wire::AckFrame>(&frame);
      if (!ack) continue;
      ASSERT_FALSE(tracker.acksUnsentPacket(*ack)) << "the client acked a future packet";
      for (const wire::AckBlock& block : ack->blocks)
        for (uint64_t n = block.nacked_begin; n < block.nacked_end; ++n)
          nacked_by_client.insert(n);
      highest_client_latest = std::max(highest_client_latest, ack->latest_packet_number);
      ASSERT_TRUE(tracker.onAckFrame(*ack, now, sink).ok());
      EXPECT_LE(tracker.stopValue(), tracker.highestLatestProcessed());
      ++ack_frames;
    }
  }
  const std::map<uint64_t, LossReason> lost_during_capture = sink.lost_reason;
  // Afterwards: let every timer run out.
  sink.final_flush = true;
  runTimers(now + 10 * kUsecPerSec);
  tracker.detectLosses(now + 10 * kUsecPerSec, sink);

  EXPECT_EQ(sent.size(), 199u);              // server data packets 2-200 (vectors README)
  EXPECT_EQ(dropped_by_client.size(), 20u);  // 21 dropped indices, one is a ChallengeReply
  EXPECT_GT(ack_frames, 250u);

  // 1. Every server packet the client's receive side dropped is reported lost, during the
  //    capture (the client's acks nack each of them; 197 only shortly before the end).
  for (uint64_t n : dropped_by_client) {
    EXPECT_TRUE(lost_during_capture.count(n)) << "dropped packet " << n << " never lost";
    EXPECT_TRUE(nacked_by_client.count(n)) << "the client never nacked dropped packet " << n;
    // Found by the reordering threshold after the nack, sooner than any RTO.
    if (lost_during_capture.count(n)) {
      EXPECT_NE(lost_during_capture.at(n), LossReason::kRto) << "dropped packet " << n;
    }
  }
  // 2. A packet the client received is reported lost during the capture only if the
  //    client's acks nacked it (its 10 ms receive reordering: the packet came after the
  //    nack) and only by the reordering threshold, never by a nack alone or by the RTO.
  //    The server's stop values (the reference's) had already moved past it, so the
  //    client's later acks could not report it received.
  std::set<uint64_t> received_but_lost;
  for (const auto& [n, reason] : lost_during_capture) {
    if (dropped_by_client.count(n)) continue;
    received_but_lost.insert(n);
    EXPECT_TRUE(nacked_by_client.count(n)) << "received packet " << n << " lost, never nacked";
    EXPECT_NE(reason, LossReason::kRto) << "received packet " << n << " lost by RTO";
  }
  std::set<uint64_t> nacked_but_received;
  for (uint64_t n : nacked_by_client)
    if (!dropped_by_client.count(n)) nacked_but_received.insert(n);
  EXPECT_EQ(received_but_lost, nacked_but_received);
  std::cout << "[ lossy_session ] " << dropped_by_client.size() << " dropped packets lost; "
            << "received but nacked (reordered) and lost by threshold:";
  for (uint64_t n : received_but_lost)
    std::cout << " " << n << " (" << lossReasonName(lost_during_capture.at(n)) << ")";
  std::cout << "\n";
  // 3. What the final timers declare lost was never reported by the client at all.
  for (uint64_t n : sink.lost_in_final_flush) {
    EXPECT_GT(n, highest_client_latest) << "packet " << n;
    EXPECT_FALSE(dropped_by_client.count(n)) << n;
  }
  // 4. Every reliable range the server sent is acked in some packet, unless every copy
  //    of it went in packets the client's acks never reached.
  std::set<std::tuple<uint32_t, uint64_t, uint64_t>> acked;
  for (const SentRange& r : sink.acked)
    acked.insert({r.lane, r.begin, r.end});
  for (const auto& [n, ranges] : ranges_by_packet) {
    if (n > highest_client_latest) continue;
    for (const SentRange& r : ranges) {
      if (acked.count({r.lane, r.begin, r.end})) continue;
      bool resent_later_unreported = false;
      for (const auto& [m, later] : ranges_by_packet)
        if (m > highest_client_latest && std::find(later.begin(), later.end(), r) != later.end())
          resent_later_unreported = true;
      EXPECT_TRUE(resent_later_unreported)
          << "range [" << r.begin << ", " << r.end << ") of packet " << n << " never acked";
    }
  }
  // 5. Nothing is left in flight, RTT was measured, no impossible state was hit.
  EXPECT_EQ(tracker.packetsInFlight(), 0u);
  EXPECT_EQ(tracker.bytesInFlight(), 0u);
  EXPECT_TRUE(tracker.rtt().hasSample());
  EXPECT_GT(tracker.counters().rtt_samples, 100u);
  EXPECT_LE(tracker.rtt().minRtt(), tracker.rtt().smoothed());
  EXPECT_EQ(bugCount(), bugs_before);
  std::cout << "[ lossy_session ] acked " << tracker.counters().packets_acked << ", lost "
            << tracker.counters().packets_lost << " (time "
            << tracker.counters().lost_by_time_threshold << ", packet "
            << tracker.counters().lost_by_packet_threshold << ", RTO "
            << tracker.counters().lost_by_rto << "), late acks " << tracker.counters().late_acks
            << ", expired " << tracker.counters().packets_expired << ", srtt "
            << tracker.rtt().smoothed() << " us, min " << tracker.rtt().minRtt() << " us\n";
}

}  // namespace
}  // namespace opengns::snp
