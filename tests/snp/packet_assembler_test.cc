// PacketAssembler (snp.md §8.3): frame order, lane grouping and select-lane forms, size
// codes, resends before new data, the plaintext budget, and that every packet decodes
// with the wire decoder and carries exactly the ranges it reports.
#include "snp/packet_assembler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <variant>
#include <vector>

#include "common/log.h"
#include "snp/ack_tracker.h"
#include "snp/lane_scheduler.h"
#include "snp/reliable_stream_receiver.h"
#include "snp/send_lane.h"
#include "snp/unreliable_reassembler.h"
#include "wire/snp_frame_decoder.h"
#include "wire/snp_frames.h"

namespace opengns::snp {
namespace {

constexpr size_t kNullBudget = 1248;  // snp.md §5.1, NULL cipher, default MTU

Bytes pattern(uint64_t seed, size_t size) {
  Bytes bytes(size);
  for (size_t i = 0; i < size; ++i)
    bytes[i] = static_cast<uint8_t>((seed * 131 + i * 7) ^ (i >> 8));
  return bytes;
}

// Lanes + scheduler, as SnpSession holds them.
class Sender {
 public:
  explicit Sender(size_t lane_count, size_t max_plaintext = kNullBudget,
                  std::vector<int> priorities = {}, std::vector<uint16_t> weights = {}) {
    EXPECT_TRUE(scheduler.configure(lane_count, priorities, weights).ok());
    for (size_t i = 0; i < lane_count; ++i) {
      SendLaneConfig config;
      config.lane = static_cast<uint32_t>(i);
      config.max_reliable_segment_bytes = maxReliableSegmentBytes(max_plaintext);
      lanes.push_back(std::make_unique<SendLane>(config));
    }
  }
  uint64_t send(uint32_t lane, int flags, Bytes payload, Usec now = 0) {
    const size_t size = payload.size();
    absl::StatusOr<QueuedMessage> queued =
        lanes[lane]->queueMessage(now, std::move(payload), flags, SendBufferState{1u << 30, 0});
    EXPECT_TRUE(queued.ok()) << queued.status();
    if (!queued.ok()) return 0;
    scheduler.onQueued(lane, queued->queued_bytes);
    (void)size;
    return queued->message_number;
  }
  AssembledPacket assemble(uint64_t number, size_t budget, const AckTracker* acks = nullptr,
                           uint64_t stop = 0, bool allow_data = true, Usec now = 0) {
    PacketAssemblyInput input;
    input.packet_number = number;
    input.max_plaintext_bytes = budget;
    input.stop_value = stop;
    input.acks = acks;
    input.allow_data = allow_data;
    return assembler.assemble(now, input, lanes, scheduler);
  }

  std::vector<std::unique_ptr<SendLane>> lanes;
  LaneScheduler scheduler;
  PacketAssembler assembler;
};

// `ack_reference`: the peer's next packet number (acks are expanded against it).
std::vector<wire::SnpFrame> decode(const AssembledPacket& packet, uint64_t ack_reference = 1000) {
  wire::SnpDecodeContext context;
  context.packet_number = packet.packet_number;
  context.ack_reference_packet_number = ack_reference;
  absl::StatusOr<std::vector<wire::SnpFrame>> frames =
      wire::decodeSnpFrames(packet.plaintext, context);
  EXPECT_TRUE(frames.ok()) << frames.status() << "\n" << toHex(packet.plaintext);
  return frames.ok() ? *frames : std::vector<wire::SnpFrame>{};
}

// The receiving side of a test: per-lane stream and unreliable reassembly.
class Receiver {
 public:
  void take(const std::vector<wire::SnpFrame>& frames) {
    for (const wire::SnpFrame& frame : frames) {
      if (const auto* r = std::get_if<wire::ReliableSegmentFrame>(&frame)) {
        EXPECT_TRUE(stream(r->lane).receiveSegment(r->stream_position, r->data, messages).ok());
      } else if (const auto* u = std::get_if<wire::UnreliableSegmentFrame>(&frame)) {
        auto [it, inserted] = unreliable.try_emplace(u->lane, u->lane);
        auto result =
            it->second.receiveSegment(u->message_number, u->offset_bytes, u->is_last, u->data);
        if (result.message) messages.push_back(*result.message);
      }
    }
  }
  ReliableStreamReceiver& stream(uint32_t lane) {
    return streams.try_emplace(lane, lane).first->second;
  }
  std::map<uint32_t, ReliableStreamReceiver> streams;
  std::map<uint32_t, UnreliableReassembler> unreliable;
  std::vector<ReceivedMessage> messages;
};

TEST(PacketAssemblerTest, FirstPacketAtProtocol13IsStopWaitingAndTheHandshakeAck) {
  // snp.md §3.1 / §9.1: packet 2, S_sender 0 -> `80 01`; the first ack reads latest 1
  // with no timing -> `98 01 00 ff ff`.
  Sender sender(1);
  AckTracker acks(1);
  AssembledPacket packet = sender.assemble(2, kNullBudget, &acks);
  EXPECT_EQ(toHex(packet.plaintext),
            "800198010"
            "0ffff");
  EXPECT_FALSE(packet.carriesData());
  ASSERT_TRUE(packet.ack.has_value());
  EXPECT_EQ(packet.ack->latest_packet_number, 1u);
}

TEST(PacketAssemblerTest, StopWaitingUsesTheSmallestField) {
  // §1.7: f = P - S - 1 in 1, 2, 3 or 8 bytes.
  Sender sender(1);
  EXPECT_EQ(toHex(sender.assemble(13, kNullBudget, nullptr, 12).plaintext), "8000");
  EXPECT_EQ(toHex(sender.assemble(300, kNullBudget, nullptr, 2).plaintext),
            "81"
            "2901");
  EXPECT_EQ(stopWaitingFrameBytes(300, 2), 3u);
  EXPECT_EQ(stopWaitingFrameBytes(1u << 20, 1), 4u);
  EXPECT_EQ(stopWaitingFrameBytes(uint64_t{1} << 30, 1), 9u);
}

TEST(PacketAssemblerTest, SmallReliableMessagesAreDeliveredInOrderFromOnePacket) {
  Sender sender(1);
  std::vector<Bytes> payloads;
  for (int i = 0; i < 5; ++i) {
    payloads.push_back(pattern(i, 22 + i));
    sender.send(0, kSendReliable, payloads.back());
  }
  AckTracker acks(1);
  AssembledPacket packet = sender.assemble(4, kNullBudget, &acks, 1);
  std::vector<wire::SnpFrame> frames = decode(packet);
  ASSERT_GE(frames.size(), 3u);
  EXPECT_TRUE(std::holds_alternative<wire::StopWaitingFrame>(frames[0]));
  EXPECT_TRUE(std::holds_alternative<wire::AckFrame>(frames[1]));
  Receiver receiver;
  receiver.take(frames);
  ASSERT_EQ(receiver.messages.size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(receiver.messages[i].message_number, i + 1);
    EXPECT_EQ(receiver.messages[i].data, payloads[i]);
  }
  // One range from stream position 1 covers the five (header + payload each).
  uint64_t stream_bytes = 0;
  for (const Bytes& p : payloads)
    stream_bytes += 1 + p.size();
  ASSERT_EQ(packet.ranges.size(), 1u);
  EXPECT_EQ(packet.ranges[0], (SentRange{0, 1, 1 + stream_bytes}));
}

TEST(PacketAssemblerTest, LanesAreGroupedWithFullSelectLaneFrames) {
  // §1.9: lanes 1-7 one byte (0x88 + lane - 1); lanes 8+ the escape 0x8F and the FULL
  // var-int (the reference drops its last byte; a GNS receiver then closes).
  Sender sender(201);
  const Bytes l200 = pattern(200, 30), l9 = pattern(9, 31), l0 = pattern(0, 32),
              l3 = pattern(3, 33);
  sender.send(200, kSendReliable, l200);
  sender.send(9, kSendUnreliable, l9);
  sender.send(0, kSendReliable, l0);
  sender.send(3, kSendReliable, l3);
  AssembledPacket packet = sender.assemble(2, kNullBudget);
  std::vector<wire::SnpFrame> frames = decode(packet);
  std::vector<uint32_t> selected;
  bool last_has_size = true;
  for (size_t i = 0; i < frames.size(); ++i) {
    if (const auto* s = std::get_if<wire::SelectLaneFrame>(&frames[i])) selected.push_back(s->lane);
    if (const auto* r = std::get_if<wire::ReliableSegmentFrame>(&frames[i])) {
      if (i + 1 == frames.size())
        last_has_size = r->has_size_byte;
      else
        EXPECT_TRUE(r->has_size_byte) << "frame " << i;
    }
    if (const auto* u = std::get_if<wire::UnreliableSegmentFrame>(&frames[i])) {
      if (i + 1 == frames.size())
        last_has_size = u->has_size_byte;
      else
        EXPECT_TRUE(u->has_size_byte) << "frame " << i;
    }
  }
  // Lane 0 first without a frame, then the others (in the order they were first picked).
  std::sort(selected.begin(), selected.end());
  EXPECT_EQ(selected, (std::vector<uint32_t>{3, 9, 200}));
  ASSERT_GE(frames.size(), 3u);
  ASSERT_TRUE(std::holds_alternative<wire::ReliableSegmentFrame>(frames[1]));
  EXPECT_EQ(std::get<wire::ReliableSegmentFrame>(frames[1]).lane, 0u);
  EXPECT_FALSE(last_has_size) << "the last segment uses size code 7";
  const std::string hex = toHex(packet.plaintext);
  EXPECT_NE(hex.find("8fc801"), std::string::npos);  // lane 200: 8F C8 01
  EXPECT_NE(hex.find("8f09"), std::string::npos);    // lane 9: 8F 09
  EXPECT_NE(hex.find("8a"), std::string::npos);      // lane 3: 8A
  Receiver receiver;
  receiver.take(frames);
  ASSERT_EQ(receiver.messages.size(), 4u);
  std::map<uint32_t, Bytes> by_lane;
  for (const ReceivedMessage& m : receiver.messages)
    by_lane[m.lane] = m.data;
  EXPECT_EQ(by_lane[0], l0);
  EXPECT_EQ(by_lane[3], l3);
  EXPECT_EQ(by_lane[9], l9);
  EXPECT_EQ(by_lane[200], l200);
  EXPECT_EQ(packet.lane_groups, 4u);
}

TEST(PacketAssemblerTest, LargeReliableMessageUsesMaximumSegmentsAndFillsPackets) {
  // §5.1: a reliable segment is at most max plaintext - 100 + 5 bytes (1153 under NULL).
  Sender sender(1);
  const Bytes big = pattern(5, 5000);
  sender.send(0, kSendReliable, big);
  Receiver receiver;
  uint64_t number = 2;
  while (sender.lanes[0]->hasQueuedMessages()) {
    AssembledPacket packet = sender.assemble(number++, kNullBudget);
    EXPECT_LE(packet.plaintext.size(), kNullBudget);
    std::vector<wire::SnpFrame> frames = decode(packet);
    for (const wire::SnpFrame& frame : frames) {
      if (const auto* r = std::get_if<wire::ReliableSegmentFrame>(&frame)) {
        EXPECT_LE(r->data.size(), maxReliableSegmentBytes(kNullBudget));
      }
    }
    receiver.take(frames);
  }
  ASSERT_EQ(receiver.messages.size(), 1u);
  EXPECT_EQ(receiver.messages[0].data, big);
  EXPECT_LE(number - 2, 5u);  // 5004 stream bytes in at most 5 packets
}

TEST(PacketAssemblerTest, ResendsGoFirstInStreamOrderBeforeNewData) {
  Sender sender(2);
  for (int i = 0; i < 4; ++i)
    sender.send(0, kSendReliableNoNagle, pattern(i, 1000));
  std::vector<AssembledPacket> sent;
  for (uint64_t n = 2; sender.lanes[0]->hasQueuedMessages(); ++n) {
    sent.push_back(sender.assemble(n, kNullBudget));
  }
  ASSERT_GE(sent.size(), 3u);
  // Lose the second packet's ranges, then the first's (reported out of order).
  for (const SentRange& r : sent[1].ranges)
    sender.lanes[0]->stream().onLost(r.begin, r.end);
  for (const SentRange& r : sent[0].ranges)
    sender.lanes[0]->stream().onLost(r.begin, r.end);
  const Bytes fresh0 = pattern(10, 50), fresh1 = pattern(11, 60);
  sender.send(1, kSendReliable, fresh1);
  sender.send(0, kSendReliable, fresh0);
  AssembledPacket packet = sender.assemble(100, kNullBudget);
  std::vector<wire::SnpFrame> frames = decode(packet);
  std::vector<uint64_t> lane0_positions;
  for (const wire::SnpFrame& frame : frames) {
    if (const auto* r = std::get_if<wire::ReliableSegmentFrame>(&frame)) {
      if (r->lane == 0) lane0_positions.push_back(r->stream_position);
    }
  }
  ASSERT_FALSE(lane0_positions.empty());
  EXPECT_EQ(lane0_positions.front(), 1u) << "the oldest lost bytes go first";
  EXPECT_TRUE(std::is_sorted(lane0_positions.begin(), lane0_positions.end()));
  EXPECT_GT(packet.reliable_resent_bytes, 0u);
  // The packet is full of resends: new data waits (resends first, whatever the lanes).
  EXPECT_EQ(packet.reliable_new_bytes, 0u);
  EXPECT_EQ(packet.ranges.front().begin, 1u);
}

TEST(PacketAssemblerTest, NoDataWhenNotAllowed) {
  Sender sender(1);
  sender.send(0, kSendReliableNoNagle, pattern(1, 100));
  AckTracker acks(1);
  AssembledPacket packet = sender.assemble(2, kNullBudget, &acks, 0, /*allow_data=*/false);
  EXPECT_FALSE(packet.carriesData());
  EXPECT_TRUE(packet.ranges.empty());
  EXPECT_EQ(packet.plaintext.size(), 7u);
  EXPECT_TRUE(sender.lanes[0]->hasQueuedMessages());
}

TEST(PacketAssemblerTest, AckFrameWithGapsIsWrittenBeforeData) {
  Sender sender(1);
  sender.send(0, kSendReliableNoNagle, pattern(1, 3000));
  AckTracker acks(1);
  // Received 2-10, 13-20, 22-40 (snp.md §9.6), nack times long past.
  for (uint64_t n = 2; n <= 40; ++n) {
    if (n == 11 || n == 12 || n == 21) continue;
    acks.onPacketReceived(n, 0, AckUrgency::kNone);
  }
  AssembledPacket packet = sender.assemble(7, kNullBudget, &acks, 3);
  ASSERT_TRUE(packet.ack.has_value());
  std::vector<wire::SnpFrame> frames = decode(packet);
  ASSERT_GE(frames.size(), 3u);
  const auto* ack = std::get_if<wire::AckFrame>(&frames[1]);
  ASSERT_NE(ack, nullptr);
  // At 0 the gaps were just noticed and may not be nacked yet (§3.2: 3 ms): `latest`
  // stays below the oldest gap.
  EXPECT_EQ(ack->latest_packet_number, 10u);
  EXPECT_TRUE(ack->blocks.empty());
  // 1 s later both gaps are reported: blocks newest first (§9.6).
  AssembledPacket later = sender.assemble(8, kNullBudget, &acks, 3, true, kUsecPerSec);
  ASSERT_TRUE(later.ack.has_value());
  EXPECT_EQ(later.ack->latest_packet_number, 40u);
  ASSERT_EQ(later.ack->blocks.size(), 2u);
  EXPECT_EQ(later.ack->blocks[0].nacked_begin, 21u);
  EXPECT_EQ(later.ack->blocks[1].nacked_begin, 11u);
  EXPECT_EQ(later.ack->blocks[1].nacked_end, 13u);
  decode(later);
  EXPECT_LE(packet.plaintext.size(), kNullBudget);
  EXPECT_TRUE(packet.carriesReliableData());
}

// Random workloads on random budgets: every packet fits, decodes, and its frames carry
// exactly the ranges reported; the receiver gets every message back.
TEST(PacketAssemblerTest, RandomWorkloadsFitDecodeAndReassemble) {
  const uint64_t bugs_before = bugCount();  // other tests provoke bugs on purpose
  uint64_t rng = 12345;
  auto next = [&rng](uint64_t bound) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng % bound;
  };
  for (int trial = 0; trial < 40; ++trial) {
    const size_t budget = 120 + next(kNullBudget - 119);
    const size_t lane_count = 1 + next(12);
    Sender sender(lane_count, budget);
    std::map<std::pair<uint32_t, uint64_t>, Bytes> sent;
    const int messages = 5 + static_cast<int>(next(40));
    for (int m = 0; m < messages; ++m) {
      const uint32_t lane = static_cast<uint32_t>(next(lane_count));
      const bool reliable = next(3) != 0;
      // Unreliable messages stay small: a GNS-like receiver assembles at most 21 pieces.
      const size_t size = reliable && next(4) == 0 ? next(12000) : next(300);
      Bytes payload = pattern(trial * 1000 + m, size);
      const uint64_t number =
          sender.send(lane, reliable ? kSendReliable : kSendUnreliable, payload);
      sent[{lane, number}] = payload;
    }
    AckTracker acks(1);
    for (uint64_t n = 2; n < 200; ++n) {
      if (next(4) != 0) acks.onPacketReceived(n, 0, AckUrgency::kNone);
    }
    Receiver receiver;
    uint64_t number = 2;
    for (int guard = 0; guard < 10000; ++guard) {
      bool queued = false;
      for (const auto& lane : sender.lanes)
        queued = queued || lane->hasQueuedMessages();
      if (!queued) break;
      AssembledPacket packet = sender.assemble(number, budget, &acks, 1, true, kUsecPerSec);
      ASSERT_LE(packet.plaintext.size(), budget) << "trial " << trial;
      std::vector<wire::SnpFrame> frames = decode(packet);
      ASSERT_FALSE(frames.empty()) << "trial " << trial;
      std::vector<SentRange> decoded_ranges;
      for (const wire::SnpFrame& frame : frames) {
        if (const auto* r = std::get_if<wire::ReliableSegmentFrame>(&frame)) {
          decoded_ranges.push_back(
              {r->lane, r->stream_position, r->stream_position + r->data.size()});
        }
      }
      EXPECT_EQ(decoded_ranges, packet.ranges) << "trial " << trial;
      receiver.take(frames);
      ++number;
    }
    // Everything was delivered, byte-identical (no loss here).
    size_t delivered = 0;
    for (const ReceivedMessage& m : receiver.messages) {
      auto it = sent.find({m.lane, m.message_number});
      ASSERT_NE(it, sent.end());
      EXPECT_EQ(m.data, it->second) << "trial " << trial;
      ++delivered;
    }
    EXPECT_EQ(delivered, sent.size()) << "trial " << trial << " budget " << budget;
  }
  EXPECT_EQ(bugCount(), bugs_before);
}

TEST(PacketAssemblerTest, SelectLaneFrameSizes) {
  EXPECT_EQ(selectLaneFrameBytes(1), 1u);
  EXPECT_EQ(selectLaneFrameBytes(7), 1u);
  EXPECT_EQ(selectLaneFrameBytes(8), 2u);
  EXPECT_EQ(selectLaneFrameBytes(127), 2u);
  EXPECT_EQ(selectLaneFrameBytes(128), 3u);
  EXPECT_EQ(selectLaneFrameBytes(255), 3u);
  EXPECT_EQ(selectLaneFrameBytes(0), 2u);
}

}  // namespace
}  // namespace opengns::snp
