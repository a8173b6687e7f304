// AckTracker (snp.md §1.7, §1.8, §3.1-3.5, §9): the first ack after the handshake, frames
// with no, one and many gaps, the 62-gap merge, the 64-block cap, space trimming, the
// stop-waiting rules, the delay field, ack due times, the exact size helper against the
// wire encoder, and lossy_session: the client's receive side replayed against every ack
// frame the client really sent.
#include "snp/ack_tracker.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <vector>

#include "common/bytes.h"
#include "support/vectors.h"
#include "wire/snp_constants.h"
#include "wire/snp_frame_decoder.h"
#include "wire/snp_frame_encoder.h"
#include "wire/snp_frames.h"

namespace opengns::snp {
namespace {

using nlohmann::json;
namespace vt = opengns::testing;

constexpr Usec ms(int64_t value) {
  return value * kUsecPerMsec;
}

// The plaintext the wire encoder writes for one ack frame.
Bytes encodeAck(const wire::AckFrame& frame, uint64_t packet_number = 1000) {
  std::vector<wire::SnpFrame> frames{frame};
  auto encoded = wire::encodeSnpFrames(frames, {packet_number});
  EXPECT_TRUE(encoded.ok()) << encoded.status();
  return encoded.ok() ? *encoded : Bytes{};
}

// What a frame says, from the receiver's stop value up to `latest`.
struct Claims {
  std::set<uint64_t> acked;
  std::set<uint64_t> nacked;
};
Claims claimsOf(const wire::AckFrame& frame, uint64_t stop) {
  Claims claims;
  for (const wire::AckBlock& block : frame.blocks) {
    for (uint64_t n = block.acked_begin; n < block.acked_end; ++n)
      claims.acked.insert(n);
    for (uint64_t n = block.nacked_begin; n < block.nacked_end; ++n)
      claims.nacked.insert(n);
  }
  for (uint64_t n = stop; n < frame.implicit_acked_end; ++n)
    claims.acked.insert(n);
  return claims;
}

// The frame is encodable (so contiguous and complete from latest down), within the
// size limit, its size helper is exact, and it never claims a packet that was not
// received. With `exact_nacks`, it nacks only packets that were not received either.
void expectTruthful(const wire::AckFrame& frame, uint64_t stop, const std::set<uint64_t>& received,
                    bool exact_nacks = true) {
  const Bytes bytes = encodeAck(frame);
  EXPECT_EQ(bytes.size(), encodedAckFrameBytes(frame));
  EXPECT_LE(frame.blocks.size(), kMaxAckBlocksPerFrame);
  EXPECT_EQ(frame.has_block_count_byte, frame.blocks.size() > wire::kAckMaxInlineBlockCount);
  const Claims claims = claimsOf(frame, stop);
  for (uint64_t n : claims.acked) {
    if (n >= 2) {
      EXPECT_TRUE(received.count(n)) << "acks " << n << " never received";
    }
  }
  if (exact_nacks) {
    for (uint64_t n : claims.nacked)
      EXPECT_FALSE(received.count(n)) << "nacks received " << n;
  }
}

// Receives `numbers` in order, one per millisecond starting at `start`; returns the
// time after the last one.
Usec receiveAll(AckTracker& tracker, const std::vector<uint64_t>& numbers, Usec start,
                std::set<uint64_t>* received = nullptr, AckUrgency urgency = AckUrgency::kNone) {
  Usec now = start;
  for (uint64_t n : numbers) {
    tracker.onPacketReceived(n, now, urgency);
    if (received) received->insert(n);
    now += ms(1);
  }
  return now;
}

std::vector<uint64_t> range(uint64_t begin, uint64_t end) {
  std::vector<uint64_t> numbers;
  for (uint64_t n = begin; n < end; ++n)
    numbers.push_back(n);
  return numbers;
}

// Every other number from `begin`: `gaps` single-packet gaps.
std::vector<uint64_t> everyOther(uint64_t begin, size_t gaps) {
  std::vector<uint64_t> numbers;
  for (size_t i = 0; i <= gaps; ++i)
    numbers.push_back(begin + 2 * i);
  return numbers;
}

TEST(AckTrackerTest, FirstAckAfterHandshakeIsLatest1WithNoTiming) {
  // §3.1: "98 01 00 ff ff" in every capture's first data packet.
  AckTracker tracker;
  auto frame = tracker.buildAckFrame(ms(5), 1200);
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->latest_packet_number, 1u);
  EXPECT_EQ(frame->delay_raw, wire::kAckDelayNoTiming);
  EXPECT_TRUE(frame->blocks.empty());
  EXPECT_EQ(toHex(encodeAck(*frame, 2)), "980100ffff");
  EXPECT_EQ(tracker.ackDueTime(), kNever);  // nothing asks for an ack yet
}

TEST(AckTrackerTest, PeerBelowV10HasNoAckFrameUntilTheFirstPacket) {
  AckTracker tracker(/*initial_highest_received=*/0);
  EXPECT_FALSE(tracker.buildAckFrame(ms(1), 1200));
  EXPECT_FALSE(tracker.reportsReceived(0));
  tracker.onPacketReceived(1, ms(10), AckUrgency::kDelayed);
  auto frame = tracker.buildAckFrame(ms(10) + 64, 1200);
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->latest_packet_number, 1u);
  EXPECT_EQ(frame->delay_raw, 2);  // 64 us
  EXPECT_TRUE(frame->blocks.empty());
  EXPECT_EQ(tracker.gapCount(), 0u);

  // First packet 3 (1 and 2 lost): latest would be 0, which is no packet, until the gap
  // [1, 3) may be nacked.
  AckTracker lossy(0);
  lossy.onPacketReceived(3, ms(10), AckUrgency::kNone);
  EXPECT_FALSE(lossy.buildAckFrame(ms(10) + kNackDelayUsec - 1, 1200));
  auto nack = lossy.buildAckFrame(ms(10) + kNackDelayUsec, 1200);
  ASSERT_TRUE(nack);
  EXPECT_EQ(nack->latest_packet_number, 3u);
  ASSERT_EQ(nack->blocks.size(), 1u);
  EXPECT_EQ(nack->blocks[0].nacked_begin, 1u);
  EXPECT_EQ(nack->blocks[0].nacked_end, 3u);
  EXPECT_EQ(toHex(encodeAck(*nack)), "9903005d0012");
}

TEST(AckTrackerTest, NoGaps) {
  AckTracker tracker;
  std::set<uint64_t> received;
  const Usec end = receiveAll(tracker, range(2, 11), ms(100), &received);
  const Usec arrival_of_10 = end - ms(1);
  auto frame = tracker.buildAckFrame(arrival_of_10 + 3200, 1200);
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->latest_packet_number, 10u);
  EXPECT_EQ(frame->delay_raw, 100);  // 3200 us / 32
  EXPECT_TRUE(frame->blocks.empty());
  EXPECT_EQ(frame->implicit_acked_end, 11u);
  EXPECT_EQ(encodedAckFrameBytes(*frame), 5u);
  expectTruthful(*frame, tracker.stopValue(), received);
}

TEST(AckTrackerTest, OneGapIsNackedOnlyAfterTheNackDelay) {
  AckTracker tracker;
  std::set<uint64_t> received;
  receiveAll(tracker, range(2, 6), ms(0), &received);  // 2..5 at 0..3 ms
  const Usec noticed = ms(10);
  tracker.onPacketReceived(8, noticed, AckUrgency::kNone);  // 6, 7 missing
  received.insert(8);
  receiveAll(tracker, {9, 10}, noticed + ms(1), &received);
  EXPECT_EQ(tracker.gapCount(), 1u);
  EXPECT_FALSE(tracker.reportsReceived(6));
  EXPECT_TRUE(tracker.reportsReceived(8));

  // Before the 3 ms nack delay: latest = the packet just before the gap, no blocks, and
  // the delay is measured from that packet's arrival (3 ms).
  auto early = tracker.buildAckFrame(noticed + kNackDelayUsec - 1, 1200);
  ASSERT_TRUE(early);
  EXPECT_EQ(early->latest_packet_number, 5u);
  EXPECT_TRUE(early->blocks.empty());
  EXPECT_EQ(early->delay_raw, (noticed + kNackDelayUsec - 1 - ms(3)) / 32);
  expectTruthful(*early, 0, received);

  auto frame = tracker.buildAckFrame(noticed + kNackDelayUsec, 1200);
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->latest_packet_number, 10u);
  ASSERT_EQ(frame->blocks.size(), 1u);
  EXPECT_EQ(frame->blocks[0].acked_begin, 8u);
  EXPECT_EQ(frame->blocks[0].acked_end, 11u);
  EXPECT_EQ(frame->blocks[0].nacked_begin, 6u);
  EXPECT_EQ(frame->blocks[0].nacked_end, 8u);
  EXPECT_EQ(frame->implicit_acked_end, 6u);
  // Block header: ack run 3, nack run 2 -> 0x32.
  EXPECT_EQ(toHex(encodeAck(*frame)).substr(10), "32");
  expectTruthful(*frame, 0, received);

  // The late packets fill the gap from both ends.
  tracker.onPacketReceived(7, ms(20), AckUrgency::kNone);
  EXPECT_EQ(tracker.gapCount(), 1u);
  tracker.onPacketReceived(6, ms(21), AckUrgency::kNone);
  EXPECT_EQ(tracker.gapCount(), 0u);
  auto filled = tracker.buildAckFrame(ms(22), 1200);
  ASSERT_TRUE(filled);
  EXPECT_EQ(filled->latest_packet_number, 10u);
  EXPECT_TRUE(filled->blocks.empty());
}

TEST(AckTrackerTest, WorkedExample96) {
  // snp.md §9.6: received 2-10, 13-20, 22-40, stop value 2; latest 40 with a delay of
  // 16 units gives `9a 28 00 10 00 b1 02 82 01`.
  AckTracker tracker;
  std::vector<uint64_t> numbers = range(2, 11);
  for (uint64_t n : range(13, 21))
    numbers.push_back(n);
  for (uint64_t n : range(22, 41))
    numbers.push_back(n);
  tracker.onPacketReceived(2, ms(2), AckUrgency::kNone);
  ASSERT_TRUE(tracker.onStopWaiting(2, 3).ok());
  numbers.erase(numbers.begin());
  for (uint64_t n : numbers)
    tracker.onPacketReceived(n, ms(static_cast<int64_t>(n)), AckUrgency::kNone);
  auto frame = tracker.buildAckFrame(ms(40) + 512, 1200);
  ASSERT_TRUE(frame);
  EXPECT_EQ(toHex(encodeAck(*frame)), "9a28001000b1028201");
  EXPECT_EQ(frame->implicit_acked_end, 11u);
  EXPECT_EQ(encodedAckFrameBytes(*frame), 9u);
}

TEST(AckTrackerTest, ManyGapsNewestFirstWithCountByte) {
  AckTracker tracker;
  std::set<uint64_t> received;
  // 20 gaps of growing size, runs of growing size (some >= 8: var-ints in the blocks).
  uint64_t n = 2;
  Usec now = 0;
  for (int i = 0; i < 20; ++i) {
    for (int k = 0; k <= i; ++k) {
      tracker.onPacketReceived(n, now, AckUrgency::kNone);
      received.insert(n++);
      now += 100;
    }
    n += 1 + static_cast<uint64_t>(i);  // the gap
  }
  tracker.onPacketReceived(n, now, AckUrgency::kNone);
  received.insert(n);
  ASSERT_EQ(tracker.gapCount(), 20u);
  auto frame = tracker.buildAckFrame(now + kNackDelayUsec, 1200);
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->latest_packet_number, n);
  ASSERT_EQ(frame->blocks.size(), 20u);
  EXPECT_TRUE(frame->has_block_count_byte);
  // Newest first: the first block nacks the newest (largest) gap.
  EXPECT_EQ(frame->blocks[0].nacked_end - frame->blocks[0].nacked_begin, 20u);
  EXPECT_EQ(frame->blocks[19].nacked_end - frame->blocks[19].nacked_begin, 1u);
  for (size_t i = 1; i < frame->blocks.size(); ++i)
    EXPECT_LT(frame->blocks[i].acked_end, frame->blocks[i - 1].acked_end);
  expectTruthful(*frame, 0, received);
  // Every received number at or above the stop value is acked.
  const Claims claims = claimsOf(*frame, 2);
  for (uint64_t r : received)
    EXPECT_TRUE(claims.acked.count(r)) << r;
}

TEST(AckTrackerTest, MoreThan62GapsMergesTheTwoOldest) {
  AckTracker tracker;
  std::set<uint64_t> received;
  // Every other packet from 2: 70 single-packet gaps 3, 5, ..., 141.
  const Usec end = receiveAll(tracker, everyOther(2, 70), 0, &received);
  EXPECT_EQ(tracker.gapCount(), kMaxTrackedGaps);
  EXPECT_EQ(tracker.counters().gaps_merged, 8u);
  // The 8 merges folded the 9 oldest gaps into one, [3, 20): the received 4, ..., 18 in
  // it now read as not received; 20 and above are intact.
  for (uint64_t n = 3; n < 20; ++n)
    EXPECT_FALSE(tracker.reportsReceived(n)) << n;
  EXPECT_TRUE(tracker.reportsReceived(2));
  EXPECT_TRUE(tracker.reportsReceived(20));
  EXPECT_FALSE(tracker.reportsReceived(21));
  auto frame = tracker.buildAckFrame(end + kNackDelayUsec, 1200);
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->blocks.size(), kMaxTrackedGaps);
  EXPECT_EQ(frame->latest_packet_number, 142u);
  const wire::AckBlock& oldest = frame->blocks.back();
  EXPECT_EQ(oldest.nacked_begin, 3u);
  EXPECT_EQ(oldest.nacked_end, 20u);
  // Safe: it never acks what was not received (merged packets are nacked, not acked).
  expectTruthful(*frame, 0, received, /*exact_nacks=*/false);

  // A missing packet of a newer gap closes that gap.
  tracker.onPacketReceived(101, end, AckUrgency::kNone);
  EXPECT_TRUE(tracker.reportsReceived(101));
  EXPECT_EQ(tracker.gapCount(), kMaxTrackedGaps - 1);
  // One that splits the merged gap while 62 gaps are tracked makes 63: the two oldest
  // (its own halves) merge again, so it keeps reading as not received (the reference's
  // rule; at worst the peer resends it).
  tracker.onPacketReceived(145, end, AckUrgency::kNone);  // gap [143, 145): 62 again
  tracker.onPacketReceived(11, end, AckUrgency::kNone);
  EXPECT_EQ(tracker.gapCount(), kMaxTrackedGaps);
  EXPECT_EQ(tracker.counters().gaps_merged, 9u);
  EXPECT_FALSE(tracker.reportsReceived(11));
}

TEST(AckTrackerTest, AtMost64BlocksKeepingTheOldest) {
  // The default 62-gap limit keeps frames under 64 blocks; a larger (LOCAL) limit shows
  // the frame cap.
  AckTracker tracker(1, /*max_tracked_gaps=*/100);
  std::set<uint64_t> received;
  const Usec end = receiveAll(tracker, everyOther(2, 80), 0, &received);
  ASSERT_EQ(tracker.gapCount(), 80u);
  auto frame = tracker.buildAckFrame(end + kNackDelayUsec, 1200);
  ASSERT_TRUE(frame);
  ASSERT_EQ(frame->blocks.size(), kMaxAckBlocksPerFrame);
  // The oldest 64 gaps are 3, 5, ..., 129; latest = 130, just below gap 65 (131).
  EXPECT_EQ(frame->latest_packet_number, 130u);
  EXPECT_EQ(frame->blocks.back().nacked_begin, 3u);
  EXPECT_EQ(frame->implicit_acked_end, 3u);
  expectTruthful(*frame, 0, received);
}

TEST(AckTrackerTest, SpaceLimitDropsTheNewestBlocksAndLowersLatest) {
  AckTracker tracker;
  std::set<uint64_t> received;
  // 12 gaps with runs of 1..12 packets and gaps of 10 (each nack run needs a var-int).
  uint64_t n = 2;
  Usec now = 0;
  for (int i = 0; i < 12; ++i) {
    for (int k = 0; k <= i; ++k) {
      tracker.onPacketReceived(n, now, AckUrgency::kNone);
      received.insert(n++);
      now += 50;
    }
    n += 10;
  }
  tracker.onPacketReceived(n, now, AckUrgency::kNone);
  received.insert(n);
  const Usec build_at = now + kNackDelayUsec;
  auto full = tracker.buildAckFrame(build_at, 1200);
  ASSERT_TRUE(full);
  ASSERT_EQ(full->blocks.size(), 12u);
  const size_t full_bytes = encodedAckFrameBytes(*full);

  EXPECT_FALSE(tracker.buildAckFrame(build_at, 4));  // not even the 5-byte frame
  for (size_t max_bytes = 5; max_bytes <= full_bytes; ++max_bytes) {
    SCOPED_TRACE(max_bytes);
    auto frame = tracker.buildAckFrame(build_at, max_bytes);
    ASSERT_TRUE(frame);
    const size_t bytes = encodeAck(*frame).size();
    EXPECT_LE(bytes, max_bytes);
    EXPECT_EQ(bytes, encodedAckFrameBytes(*frame));
    // The kept blocks are the oldest ones of the full frame, in the same order.
    const size_t kept = frame->blocks.size();
    ASSERT_LE(kept, full->blocks.size());
    for (size_t i = 0; i < kept; ++i) {
      const wire::AckBlock& a = frame->blocks[i];
      const wire::AckBlock& b = full->blocks[full->blocks.size() - kept + i];
      EXPECT_EQ(a.acked_begin, b.acked_begin);
      EXPECT_EQ(a.acked_end, b.acked_end);
      EXPECT_EQ(a.nacked_begin, b.nacked_begin);
    }
    // latest = the top of the newest kept block, or just below the oldest gap.
    const uint64_t expected_latest =
        kept == 0 ? full->blocks.back().nacked_begin - 1 : frame->blocks.front().acked_end - 1;
    EXPECT_EQ(frame->latest_packet_number, expected_latest);
    // Maximal: one more block would not have fitted.
    if (kept < full->blocks.size()) {
      wire::AckFrame bigger = *frame;
      bigger.blocks.insert(bigger.blocks.begin(), full->blocks[full->blocks.size() - kept - 1]);
      bigger.latest_packet_number = bigger.blocks.front().acked_end - 1;
      bigger.has_block_count_byte = bigger.blocks.size() > wire::kAckMaxInlineBlockCount;
      EXPECT_GT(encodedAckFrameBytes(bigger), max_bytes);
    }
    expectTruthful(*frame, 0, received);
  }
}

TEST(AckTrackerTest, StopWaitingDropsAndCutsGaps) {
  AckTracker tracker;
  std::set<uint64_t> received;
  // Received 2-4, 7-9, 12-14, 20-22: gaps [5,7), [10,12), [15,20).
  std::vector<uint64_t> numbers = {2, 3, 4, 7, 8, 9, 12, 13, 14, 20, 21, 22};
  const Usec end = receiveAll(tracker, numbers, 0, &received);
  ASSERT_EQ(tracker.gapCount(), 3u);
  ASSERT_TRUE(tracker.onStopWaiting(11, 23).ok());
  EXPECT_EQ(tracker.stopValue(), 11u);
  EXPECT_EQ(tracker.gapCount(), 2u);  // [5,7) dropped, [10,12) cut to [11,12)
  tracker.onPacketReceived(23, end, AckUrgency::kNone);
  received.insert(23);
  auto frame = tracker.buildAckFrame(end + kNackDelayUsec, 1200);
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->latest_packet_number, 23u);
  ASSERT_EQ(frame->blocks.size(), 2u);
  EXPECT_EQ(frame->blocks[0].nacked_begin, 15u);
  EXPECT_EQ(frame->blocks[0].nacked_end, 20u);
  EXPECT_EQ(frame->blocks[1].acked_begin, 12u);
  EXPECT_EQ(frame->blocks[1].nacked_begin, 11u);
  EXPECT_EQ(frame->blocks[1].nacked_end, 12u);
  EXPECT_EQ(frame->implicit_acked_end, 11u);
  expectTruthful(*frame, 11, received);

  // With room for no block, latest = 10, the packet before the cut gap: below the stop
  // value and never received, so its arrival is unknown: delay 0xFFFF.
  auto minimal = tracker.buildAckFrame(end + kNackDelayUsec, 5);
  ASSERT_TRUE(minimal);
  EXPECT_EQ(minimal->latest_packet_number, 10u);
  EXPECT_TRUE(minimal->blocks.empty());
  EXPECT_EQ(minimal->delay_raw, wire::kAckDelayNoTiming);

  // A packet below the stop value is not recorded.
  tracker.onPacketReceived(6, end, AckUrgency::kNone);
  EXPECT_EQ(tracker.counters().packets_below_stop, 1u);
  EXPECT_EQ(tracker.gapCount(), 2u);

  // Raising it past every gap leaves none.
  ASSERT_TRUE(tracker.onStopWaiting(21, 24).ok());
  EXPECT_EQ(tracker.gapCount(), 0u);
  auto clean = tracker.buildAckFrame(end + ms(10), 1200);
  ASSERT_TRUE(clean);
  EXPECT_EQ(clean->latest_packet_number, 23u);
  EXPECT_TRUE(clean->blocks.empty());
}

TEST(AckTrackerTest, StopValueIsClampedToTheHighestReceived) {
  AckTracker tracker;
  receiveAll(tracker, {2, 3, 4}, 0);
  // §1.7: a stop value above what we have is clamped to it.
  ASSERT_TRUE(tracker.onStopWaiting(9, 10).ok());
  EXPECT_EQ(tracker.stopValue(), 4u);
  // A later packet carrying 5 (above the clamped 4) is not a lowering.
  ASSERT_TRUE(tracker.onStopWaiting(5, 11).ok());
  EXPECT_EQ(tracker.stopValue(), 4u);
}

TEST(AckTrackerTest, LoweringTheStopValue) {
  AckTracker tracker;
  receiveAll(tracker, range(2, 40), 0);
  ASSERT_TRUE(tracker.onStopWaiting(20, 30).ok());
  ASSERT_EQ(tracker.stopValue(), 20u);
  // Same value again: fine.
  EXPECT_TRUE(tracker.onStopWaiting(20, 35).ok());
  // Lower, but carried by a packet older than 30 (reordered): ignored.
  EXPECT_TRUE(tracker.onStopWaiting(15, 29).ok());
  EXPECT_EQ(tracker.stopValue(), 20u);
  EXPECT_EQ(tracker.counters().stop_lowerings_ignored, 1u);
  // Lower in a newer packet (or the same one): an error naming the values.
  const absl::Status newer = tracker.onStopWaiting(15, 36);
  EXPECT_EQ(newer.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(newer.message().find("packet 36 lowers the stop value from 20"), std::string::npos)
      << newer;
  EXPECT_FALSE(tracker.onStopWaiting(19, 30).ok());
  EXPECT_EQ(tracker.stopValue(), 20u);
  // Raising it in a newer packet still works, and moves the "raised by" packet.
  ASSERT_TRUE(tracker.onStopWaiting(25, 38).ok());
  EXPECT_TRUE(tracker.onStopWaiting(22, 37).ok());   // older than 38: ignored
  EXPECT_FALSE(tracker.onStopWaiting(22, 39).ok());  // newer: error
}

TEST(AckTrackerTest, DelayField) {
  EXPECT_EQ(ackDelayField(std::nullopt, 1000), 0xFFFF);
  EXPECT_EQ(ackDelayField(1000, 1000), 0);
  EXPECT_EQ(ackDelayField(1000, 1031), 0);
  EXPECT_EQ(ackDelayField(1000, 1032), 1);
  EXPECT_EQ(ackDelayField(1000, 900), 0);  // clock misuse: no negative delay
  // snp.md §9.2: 1567 units = 50.1 ms.
  EXPECT_EQ(ackDelayField(0, 50144), 1567);
  // The largest value with timing, 0xFFFE units (~2.097 s); longer is 0xFFFF.
  EXPECT_EQ(ackDelayField(0, Usec{0xFFFE} * 32), 0xFFFE);
  EXPECT_EQ(ackDelayField(0, Usec{0xFFFE} * 32 + 31), 0xFFFE);
  EXPECT_EQ(ackDelayField(0, Usec{0xFFFF} * 32), 0xFFFF);
  EXPECT_EQ(ackDelayField(0, 10 * kUsecPerSec), 0xFFFF);

  AckTracker tracker;
  tracker.onPacketReceived(2, ms(100), AckUrgency::kNone);
  EXPECT_EQ(tracker.buildAckFrame(ms(100) + 32 * 1000, 1200)->delay_raw, 1000);
  EXPECT_EQ(tracker.buildAckFrame(ms(100) + 3 * kUsecPerSec, 1200)->delay_raw, 0xFFFF);
}

TEST(AckTrackerTest, DueTimes) {
  AckTracker tracker;
  EXPECT_EQ(tracker.ackDueTime(), kNever);
  // Unreliable-only packets in order schedule nothing.
  tracker.onPacketReceived(2, ms(10), AckUrgency::kNone);
  EXPECT_EQ(tracker.ackDueTime(), kNever);
  // Reliable data: within 50 ms of the first such packet; later ones do not extend it.
  tracker.onPacketReceived(3, ms(20), AckUrgency::kDelayed);
  EXPECT_EQ(tracker.ackDueTime(), ms(20) + kMaxDataAckDelayUsec);
  tracker.onPacketReceived(4, ms(30), AckUrgency::kDelayed);
  EXPECT_EQ(tracker.ackDueTime(), ms(70));
  // An ack covering packet 4 clears it.
  auto frame = tracker.buildAckFrame(ms(40), 1200);
  ASSERT_TRUE(frame);
  tracker.onAckSent(ms(40), *frame);
  EXPECT_EQ(tracker.ackDueTime(), kNever);
  // ACK_REQUEST_IMMEDIATE: now.
  tracker.onPacketReceived(5, ms(50), AckUrgency::kImmediate);
  EXPECT_EQ(tracker.ackDueTime(), ms(50));
  tracker.onAckSent(ms(50), *tracker.buildAckFrame(ms(50), 1200));
  EXPECT_EQ(tracker.ackDueTime(), kNever);

  // A gap: may be nacked (and is due) 3 ms after it is noticed, even for unreliable data.
  tracker.onPacketReceived(8, ms(60), AckUrgency::kNone);
  EXPECT_EQ(tracker.ackDueTime(), ms(60) + kNackDelayUsec);
  auto nack = tracker.buildAckFrame(ms(63), 1200);
  ASSERT_TRUE(nack);
  ASSERT_EQ(nack->blocks.size(), 1u);
  tracker.onAckSent(ms(63), *nack);
  EXPECT_EQ(tracker.ackDueTime(), kNever);  // reported once; no further wake-ups for it

  // Reliable data behind a fresh gap: an ack sent before the nack time holds latest below
  // the gap, so the data deadline moves to the gap's nack time, not later.
  tracker.onPacketReceived(10, ms(70), AckUrgency::kDelayed);  // gap [9, 10)
  EXPECT_EQ(tracker.ackDueTime(), ms(73));
  auto held = tracker.buildAckFrame(ms(71), 1200);
  ASSERT_TRUE(held);
  EXPECT_EQ(held->latest_packet_number, 8u);
  tracker.onAckSent(ms(71), *held);
  EXPECT_EQ(tracker.ackDueTime(), ms(73));
  auto full = tracker.buildAckFrame(ms(73), 1200);
  ASSERT_TRUE(full);
  EXPECT_EQ(full->latest_packet_number, 10u);
  tracker.onAckSent(ms(73), *full);
  EXPECT_EQ(tracker.ackDueTime(), kNever);

  // An ack trimmed for space leaves the reliable data's deadline due.
  for (uint64_t n : {6, 7, 9})
    tracker.onPacketReceived(n, ms(75), AckUrgency::kNone);
  ASSERT_EQ(tracker.gapCount(), 0u);
  tracker.onPacketReceived(12, ms(80), AckUrgency::kNone);     // gap [11, 12)
  tracker.onPacketReceived(14, ms(81), AckUrgency::kDelayed);  // gap [13, 14)
  auto trimmed = tracker.buildAckFrame(ms(90), 6);             // room for 1 block
  ASSERT_TRUE(trimmed);
  ASSERT_EQ(trimmed->blocks.size(), 1u);
  EXPECT_EQ(trimmed->latest_packet_number, 12u);
  tracker.onAckSent(ms(90), *trimmed);
  EXPECT_EQ(tracker.ackDueTime(), ms(81) + kNackDelayUsec);  // gap [13,14) not reported yet
}

TEST(AckTrackerTest, RequestedAndRefusalFlushes) {
  AckTracker tracker;
  tracker.onPacketReceived(2, 0, AckUrgency::kNone);
  // §3.2: the peer's ack had 2 blocks: force a packet within 250 ms / 2.
  tracker.requestAckWithin(ms(10), kPeerBlocksFlushBudgetUsec / 2);
  EXPECT_EQ(tracker.ackDueTime(), ms(135));
  tracker.requestAckWithin(ms(20), ms(500));  // a later request does not delay it
  EXPECT_EQ(tracker.ackDueTime(), ms(135));
  tracker.onAckSent(ms(30), *tracker.buildAckFrame(ms(30), 1200));
  EXPECT_EQ(tracker.ackDueTime(), kNever);

  // §3.2: a refused packet flushes at 2 x (srtt clamped to 0-100 ms + 5 ms).
  tracker.onPacketRefused(ms(100), ms(30));
  EXPECT_EQ(tracker.ackDueTime(), ms(100) + ms(70));
  tracker.onAckSent(ms(101), *tracker.buildAckFrame(ms(101), 1200));
  tracker.onPacketRefused(ms(200), ms(400));
  EXPECT_EQ(tracker.ackDueTime(), ms(200) + ms(210));
  tracker.onAckSent(ms(201), *tracker.buildAckFrame(ms(201), 1200));
  tracker.onPacketRefused(ms(300), -ms(5));
  EXPECT_EQ(tracker.ackDueTime(), ms(300) + ms(10));
}

TEST(AckTrackerTest, SizeHelperMatchesTheEncoder) {
  std::mt19937_64 random(7);
  const uint64_t kRuns[] = {0, 1, 7, 8, 9, 63, 64, 1023, 1024, 1025, 131071, 131072, 800000};
  for (int round = 0; round < 300; ++round) {
    wire::AckFrame frame;
    frame.latest_is_16bit = random() % 2 == 0;
    const size_t count = random() % 70;
    frame.has_block_count_byte = count > wire::kAckMaxInlineBlockCount || random() % 2 == 0;
    uint64_t end = uint64_t{1} << 40;
    frame.latest_packet_number = end - 1;
    for (size_t i = 0; i < count; ++i) {
      const uint64_t ack_run = kRuns[random() % std::size(kRuns)];
      const uint64_t nack_run = kRuns[random() % std::size(kRuns)];
      wire::AckBlock block{end - ack_run, end, end - ack_run - nack_run, end - ack_run};
      frame.blocks.push_back(block);
      end = block.nacked_begin;
    }
    frame.implicit_acked_end = end;
    EXPECT_EQ(encodeAck(frame).size(), encodedAckFrameBytes(frame)) << round;
  }
  EXPECT_EQ(encodedAckBlockBytes(7, 7), 1u);
  EXPECT_EQ(encodedAckBlockBytes(8, 0), 2u);
  EXPECT_EQ(encodedAckBlockBytes(1024, 8), 4u);  // 1024 >> 3 = 128: a 2-byte var-int
}

// ---------------------------------------------------------------------------------------
// lossy_session: the client's receive side.
//
// The client ran with 10 % fake loss and 5 % fake reordering (10 ms) on send and on
// receive. The capture shows which server packets it processed (client_fake_loss_recv_
// dropped is false), but not when: a packet delayed by receive-side reordering is
// processed up to ~10 ms after its capture time, and a client packet delayed by send-side
// reordering reaches the wire up to ~10 ms after it was built. kReorderSlack covers either
// delay (10 ms + 2 ms of scheduling slack); an ack captured at t was built at or after
// t - kReorderSlack and reflects every packet captured before t - 2 * kReorderSlack.

constexpr Usec kReorderSlack = ms(12);

struct ServerPacket {
  size_t index = 0;
  Usec time = 0;
  uint64_t number = 0;
  uint64_t stop = 0;
  AckUrgency urgency = AckUrgency::kNone;
};

struct ClientAck {
  size_t index = 0;
  Usec time = 0;
  uint64_t number = 0;
  wire::AckFrame frame;
};

struct LossySession {
  std::vector<ServerPacket> received;  // by the client, in capture order
  std::vector<ClientAck> acks;         // in capture order
  std::map<uint64_t, Usec> capture_time;
};

LossySession loadLossySession() {
  LossySession session;
  const json doc = vt::loadJson(vt::vectorsDir() / "lossy_session.packets.json");
  uint64_t highest_s2c = 1;
  uint64_t highest_c2s = 1;
  for (const json& packet : doc["packets"]) {
    if (packet["kind"] != "data") continue;
    const size_t index = packet["index"].get<size_t>();
    const bool s2c = packet["direction"] == "s2c";
    const uint64_t number = packet["full_packet_number"].get<uint64_t>();
    const Usec time = static_cast<Usec>(std::llround(packet["t_rel"].get<double>() * 1e6));
    const Bytes udp = vt::hexBytes(packet["udp_payload_hex"].get<std::string>());
    const size_t offset = packet["chunk_offset"].get<size_t>();
    const Bytes plaintext(udp.begin() + static_cast<std::ptrdiff_t>(offset), udp.end());
    wire::SnpDecodeContext context;
    context.packet_number = number;
    context.ack_reference_packet_number = (s2c ? highest_c2s : highest_s2c) + 1;
    (s2c ? highest_s2c : highest_c2s) = std::max(s2c ? highest_s2c : highest_c2s, number);
    auto frames = wire::decodeSnpFrames(plaintext, context);
    EXPECT_TRUE(frames.ok()) << "idx " << index << ": " << frames.status();
    if (!frames.ok()) continue;
    if (s2c) {
      if (packet["client_fake_loss_recv_dropped"].get<bool>()) continue;
      ServerPacket received{index, time, number, 0, AckUrgency::kNone};
      for (const wire::SnpFrame& frame : *frames) {
        if (const auto* stop = std::get_if<wire::StopWaitingFrame>(&frame))
          received.stop = stop->stop_packet_number;
        if (std::holds_alternative<wire::ReliableSegmentFrame>(frame))
          received.urgency = AckUrgency::kDelayed;
      }
      session.received.push_back(received);
      session.capture_time[number] = time;
    } else {
      for (const wire::SnpFrame& frame : *frames) {
        if (const auto* ack = std::get_if<wire::AckFrame>(&frame))
          session.acks.push_back({index, time, number, *ack});
      }
    }
  }
  return session;
}

void feed(AckTracker& tracker, const ServerPacket& packet) {
  const absl::Status status = tracker.onStopWaiting(packet.stop, packet.number);
  EXPECT_TRUE(status.ok()) << "idx " << packet.index << ": " << status;
  tracker.onPacketReceived(packet.number, packet.time, packet.urgency);
}

void expectSameAck(const wire::AckFrame& ours, const wire::AckFrame& theirs) {
  EXPECT_EQ(ours.latest_packet_number, theirs.latest_packet_number);
  EXPECT_EQ(ours.implicit_acked_end, theirs.implicit_acked_end);
  ASSERT_EQ(ours.blocks.size(), theirs.blocks.size());
  for (size_t i = 0; i < ours.blocks.size(); ++i) {
    EXPECT_EQ(ours.blocks[i].acked_begin, theirs.blocks[i].acked_begin) << "block " << i;
    EXPECT_EQ(ours.blocks[i].acked_end, theirs.blocks[i].acked_end) << "block " << i;
    EXPECT_EQ(ours.blocks[i].nacked_begin, theirs.blocks[i].nacked_begin) << "block " << i;
  }
}

// Capture-order replay. For each ack frame the client sent (captured at t), with
// `current` = our tracker fed every processed server packet captured before t and
// `lagging` = fed those captured before t - 2 * kReorderSlack:
//  1. every packet the frame acks (explicit runs, and the implicit block from our stop
//     value up) is received in `current`;
//  2. no packet it nacks is received in `lagging`;
//  3. lagging's contiguous top <= latest <= current's highest;
//  4. delay x 32 us lies within [t - 2 * kReorderSlack, t + 1 ms] - capture time of latest
//     (0xFFFF only for the handshake's packet 1);
//  5. exact equality of latest, blocks and implicit end with our frame built at t
//     wherever the reference's input is certain: no processed server packet was captured
//     in (t - 2 * kReorderSlack, t], so `lagging` and `current` agree.
TEST(AckTrackerVectorsTest, LossySessionCaptureOrderReplay) {
  OPENGNS_REQUIRE_SHARED();
  const LossySession session = loadLossySession();
  ASSERT_EQ(session.acks.size(), 280u);  // every client data packet carries one (README)
  AckTracker current;
  AckTracker lagging;
  size_t fed_current = 0;
  size_t fed_lagging = 0;
  size_t exact = 0;
  size_t exact_with_blocks = 0;
  size_t with_blocks = 0;
  for (const ClientAck& ack : session.acks) {
    SCOPED_TRACE("client ack idx " + std::to_string(ack.index));
    while (fed_current < session.received.size() &&
           session.received[fed_current].index < ack.index) {
      feed(current, session.received[fed_current++]);
    }
    while (fed_lagging < fed_current &&
           session.received[fed_lagging].time <= ack.time - 2 * kReorderSlack) {
      feed(lagging, session.received[fed_lagging++]);
    }
    const wire::AckFrame& theirs = ack.frame;
    if (!theirs.blocks.empty()) ++with_blocks;

    const Claims claims = claimsOf(theirs, current.stopValue());
    for (uint64_t n : claims.acked) {
      if (n >= current.stopValue()) {
        EXPECT_TRUE(current.reportsReceived(n)) << "acks " << n;
      }
    }
    for (uint64_t n : claims.nacked)
      EXPECT_FALSE(lagging.reportsReceived(n)) << "nacks " << n;

    EXPECT_LE(theirs.latest_packet_number, current.highestReceived());
    const auto contiguous = lagging.buildAckFrame(ack.time, 5);
    ASSERT_TRUE(contiguous);
    EXPECT_GE(theirs.latest_packet_number, contiguous->latest_packet_number);

    if (theirs.delay_raw == wire::kAckDelayNoTiming) {
      EXPECT_EQ(theirs.latest_packet_number, 1u);
    } else {
      ASSERT_TRUE(session.capture_time.count(theirs.latest_packet_number));
      const Usec since_capture = ack.time - session.capture_time.at(theirs.latest_packet_number);
      const Usec delay_usec = Usec{theirs.delay_raw} * wire::kAckDelayUnitUsec;
      EXPECT_LE(delay_usec, since_capture + ms(1));
      EXPECT_GE(delay_usec, since_capture - 2 * kReorderSlack);
    }

    if (fed_lagging == fed_current) {
      const auto ours = current.buildAckFrame(ack.time, 1200);
      ASSERT_TRUE(ours);
      expectSameAck(*ours, theirs);
      ++exact;
      if (!theirs.blocks.empty()) ++exact_with_blocks;
    }
  }
  std::cout << "[ lossy_session ] " << session.acks.size() << " client acks (" << with_blocks
            << " with blocks) consistent; " << exact << " compared exactly (" << exact_with_blocks
            << " with blocks)\n";
  EXPECT_GT(exact, 50u);
  EXPECT_GE(exact_with_blocks, 1u);
}

// Build-order replay. The client's packet numbers give the order in which it built its
// acks. For each, in that order, the packets the frame reports as received (explicit
// runs and the implicit block from the client's stop value, i.e. the highest stop value
// carried by the packets it reports) that our tracker has not had yet are
// fed to it (in capture order, with their stop-waiting values, so older packets may
// carry lower stop values: the reordering rule of §3.5), and each must be a server
// packet the client did not drop, captured before the ack. Our frame built at the ack's
// capture time must then equal the client's exactly (latest, every block, implicit end):
// the reference's gap bookkeeping, block order and runs and stop-value handling,
// reproduced for all 280 frames, 25 of them with blocks.
TEST(AckTrackerVectorsTest, LossySessionBuildOrderReplayIsExact) {
  OPENGNS_REQUIRE_SHARED();
  const LossySession session = loadLossySession();
  std::map<uint64_t, const ServerPacket*> by_number;
  for (const ServerPacket& packet : session.received)
    by_number[packet.number] = &packet;
  std::vector<ClientAck> acks = session.acks;
  std::sort(acks.begin(), acks.end(),
            [](const ClientAck& a, const ClientAck& b) { return a.number < b.number; });
  AckTracker tracker;
  std::set<uint64_t> fed;
  size_t with_blocks = 0;
  size_t inferred_from_stop = 0;
  for (const ClientAck& ack : acks) {
    SCOPED_TRACE("client packet " + std::to_string(ack.number) + " idx " +
                 std::to_string(ack.index));
    // The implicit block starts at the client's stop value, which the packets it had
    // processed may have raised. Each reported packet is fed with its stop value; a
    // reported number that the client never processed can only lie below its stop value,
    // so the first unfed server packet captured before the ack with a stop value above it
    // was processed too (a packet above `latest`, not reported yet: the reference holds
    // `latest` below a gap it may not nack yet). Repeat until nothing changes.
    uint64_t stop = tracker.stopValue();
    std::vector<const ServerPacket*> fresh;
    std::set<uint64_t> chosen;
    for (bool changed = true; changed;) {
      changed = false;
      const Claims claims = claimsOf(ack.frame, std::max<uint64_t>(stop, 2));
      for (uint64_t n : claims.acked) {
        if (fed.count(n) || chosen.count(n)) continue;
        const ServerPacket* packet = nullptr;
        if (auto it = by_number.find(n); it != by_number.end()) {
          packet = it->second;
        } else {
          for (const ServerPacket& candidate : session.received) {
            if (candidate.time <= ack.time && candidate.stop > n && !fed.count(candidate.number) &&
                !chosen.count(candidate.number)) {
              packet = &candidate;
              ++inferred_from_stop;
              break;
            }
          }
          ASSERT_NE(packet, nullptr) << "acks " << n << ", which the client never processed";
        }
        EXPECT_LE(packet->time, ack.time) << "acks " << n << " captured later";
        chosen.insert(packet->number);
        fresh.push_back(packet);
        if (packet->stop > stop) {
          stop = packet->stop;
          changed = true;
          break;
        }
      }
    }
    std::sort(fresh.begin(), fresh.end(),
              [](const ServerPacket* a, const ServerPacket* b) { return a->index < b->index; });
    for (const ServerPacket* packet : fresh) {
      feed(tracker, *packet);
      fed.insert(packet->number);
    }
    const auto ours = tracker.buildAckFrame(ack.time, 1200);
    ASSERT_TRUE(ours);
    expectSameAck(*ours, ack.frame);
    if (!ack.frame.blocks.empty()) ++with_blocks;
  }
  EXPECT_EQ(with_blocks, 25u);
  std::cout << "[ lossy_session ] build-order replay: " << acks.size()
            << " client acks reproduced exactly; " << inferred_from_stop
            << " unreported packets inferred from the stop value\n";
}

}  // namespace
}  // namespace opengns::snp
