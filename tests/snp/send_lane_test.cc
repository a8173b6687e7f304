// SendLane: message numbers (snp.md §2.1), reliable headers and stream layout (§2.2,
// §2.3, checked against unencrypted_session's recorded lane-0 and lane-1 streams), the
// send-call checks (§5.3: 512 KiB, SendBufferSize with no number used, §5.2: the
// 16,500-byte conversion), segment sizes (§5.1, §5.2: 1236/1234/1233 bytes under NULL,
// 17/21/22 pieces), segment headers as the real frame encoder writes them, and Nagle (§6.2).
#include "snp/send_lane.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <variant>
#include <vector>

#include "common/log.h"
#include "opengns/types.h"
#include "support/vectors.h"
#include "wire/snp_frame_decoder.h"
#include "wire/snp_frame_encoder.h"
#include "wire/snp_frames.h"

namespace opengns::snp {
namespace {

namespace vt = opengns::testing;

// Plaintext left for segments in a reference NULL packet at MTU 1300 on a clean link:
// 1248 − stop-waiting (2) − ack (5) (snp.md §5.2).
constexpr size_t kNullSegmentBudget = 1248 - 2 - 5;
constexpr SendBufferState kRoomy{1u << 30, 0};

Bytes pattern(size_t size, uint8_t seed = 0) {
  Bytes bytes(size);
  for (size_t i = 0; i < size; ++i)
    bytes[i] = static_cast<uint8_t>(seed + i);
  return bytes;
}

Bytes streamBytes(const SendLane& lane, uint64_t begin, uint64_t end) {
  Bytes out;
  EXPECT_TRUE(lane.stream().appendBytes(begin, end, out)) << begin << ".." << end;
  return out;
}

uint64_t queueOk(SendLane& lane, Usec now, ByteSpan payload, int flags,
                 SendBufferState buffer = kRoomy) {
  auto queued = lane.queueMessage(now, payload, flags, buffer);
  EXPECT_TRUE(queued.ok()) << queued.status();
  return queued.ok() ? queued->message_number : 0;
}

// Every segment the lane yields, one per packet of `budget` bytes (fresh context each time),
// the way the reference closes a packet after a cut segment.
std::vector<OutgoingSegment> drainOnePerPacket(SendLane& lane, size_t budget) {
  std::vector<OutgoingSegment> segments;
  while (auto segment = lane.nextSegment(budget, SegmentContext{})) {
    segments.push_back(*segment);
    if (segments.size() > 10000) break;
  }
  return segments;
}

// Encodes the segments as one lane-0 plaintext in the reference encoder's forms, checks
// that its size is what the lane's header_bytes promised, and decodes it again.
std::vector<wire::SnpFrame> encodeAndDecode(const SendLane& lane,
                                            const std::vector<OutgoingSegment>& segments,
                                            Bytes& plaintext) {
  std::vector<Bytes> reliable_data;
  reliable_data.reserve(segments.size());
  std::vector<wire::SnpFrame> frames;
  size_t expected_size = 0;
  for (const OutgoingSegment& segment : segments) {
    expected_size += segment.header_bytes + segment.dataBytes() + 1;
    if (segment.reliable) {
      reliable_data.push_back(streamBytes(lane, segment.stream_begin, segment.stream_end));
      wire::ReliableSegmentFrame frame;
      frame.stream_position = segment.stream_begin;
      frame.data = reliable_data.back();
      frames.push_back(frame);
    } else {
      wire::UnreliableSegmentFrame frame;
      frame.message_number = segment.message_number;
      frame.offset_bytes = segment.offset_bytes;
      frame.is_last = segment.is_last;
      frame.data = segment.data;
      frames.push_back(frame);
    }
  }
  if (!segments.empty()) expected_size -= 1;  // the last frame uses size code 7
  constexpr uint64_t kPacketNumber = 7;
  wire::applyReferenceEncoding(frames, kPacketNumber);
  auto encoded = wire::encodeSnpFrames(frames, {kPacketNumber});
  EXPECT_TRUE(encoded.ok()) << encoded.status();
  if (!encoded.ok()) return {};
  plaintext = *encoded;
  EXPECT_EQ(plaintext.size(), expected_size);
  wire::SnpDecodeContext context;
  context.packet_number = kPacketNumber;
  auto decoded = wire::decodeSnpFrames(plaintext, context);
  EXPECT_TRUE(decoded.ok()) << decoded.status();
  return decoded.ok() ? *decoded : std::vector<wire::SnpFrame>{};
}

TEST(SendLaneTest, NumbersAreSharedByReliableAndUnreliableFromOne) {
  SendLane lane;
  EXPECT_EQ(queueOk(lane, 0, pattern(5), kSendReliable), 1u);
  EXPECT_EQ(queueOk(lane, 0, pattern(5), kSendUnreliable), 2u);
  EXPECT_EQ(queueOk(lane, 0, pattern(5), kSendReliableNoNagle), 3u);
  EXPECT_EQ(lane.lastMessageNumber(), 3u);
  EXPECT_EQ(lane.lastReliableMessageNumber(), 3u);
  // Message 1 is [1, 7) with header `05`; message 3 follows with the number delta 2 from
  // the previous reliable number (§2.3): lead 0x40 | size 5, then var-int 2.
  EXPECT_EQ(toHex(streamBytes(lane, 1, 2)), "05");
  EXPECT_EQ(toHex(streamBytes(lane, 7, 9)), "4502");
}

// snp.md §2.2 table: unencrypted_session lane 0, client to server.
TEST(SendLaneTest, UnencryptedSessionLaneZeroLayout) {
  SendLane lane;
  const std::vector<std::pair<size_t, int>> sends = {{22, 9}, {27, 9}, {25, 8}, {25, 8},   {25, 8},
                                                     {13, 1}, {13, 1}, {13, 1}, {5000, 9}, {17, 9}};
  for (size_t i = 0; i < sends.size(); ++i) {
    EXPECT_EQ(queueOk(lane, 0, pattern(sends[i].first), sends[i].second), i + 1);
  }
  EXPECT_EQ(toHex(streamBytes(lane, 1, 2)), "16");
  EXPECT_EQ(toHex(streamBytes(lane, 24, 25)), "1b");
  EXPECT_EQ(toHex(streamBytes(lane, 52, 53)), "19");
  EXPECT_EQ(toHex(streamBytes(lane, 78, 79)), "19");
  EXPECT_EQ(toHex(streamBytes(lane, 104, 105)), "19");
  EXPECT_EQ(toHex(streamBytes(lane, 130, 134)), "68049c01");  // BIG5000: number 5 + 4
  EXPECT_EQ(toHex(streamBytes(lane, 5134, 5135)), "11");      // TURN: number 10
  EXPECT_EQ(lane.stream().endPosition(), 5152u);
}

// The recorded lane-0 and lane-1 streams of the client in unencrypted_session, decoded
// from the captured plaintexts, must equal what SendLane builds from the same sends; the
// segments cut one per packet must equal the recorded ones once adjacent segments of one
// packet are merged (the reference writes one segment per message, we merge: §1.6).
TEST(SendLaneTest, ReproducesUnencryptedSessionClientStreams) {
  OPENGNS_REQUIRE_SHARED();
  const auto packets = vt::loadJson(vt::vectorsDir() / "unencrypted_session.packets.json");
  const auto messages = vt::loadJson(vt::vectorsDir() / "unencrypted_session.app_messages.json");

  // Recorded: per lane, reliable ranges (adjacent ones of one packet merged) and bytes.
  struct Recorded {
    std::vector<ReliableSendStream::Range> ranges;
    std::map<uint64_t, uint8_t> bytes;
    std::vector<std::pair<uint64_t, Bytes>> unreliable;  // number, data (single segments)
  };
  std::map<uint32_t, Recorded> recorded;
  for (const auto& packet : packets["packets"]) {
    if (packet["kind"] != "data" || packet["direction"] != "c2s") continue;
    wire::SnpDecodeContext context;
    context.packet_number = packet["full_packet_number"].get<uint64_t>();
    context.ack_reference_packet_number = 1000;
    const Bytes plaintext = vt::hexBytes(packet["plaintext_hex"].get<std::string>());
    auto frames = wire::decodeSnpFrames(plaintext, context);
    ASSERT_TRUE(frames.ok()) << frames.status();
    std::map<uint32_t, ReliableSendStream::Range> merged;
    for (const auto& frame : *frames) {
      if (const auto* r = std::get_if<wire::ReliableSegmentFrame>(&frame)) {
        for (size_t i = 0; i < r->data.size(); ++i)
          recorded[r->lane].bytes[r->stream_position + i] = r->data[i];
        auto it = merged
                      .try_emplace(r->lane, ReliableSendStream::Range{r->stream_position,
                                                                      r->stream_position})
                      .first;
        ASSERT_EQ(it->second.end, r->stream_position) << "non-adjacent segments";
        it->second.end = r->stream_position + r->data.size();
      } else if (const auto* u = std::get_if<wire::UnreliableSegmentFrame>(&frame)) {
        ASSERT_TRUE(u->is_last && u->offset_bytes == 0);
        recorded[u->lane].unreliable.emplace_back(u->message_number,
                                                  Bytes(u->data.begin(), u->data.end()));
      }
    }
    for (const auto& [lane, range] : merged)
      recorded[lane].ranges.push_back(range);
  }

  // Ours: the client's sends, in order; the lanes are drained after each send (after the
  // whole Nagle batch R3-R5, which went out after the flush).
  std::map<uint32_t, SendLane> lanes;
  std::map<uint32_t, std::vector<ReliableSendStream::Range>> our_ranges;
  std::map<uint32_t, std::vector<std::pair<uint64_t, Bytes>>> our_unreliable;
  auto drain = [&](uint32_t lane_index) {
    SendLane& lane = lanes.at(lane_index);
    for (const OutgoingSegment& s : drainOnePerPacket(lane, kNullSegmentBudget)) {
      if (s.reliable) {
        our_ranges[lane_index].push_back({s.stream_begin, s.stream_end});
      } else {
        our_unreliable[lane_index].emplace_back(s.message_number,
                                                Bytes(s.data.begin(), s.data.end()));
      }
    }
  };
  size_t sends = 0;
  for (const auto& event : messages["app_events"]) {
    if (event["side"] != "client" || event["event"] != "send") continue;
    const uint32_t lane_index = event["lane"].get<uint32_t>();
    SendLaneConfig config;
    config.lane = lane_index;
    SendLane& lane = lanes.try_emplace(lane_index, config).first->second;
    const Bytes payload = vt::hexBytes(event["data_hex"].get<std::string>());
    const int flags = event["flags"].get<int>();
    EXPECT_EQ(queueOk(lane, 0, payload, flags), event["msg_num_or_result"].get<uint64_t>())
        << event["label"];
    ++sends;
    if ((flags & kSendNoNagle) != 0 || event["label"] == "R5") drain(lane_index);
  }
  EXPECT_EQ(sends, 12u);

  for (const uint32_t lane_index : {0u, 1u}) {
    SCOPED_TRACE("lane " + std::to_string(lane_index));
    const Recorded& rec = recorded[lane_index];
    const SendLane& lane = lanes.at(lane_index);
    ASSERT_EQ(rec.bytes.size(), lane.stream().endPosition() - 1);
    Bytes expected;
    for (const auto& [position, byte] : rec.bytes) {
      ASSERT_EQ(position, expected.size() + 1);
      expected.push_back(byte);
    }
    EXPECT_EQ(toHex(streamBytes(lane, 1, lane.stream().endPosition())), toHex(expected));
    EXPECT_EQ(our_ranges[lane_index], rec.ranges);
    EXPECT_EQ(our_unreliable[lane_index], rec.unreliable);
  }
  // The cut of BIG5000 (§5.1): 4 × 1153 + 392 under NULL.
  const auto& lane0 = our_ranges[0];
  ASSERT_EQ(lane0.size(), 9u);                                // R1, R2, R3-R5, BIG5000 × 5, TURN
  EXPECT_EQ(lane0[2], (ReliableSendStream::Range{52, 130}));  // R3-R5 merged
  for (int i = 3; i < 7; ++i)
    EXPECT_EQ(lane0[i].size(), 1153u);
  EXPECT_EQ(lane0[7], (ReliableSendStream::Range{4742, 5134}));
}

// unreliable_sizes_session: U16500 stays unreliable, U16501 goes reliable in the send call
// with header `75 03 83 04` at stream position 1, in 14 × 1153 + 363 stream bytes.
TEST(SendLaneTest, UnreliableAbove16500BecomesReliable) {
  SendLane lane;
  auto u1100 = lane.queueMessage(0, pattern(1100), kSendUnreliableNoNagle, kRoomy);
  ASSERT_TRUE(u1100.ok());
  EXPECT_FALSE(u1100->reliable);
  auto u16500 = lane.queueMessage(0, pattern(16500), kSendUnreliableNoNagle, kRoomy);
  ASSERT_TRUE(u16500.ok());
  EXPECT_FALSE(u16500->reliable);
  EXPECT_EQ(u16500->queued_bytes, 16500u);
  auto u16501 = lane.queueMessage(0, pattern(16501), kSendUnreliableNoNagle, kRoomy);
  ASSERT_TRUE(u16501.ok());
  EXPECT_TRUE(u16501->reliable);
  EXPECT_EQ(u16501->message_number, 3u);
  EXPECT_EQ(u16501->queued_bytes, 16505u);
  EXPECT_EQ(toHex(streamBytes(lane, 1, 5)), "75038304");

  const auto segments = drainOnePerPacket(lane, kNullSegmentBudget);
  ASSERT_EQ(segments.size(), 1u + 14u + 15u);
  EXPECT_EQ(segments[0].data.size(), 1100u);
  for (size_t i = 15; i < 29; ++i) {
    ASSERT_TRUE(segments[i].reliable);
    EXPECT_EQ(segments[i].dataBytes(), 1153u);
  }
  EXPECT_EQ(segments[29].dataBytes(), 363u);
  EXPECT_EQ(segments[29].stream_end, 16506u);
  EXPECT_EQ(segments[29].messages_completed, 1u);
}

// snp.md §5.2 and the vectors README: under NULL a full packet carries 1236 (first piece),
// 1234 (2-byte offset) or 1233 (offset ≥ 16384) message bytes; U16500 is 14 pieces
// (1236, 12 × 1234, 456), 20000 is 17, 25909 is 21 (the last exactly fills), 25910 is 22.
TEST(SendLaneTest, UnreliableSegmentSizesUnderNull) {
  SendLane lane;
  queueOk(lane, 0, pattern(16500), kSendUnreliableNoNagle);
  auto segments = drainOnePerPacket(lane, kNullSegmentBudget);
  ASSERT_EQ(segments.size(), 14u);
  EXPECT_EQ(segments[0].data.size(), 1236u);
  EXPECT_EQ(segments[0].header_bytes, 5u);
  EXPECT_TRUE(segments[0].fills_budget);
  for (size_t i = 1; i < 13; ++i) {
    EXPECT_EQ(segments[i].data.size(), 1234u);
    EXPECT_EQ(segments[i].offset_bytes, 1236u + (i - 1) * 1234u);
    EXPECT_FALSE(segments[i].is_last);
  }
  EXPECT_EQ(segments[13].offset_bytes, 16044u);
  EXPECT_EQ(segments[13].data.size(), 456u);
  EXPECT_TRUE(segments[13].is_last);
  EXPECT_FALSE(segments[13].fills_budget);
  EXPECT_EQ(segments[13].messages_completed, 1u);
  // The real encoder agrees with the sizes: lead 17/1f/3f, 1255-byte packets.
  Bytes plaintext;
  encodeAndDecode(lane, {segments[0]}, plaintext);
  EXPECT_EQ(plaintext.size(), 1241u);
  EXPECT_EQ(toHex(ByteSpan(plaintext).first(5)), "1701000000");
  encodeAndDecode(lane, {segments[1]}, plaintext);
  EXPECT_EQ(toHex(ByteSpan(plaintext).first(7)), "1f01000000d409");
  lane.releasePlacedPayloads();

  SendLaneConfig raised;  // the README's client with the conversion disabled
  raised.max_unreliable_message_bytes = 30000;
  for (const auto& [size, pieces] :
       std::vector<std::pair<size_t, size_t>>{{20000, 17}, {25909, 21}, {25910, 22}}) {
    SendLane big(raised);
    queueOk(big, 0, pattern(size), kSendUnreliableNoNagle);
    segments = drainOnePerPacket(big, kNullSegmentBudget);
    ASSERT_EQ(segments.size(), pieces) << size;
    size_t total = 0;
    for (size_t i = 0; i < segments.size(); ++i) {
      const OutgoingSegment& s = segments[i];
      EXPECT_EQ(s.offset_bytes, total);
      const size_t full = s.offset_bytes == 0 ? 1236 : s.offset_bytes < 16384 ? 1234 : 1233;
      if (i + 1 < segments.size()) {
        EXPECT_EQ(s.data.size(), full) << size << " piece " << i;
      }
      total += s.data.size();
    }
    EXPECT_EQ(total, size);
    EXPECT_TRUE(segments.back().is_last);
  }
}

TEST(SendLaneTest, MaxMessageSizeIsInvalidParamWithALogLine) {
  std::vector<std::string> lines;
  setProcessLogSink([&](LogLevel, std::string_view text) { lines.emplace_back(text); },
                    LogLevel::kWarning);
  SendLane lane;
  auto too_big = lane.queueMessage(0, Bytes(524289), kSendReliable, kRoomy);
  setProcessLogSink(nullptr, LogLevel::kWarning);
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(too_big.status().message());
  EXPECT_NE(message.find("524289"), std::string::npos) << message;
  EXPECT_NE(message.find("524288"), std::string::npos) << message;
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("524289"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("524288"), std::string::npos) << lines[0];
  EXPECT_EQ(lane.lastMessageNumber(), 0u);  // no number used
  EXPECT_EQ(lane.queuedBytes(), 0u);

  auto largest = lane.queueMessage(0, Bytes(524288), kSendReliable, kRoomy);
  ASSERT_TRUE(largest.ok());
  EXPECT_EQ(largest->message_number, 1u);
  EXPECT_EQ(largest->queued_bytes, 524288u + 4u);  // header `20 80 80 01`
  EXPECT_EQ(toHex(streamBytes(lane, 1, 5)), "20808001");
  // Also checked before the send buffer (a tiny buffer still says InvalidParam).
  auto refused = lane.queueMessage(0, Bytes(524289), kSendReliable, {4096, 0});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
}

// unreliable_sizes_session: SendBufferSize 4096, B1 (1000) = 6, B2 (5000) refused with
// LimitExceeded and no number, B4 (1000) = 7, both headers `28 1f`.
TEST(SendLaneTest, SendBufferLimitUsesNoMessageNumber) {
  SendLane lane;
  for (size_t size : {1100, 16500, 16501, 20000, 30000})
    queueOk(lane, 0, pattern(size), kSendUnreliableNoNagle);
  drainOnePerPacket(lane, kNullSegmentBudget);
  lane.releasePlacedPayloads();
  lane.stream().onAcked(1, lane.stream().nextNewPosition());
  ASSERT_EQ(lane.queuedBytes(), 0u);
  const uint64_t b1_position = lane.stream().endPosition();

  const SendBufferState empty{4096, 0};
  EXPECT_EQ(queueOk(lane, 0, pattern(1000), kSendReliableNoNagle, empty), 6u);
  EXPECT_EQ(lane.queuedBytes(), 1002u);
  EXPECT_EQ(toHex(streamBytes(lane, b1_position, b1_position + 2)), "281f");
  auto b2 = lane.queueMessage(0, pattern(5000), kSendReliableNoNagle, {4096, lane.queuedBytes()});
  ASSERT_FALSE(b2.ok());
  EXPECT_EQ(b2.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(b2.status().message().find("SendBufferSize"), absl::string_view::npos) << b2.status();
  EXPECT_EQ(lane.lastMessageNumber(), 6u);
  EXPECT_EQ(lane.queuedBytes(), 1002u);
  // Exactly at the limit is accepted: 1002 + 3094 = 4096.
  SendLane probe;
  EXPECT_TRUE(probe.queueMessage(0, pattern(3094), kSendReliable, {4096, 1002}).ok());
  EXPECT_FALSE(probe.queueMessage(0, pattern(3095), kSendReliable, {4096, 1002}).ok());

  // B1 goes out; sent-but-unacked bytes do not count (§5.3)...
  drainOnePerPacket(lane, kNullSegmentBudget);
  EXPECT_EQ(lane.queuedBytes(), 0u);
  EXPECT_EQ(lane.stream().unackedBytes(), 1002u);
  // ...but bytes queued for resend do.
  lane.stream().onLost(b1_position, b1_position + 1002);
  EXPECT_EQ(lane.queuedBytes(), 1002u);
  lane.stream().onAcked(b1_position, b1_position + 1002);
  EXPECT_EQ(lane.queuedBytes(), 0u);

  EXPECT_EQ(queueOk(lane, 0, pattern(1000), kSendReliableNoNagle, {4096, lane.queuedBytes()}), 7u);
  EXPECT_EQ(toHex(streamBytes(lane, b1_position + 1002, b1_position + 1004)), "281f");
}

TEST(SendLaneTest, NagleDeadlines) {
  SendLaneConfig config;
  config.nagle_time_usec = 5000;
  SendLane lane(config);
  EXPECT_EQ(lane.nagleDeadline(), kNever);
  EXPECT_FALSE(lane.hasDataReady(0, 1248));
  queueOk(lane, 1000, pattern(10), kSendReliable);
  queueOk(lane, 3000, pattern(10), kSendUnreliable);
  EXPECT_EQ(lane.nagleDeadline(), 6000);  // the oldest message's
  EXPECT_FALSE(lane.hasDataReady(5999, 1248));
  EXPECT_TRUE(lane.hasDataReady(6000, 1248));
  EXPECT_TRUE(lane.hasDataReady(0, 20));  // a full packet's worth is queued

  // The oldest is sent; the next one's own deadline counts.
  auto first = lane.nextSegment(100, SegmentContext{});
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->stream_end, 12u);
  EXPECT_EQ(lane.nagleDeadline(), 8000);

  // NoNagle clears this message's timer and every earlier one.
  queueOk(lane, 4000, pattern(10), kSendReliableNoNagle);
  EXPECT_EQ(lane.nagleDeadline(), 0);
  EXPECT_TRUE(lane.hasDataReady(4000, 1248));
  while (lane.nextSegment(1000, SegmentContext{})) {
  }
  // A later Nagle message has its own timer again.
  queueOk(lane, 10000, pattern(10), kSendUnreliable);
  EXPECT_EQ(lane.nagleDeadline(), 15000);
  queueOk(lane, 11000, pattern(10), kSendReliable);
  lane.clearNagle();  // flush
  EXPECT_EQ(lane.nagleDeadline(), 0);
  queueOk(lane, 12000, pattern(10), kSendReliable);  // after the flush: still behind cleared ones
  EXPECT_EQ(lane.nagleDeadline(), 0);
}

TEST(SendLaneTest, NagleTimerClearedOncePartOfTheMessageWent) {
  SendLane lane;
  queueOk(lane, 0, pattern(100), kSendUnreliable);
  EXPECT_EQ(lane.nagleDeadline(), kDefaultNagleTimeUsec);
  auto part = lane.nextSegment(5 + 40, SegmentContext{});
  ASSERT_TRUE(part.has_value());
  EXPECT_EQ(part->data.size(), 40u);
  EXPECT_TRUE(part->fills_budget);
  EXPECT_EQ(lane.nagleDeadline(), 0);
}

// A packet with a mix of segments, encoded by the real frame encoder: header sizes, the
// "+1 after a reliable segment" quirk (§1.4) and reliable runs that stop at an unreliable
// message, then decoded back to the same values.
TEST(SendLaneTest, SegmentHeadersMatchTheFrameEncoder) {
  SendLane lane;
  queueOk(lane, 0, pattern(10, 1), kSendUnreliable);  // 1
  queueOk(lane, 0, pattern(10, 2), kSendReliable);    // 2
  queueOk(lane, 0, pattern(10, 3), kSendUnreliable);  // 3
  queueOk(lane, 0, pattern(10, 4), kSendReliable);    // 4
  queueOk(lane, 0, pattern(40, 5), kSendReliable);    // 5 (header 2 bytes)
  queueOk(lane, 0, pattern(10, 6), kSendUnreliable);  // 6
  std::vector<OutgoingSegment> segments;
  SegmentContext context;
  size_t budget = 1000;
  while (auto segment = lane.nextSegment(budget, context)) {
    context.noteSegment(*segment);
    budget -= segment->header_bytes + 1 + segment->dataBytes();
    segments.push_back(*segment);
  }
  ASSERT_EQ(segments.size(), 5u);
  EXPECT_EQ(segments[0].header_bytes, 5u);  // 32-bit absolute number
  EXPECT_EQ(segments[1].header_bytes, 7u);  // 48-bit absolute position
  EXPECT_EQ(segments[1].stream_end, 13u);   // message 2 only (`4a 02` + 10): 3 is unreliable
  EXPECT_EQ(segments[2].header_bytes, 1u);  // number 3 = (1 + 1 after reliable) + 1
  EXPECT_EQ(segments[3].header_bytes, 1u);  // gap 0
  EXPECT_EQ(segments[3].messages_completed, 2u);
  EXPECT_EQ(segments[3].stream_begin, 13u);
  EXPECT_EQ(segments[3].stream_end, 13u + 12u + 42u);  // `4a 02` + 10, `28 01` + 40
  EXPECT_EQ(segments[4].header_bytes, 2u);             // 6 = (3 + 1) + var-int delta 2
  EXPECT_EQ(context.cur_msgnum, 6u);

  Bytes plaintext;
  const auto frames = encodeAndDecode(lane, segments, plaintext);
  ASSERT_EQ(frames.size(), 5u);
  EXPECT_EQ(std::get<wire::UnreliableSegmentFrame>(frames[2]).message_number, 3u);
  EXPECT_EQ(std::get<wire::UnreliableSegmentFrame>(frames[4]).message_number, 6u);
  EXPECT_EQ(toHex(std::get<wire::UnreliableSegmentFrame>(frames[4]).data), toHex(pattern(10, 6)));
  EXPECT_EQ(std::get<wire::ReliableSegmentFrame>(frames[3]).stream_position, 13u);
  EXPECT_EQ(toHex(streamBytes(lane, 1, 3)), "4a02");
  EXPECT_EQ(toHex(streamBytes(lane, 25, 27)), "2801");
  EXPECT_FALSE(lane.hasQueuedMessages());
}

// A reliable message cut at the segment cap gives two reliable segments in one context;
// the +1 rule then reaches the next unreliable number, which no delta can express: the
// lane declines (no bug), and the message goes in a fresh context.
TEST(SendLaneTest, UnreliableNumberBehindTheContextWaitsForANewContext) {
  SendLane lane;                                   // cap 1153
  queueOk(lane, 0, pattern(10), kSendUnreliable);  // 1
  queueOk(lane, 0, pattern(1200), kSendReliable);  // 2: 3-byte header, 1203 stream bytes
  queueOk(lane, 0, pattern(10), kSendUnreliable);  // 3
  const uint64_t bugs = bugCount();
  SegmentContext context;
  size_t budget = 1300;
  std::vector<OutgoingSegment> segments;
  while (auto segment = lane.nextSegment(budget, context)) {
    context.noteSegment(*segment);
    budget -= segment->header_bytes + 1 + segment->dataBytes();
    segments.push_back(*segment);
  }
  ASSERT_EQ(segments.size(), 3u);
  EXPECT_EQ(segments[1].dataBytes(), 1153u);
  EXPECT_EQ(segments[2].dataBytes(), 50u);
  EXPECT_EQ(context.cur_msgnum, 3u);
  EXPECT_GT(budget, 30u);
  EXPECT_TRUE(lane.hasQueuedMessages());
  EXPECT_EQ(bugCount(), bugs);
  Bytes plaintext;
  encodeAndDecode(lane, segments, plaintext);
  auto last = lane.nextSegment(budget, SegmentContext{});
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->message_number, 3u);
}

TEST(SendLaneTest, SegmentNotStartedBelowSixteenBytes) {
  SendLane lane;
  queueOk(lane, 0, pattern(100), kSendUnreliable);
  EXPECT_FALSE(lane.nextSegment(5 + 15, SegmentContext{}).has_value());  // 15 < min(16, 100)
  EXPECT_TRUE(lane.hasQueuedMessages());
  EXPECT_EQ(lane.nextSegment(5 + 16, SegmentContext{})->data.size(), 16u);
  // 84 left, then a 10-byte message: 10 bytes fit where 16 would not.
  auto rest = lane.nextSegment(1000, SegmentContext{});
  ASSERT_TRUE(rest.has_value());
  EXPECT_EQ(rest->header_bytes, 6u);  // lead, 32-bit number, 1-byte offset var-int (16)
  queueOk(lane, 0, pattern(10), kSendUnreliable);
  EXPECT_FALSE(lane.nextSegment(5 + 9, SegmentContext{}).has_value());
  auto small = lane.nextSegment(5 + 10, SegmentContext{});
  ASSERT_TRUE(small.has_value());
  EXPECT_TRUE(small->is_last);
  EXPECT_TRUE(small->fills_budget);
  // Reliable data follows the same rule.
  queueOk(lane, 0, pattern(100), kSendReliable);
  EXPECT_FALSE(lane.nextSegment(7 + 15, SegmentContext{}).has_value());
  EXPECT_EQ(lane.nextSegment(7 + 16, SegmentContext{})->dataBytes(), 16u);
}

TEST(SendLaneTest, ResendsGoInStreamOrderWithGapHeaders) {
  SendLane lane;
  for (int i = 0; i < 3; ++i)
    queueOk(lane, 0, pattern(100), kSendReliableNoNagle);
  drainOnePerPacket(lane, 40);  // cut in pieces of at most 33 bytes
  lane.stream().onLost(60, 80);
  lane.stream().onLost(10, 20);
  lane.stream().onLost(20, 30);  // merges with [10, 20)
  SegmentContext context;
  auto first = lane.nextResend(1000, context);
  ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(first->is_resend);
  EXPECT_EQ(first->stream_begin, 10u);
  EXPECT_EQ(first->stream_end, 30u);
  EXPECT_EQ(first->header_bytes, 7u);
  EXPECT_EQ(first->scheduled_bytes, 0u);
  context.noteSegment(*first);
  auto second = lane.nextResend(1000, context);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->stream_begin, 60u);
  EXPECT_EQ(second->header_bytes, 2u);  // 1-byte gap of 30
  context.noteSegment(*second);
  EXPECT_FALSE(lane.nextResend(1000, context).has_value());
  // Re-split to the budget.
  lane.stream().onLost(100, 200);
  auto part = lane.nextResend(7 + 50, SegmentContext{});
  ASSERT_TRUE(part.has_value());
  EXPECT_EQ(part->dataBytes(), 50u);
  EXPECT_TRUE(part->fills_budget);
  EXPECT_EQ(lane.stream().peekResend(), (ReliableSendStream::Range{150, 200}));
}

TEST(SendLaneTest, ZeroByteUnreliableMessage) {
  SendLane lane;
  queueOk(lane, 0, {}, kSendUnreliableNoNagle);
  auto segment = lane.nextSegment(100, SegmentContext{});
  ASSERT_TRUE(segment.has_value());
  EXPECT_TRUE(segment->data.empty());
  EXPECT_TRUE(segment->is_last);
  EXPECT_EQ(segment->messages_completed, 1u);
  EXPECT_FALSE(lane.hasQueuedMessages());
}

TEST(SendLaneTest, MovedPayloadsAndViewsValidUntilReleased) {
  SendLane lane;
  Bytes big = pattern(3000, 9);
  const Bytes copy = big;
  ASSERT_TRUE(lane.queueMessage(0, std::move(big), kSendUnreliable, kRoomy).ok());
  Bytes reliable = pattern(70000, 5);
  const Bytes reliable_copy = reliable;
  ASSERT_TRUE(lane.queueMessage(0, std::move(reliable), kSendReliable, kRoomy).ok());
  std::vector<OutgoingSegment> segments;
  while (auto s = lane.nextSegment(1241, SegmentContext{})) {
    if (!s->reliable) segments.push_back(*s);
  }
  // Every view still reads the message (ASan would flag a freed buffer).
  Bytes joined;
  for (const auto& s : segments)
    joined.insert(joined.end(), s.data.begin(), s.data.end());
  EXPECT_EQ(joined, copy);
  lane.releasePlacedPayloads();
  // Header `70 02 8b 11`: delta 2 (message 1 was unreliable), size 70000.
  EXPECT_EQ(toHex(streamBytes(lane, 1, 5)), "70028b11");
  EXPECT_EQ(streamBytes(lane, 5, 5 + 70000), reliable_copy);
}

}  // namespace
}  // namespace opengns::snp
