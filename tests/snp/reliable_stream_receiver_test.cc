// snp.md §2.2-2.4: reliable stream reassembly per lane: in order, out of order,
// duplicated and overlapping segments, headers cut across segments, the `expect`
// position of §1.6, the LOCAL buffer and hole limits, and fatal header errors.
#include "snp/reliable_stream_receiver.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>

#include "common/byte_writer.h"
#include "wire/reliable_message_header.h"

namespace opengns::snp {
namespace {

struct Message {
  uint64_t number;
  Bytes payload;
};

// The lane's stream for these messages: header (canonical, §2.3) then payload, from
// position 1.
Bytes streamOf(const std::vector<Message>& messages) {
  Bytes stream;
  ByteWriter writer(stream);
  uint64_t previous = 0;
  for (const Message& m : messages) {
    const auto header = wire::canonicalReliableMessageHeader(
        m.number, previous, static_cast<uint32_t>(m.payload.size()));
    EXPECT_TRUE(wire::encodeReliableMessageHeader(header, previous, writer).ok());
    writer.writeBytes(m.payload);
    previous = m.number;
  }
  return stream;
}

std::vector<Message> sampleMessages(size_t count, size_t max_size, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<Message> messages;
  uint64_t number = 0;
  for (size_t i = 0; i < count; ++i) {
    number += 1 + (rng() % 4 == 0 ? rng() % 3 : 0);  // gaps as unreliable numbers leave
    Bytes payload(rng() % (max_size + 1));
    for (uint8_t& b : payload)
      b = static_cast<uint8_t>(rng());
    messages.push_back({number, std::move(payload)});
  }
  return messages;
}

void expectDelivered(const std::vector<ReceivedMessage>& delivered,
                     const std::vector<Message>& expected, uint32_t lane) {
  ASSERT_EQ(delivered.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(delivered[i].lane, lane);
    EXPECT_TRUE(delivered[i].reliable);
    EXPECT_EQ(delivered[i].message_number, expected[i].number) << i;
    EXPECT_EQ(delivered[i].data, expected[i].payload) << i;
  }
}

ByteSpan range(const Bytes& stream, uint64_t begin_position, uint64_t end_position) {
  return ByteSpan(stream).subspan(static_cast<size_t>(begin_position - 1),
                                  static_cast<size_t>(end_position - begin_position));
}

TEST(ReliableStreamReceiverTest, InOrderSegmentsDeliverEachMessageOnce) {
  const auto messages = sampleMessages(200, 300, 1);
  const Bytes stream = streamOf(messages);
  ReliableStreamReceiver receiver(3);
  EXPECT_EQ(receiver.expectPosition(), 1u);
  std::vector<ReceivedMessage> delivered;
  for (uint64_t pos = 1; pos <= stream.size(); pos += 97) {
    const uint64_t end = std::min<uint64_t>(pos + 97, stream.size() + 1);
    ASSERT_TRUE(receiver.receiveSegment(pos, range(stream, pos, end), delivered).ok());
  }
  expectDelivered(delivered, messages, 3);
  EXPECT_EQ(receiver.nextPosition(), stream.size() + 1);
  EXPECT_EQ(receiver.expectPosition(), stream.size() + 1);
  EXPECT_EQ(receiver.lastReliableMessageNumber(), messages.back().number);
}

TEST(ReliableStreamReceiverTest, HeaderCutAcrossSegments) {
  // BIG5000's header `68 04 9c 01` (§2.3) split after each of its bytes.
  const std::vector<Message> messages = {{1, Bytes(3, 7)}, {5, Bytes(5000, 9)}};
  const Bytes stream = streamOf(messages);
  ASSERT_EQ(stream[4], 0x68);  // message 1 is `03` + 3 bytes; then `68 04 9c 01` (§2.3)
  for (uint64_t cut = 5; cut <= 9; ++cut) {
    ReliableStreamReceiver receiver(0);
    std::vector<ReceivedMessage> delivered;
    ASSERT_TRUE(receiver.receiveSegment(1, range(stream, 1, cut), delivered).ok());
    EXPECT_EQ(delivered.size(), 1u);
    ASSERT_TRUE(
        receiver.receiveSegment(cut, range(stream, cut, stream.size() + 1), delivered).ok());
    expectDelivered(delivered, messages, 0);
  }
}

TEST(ReliableStreamReceiverTest, OutOfOrderDuplicateAndOverlappingSegments) {
  const auto messages = sampleMessages(300, 200, 2);
  const Bytes stream = streamOf(messages);
  const uint64_t end_position = stream.size() + 1;
  for (uint32_t seed = 0; seed < 20; ++seed) {
    std::mt19937 rng(seed);
    // Segments of random length and start covering the stream, resent cut differently:
    // two independent cuts, shuffled together, with some exact duplicates.
    std::vector<std::pair<uint64_t, uint64_t>> segments;
    for (int pass = 0; pass < 2; ++pass) {
      for (uint64_t pos = 1; pos < end_position;) {
        const uint64_t end = std::min<uint64_t>(pos + 1 + rng() % 400, end_position);
        segments.push_back({pos, end});
        if (rng() % 5 == 0) segments.push_back({pos, end});
        pos = end;
      }
    }
    // Keep the reordering within a window so that the hole limits are not hit.
    for (size_t i = 0; i + 1 < segments.size(); ++i) {
      const size_t j = i + rng() % std::min<size_t>(6, segments.size() - i);
      std::swap(segments[i], segments[j]);
    }
    ReliableStreamReceiver receiver(1);
    std::vector<ReceivedMessage> delivered;
    for (const auto& [begin, end] : segments) {
      const absl::Status status =
          receiver.receiveSegment(begin, range(stream, begin, end), delivered);
      ASSERT_TRUE(status.ok()) << seed << ": " << status;
      EXPECT_LE(receiver.holeCount(), wire::kReliableMaxHolesWhenExtending);
    }
    expectDelivered(delivered, messages, 1);
    EXPECT_EQ(receiver.holeCount(), 0u);
    EXPECT_EQ(receiver.bufferedSpan(), 0u);
  }
}

TEST(ReliableStreamReceiverTest, ExpectPositionIsOnePastTheHighestByteReceived) {
  const std::vector<Message> messages = {{1, Bytes(50, 1)}, {2, Bytes(50, 2)}};
  const Bytes stream = streamOf(messages);
  ReliableStreamReceiver receiver(0);
  std::vector<ReceivedMessage> delivered;
  ASSERT_TRUE(receiver.receiveSegment(60, range(stream, 60, 80), delivered).ok());
  EXPECT_EQ(receiver.nextPosition(), 1u);
  EXPECT_EQ(receiver.expectPosition(), 80u);  // not the start of the gap (§1.6)
  EXPECT_EQ(receiver.holeCount(), 1u);
  ASSERT_TRUE(receiver.receiveSegment(10, range(stream, 10, 20), delivered).ok());
  EXPECT_EQ(receiver.holeCount(), 2u);
  EXPECT_EQ(receiver.expectPosition(), 80u);
  ASSERT_TRUE(receiver.receiveSegment(1, range(stream, 1, 10), delivered).ok());
  EXPECT_TRUE(delivered.empty());
  ASSERT_TRUE(receiver.receiveSegment(20, range(stream, 20, 60), delivered).ok());
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(receiver.nextPosition(), 53u);  // message 1: header `32 01` + 50 bytes
  EXPECT_EQ(receiver.expectPosition(), 80u);
  ASSERT_TRUE(receiver.receiveSegment(80, range(stream, 80, stream.size() + 1), delivered).ok());
  expectDelivered(delivered, messages, 0);
}

TEST(ReliableStreamReceiverTest, DuplicatesAndEmptySegmentsAreHarmless) {
  const std::vector<Message> messages = {{1, Bytes(10, 1)}};
  const Bytes stream = streamOf(messages);
  ReliableStreamReceiver receiver(0);
  std::vector<ReceivedMessage> delivered;
  ASSERT_TRUE(receiver.receiveSegment(1, stream, delivered).ok());
  ASSERT_TRUE(receiver.receiveSegment(1, stream, delivered).ok());
  ASSERT_TRUE(receiver.receiveSegment(5, range(stream, 5, 8), delivered).ok());
  ASSERT_TRUE(receiver.receiveSegment(500, ByteSpan(), delivered).ok());
  expectDelivered(delivered, messages, 0);
  EXPECT_EQ(receiver.expectPosition(), 12u);
}

TEST(ReliableStreamReceiverTest, BufferLimitRefusesWithoutChangingState) {
  ReliableStreamLimits limits;
  limits.max_buffered_bytes = 1000;
  ReliableStreamReceiver receiver(0, limits);
  std::vector<ReceivedMessage> delivered;
  const Bytes data(10, 0);
  // Ends exactly 1000 bytes past next position 1: accepted. One more: refused.
  ASSERT_TRUE(receiver.receiveSegment(991, data, delivered).ok());
  const absl::Status refused = receiver.receiveSegment(992, data, delivered);
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(refused.message().find("limit 1000"), absl::string_view::npos) << refused;
  EXPECT_EQ(receiver.expectPosition(), 1001u);
  EXPECT_EQ(receiver.holeCount(), 1u);
}

// Found by the session-pair fuzzer: with a small RecvBufferSize, the segment that
// completes the front message can also reach past the limit (it carries the start of the
// next message). Refusing it whole stalled the lane for good, since the sender resends
// the same range; the part within the limit must still be taken.
TEST(ReliableStreamReceiverTest, SegmentPastTheLimitStillCompletesTheFrontMessage) {
  ReliableStreamLimits limits;
  limits.max_buffered_bytes = 4096;
  ReliableStreamReceiver receiver(0, limits);
  const std::vector<Message> messages = {{1, Bytes(3100, 0xa1)}, {2, Bytes(3100, 0xb2)}};
  const Bytes stream = streamOf(messages);
  std::vector<ReceivedMessage> delivered;
  ASSERT_TRUE(receiver.receiveSegment(1, range(stream, 1, 2001), delivered).ok());
  // [2001, 4201) reaches 4200 bytes past next position 1: refused (not acked)...
  const absl::Status refused = receiver.receiveSegment(2001, range(stream, 2001, 4201), delivered);
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  // ...but message 1 is complete and delivered, so the same range resent now fits.
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(delivered[0].data, messages[0].payload);
  ASSERT_TRUE(receiver.receiveSegment(2001, range(stream, 2001, 4201), delivered).ok());
  ASSERT_TRUE(
      receiver.receiveSegment(4201, range(stream, 4201, stream.size() + 1), delivered).ok());
  expectDelivered(delivered, messages, 0);
  // A segment that starts past the limit still takes nothing.
  const uint64_t far = receiver.nextPosition() + limits.max_buffered_bytes;
  EXPECT_EQ(receiver.receiveSegment(far, Bytes(10, 0), delivered).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(receiver.expectPosition(), stream.size() + 1);
}

TEST(ReliableStreamReceiverTest, HoleLimits) {
  ReliableStreamLimits limits;
  limits.max_holes_when_extending = 3;
  limits.max_holes_when_splitting = 2;
  ReliableStreamReceiver receiver(0, limits);
  std::vector<ReceivedMessage> delivered;
  const Bytes data(5, 0);
  ASSERT_TRUE(receiver.receiveSegment(100, data, delivered).ok());  // hole [1, 100)
  ASSERT_TRUE(receiver.receiveSegment(200, data, delivered).ok());  // hole [105, 200)
  // Splitting [1, 100) while 2 holes exist: refused.
  const absl::Status split = receiver.receiveSegment(50, data, delivered);
  EXPECT_EQ(split.code(), absl::StatusCode::kResourceExhausted) << split;
  EXPECT_NE(split.message().find("split hole"), absl::string_view::npos) << split;
  // Filling the edge of a hole does not split it.
  ASSERT_TRUE(receiver.receiveSegment(95, data, delivered).ok());
  ASSERT_TRUE(receiver.receiveSegment(300, data, delivered).ok());  // third hole
  const absl::Status extend = receiver.receiveSegment(400, data, delivered);
  EXPECT_EQ(extend.code(), absl::StatusCode::kResourceExhausted) << extend;
  EXPECT_NE(extend.message().find("open a hole"), absl::string_view::npos) << extend;
  EXPECT_EQ(receiver.holeCount(), 3u);
  EXPECT_EQ(receiver.expectPosition(), 305u);
  // Data right at the end extends without a new hole.
  EXPECT_TRUE(receiver.receiveSegment(305, data, delivered).ok());
}

TEST(ReliableStreamReceiverTest, FatalHeaderErrorsAreSticky) {
  ReliableStreamReceiver receiver(2);
  std::vector<ReceivedMessage> delivered;
  const Bytes bad = {0x80, 0x00};
  const absl::Status status = receiver.receiveSegment(1, bad, delivered);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("reliable stream lane 2 at position 1"), absl::string_view::npos)
      << status;
  EXPECT_NE(status.message().find("reserved bit 7"), absl::string_view::npos) << status;
  const Bytes good = {0x01, 0x41};
  EXPECT_EQ(receiver.receiveSegment(3, good, delivered).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(delivered.empty());
}

TEST(ReliableStreamReceiverTest, HeaderLimitsOfSection23) {
  std::vector<ReceivedMessage> delivered;
  {
    // Size above RecvMaxMessageSize: known from the header alone.
    ReliableStreamReceiver receiver(0);
    Bytes stream;
    ByteWriter writer(stream);
    ASSERT_TRUE(wire::encodeReliableMessageHeader(
                    wire::canonicalReliableMessageHeader(1, 0, 524289), 0, writer)
                    .ok());
    const absl::Status status = receiver.receiveSegment(1, stream, delivered);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(status.message().find("524289 bytes exceeds the receive limit 524288"),
              absl::string_view::npos)
        << status;
  }
  {
    // Delta above 1,000,000.
    ReliableStreamReceiver receiver(0);
    Bytes stream;
    ByteWriter writer(stream);
    ASSERT_TRUE(wire::encodeReliableMessageHeader(
                    wire::canonicalReliableMessageHeader(1000001, 0, 1), 0, writer)
                    .ok());
    const absl::Status status = receiver.receiveSegment(1, stream, delivered);
    EXPECT_NE(status.message().find("delta 1000001 above the limit"), absl::string_view::npos)
        << status;
  }
  {
    // More than 10,000 above the highest number seen; unreliable numbers raise it.
    Bytes stream;
    ByteWriter writer(stream);
    ASSERT_TRUE(wire::encodeReliableMessageHeader(wire::canonicalReliableMessageHeader(20001, 0, 1),
                                                  0, writer)
                    .ok());
    writer.writeU8(0x55);
    ReliableStreamReceiver strict(0);
    EXPECT_EQ(strict.receiveSegment(1, stream, delivered).code(),
              absl::StatusCode::kInvalidArgument);
    ReliableStreamReceiver raised(0);
    raised.noteMessageNumber(10001);
    ASSERT_TRUE(raised.receiveSegment(1, stream, delivered).ok());
    ASSERT_EQ(delivered.size(), 1u);
    EXPECT_EQ(delivered[0].message_number, 20001u);
    EXPECT_EQ(raised.highestMessageNumber(), 20001u);
  }
}

TEST(ReliableStreamReceiverTest, ManySmallMessagesThroughCompaction) {
  const auto messages = sampleMessages(20000, 20, 3);
  const Bytes stream = streamOf(messages);
  ReliableStreamReceiver receiver(0);
  std::vector<ReceivedMessage> delivered;
  // Everything but the first byte arrives first, then the first byte releases it all.
  ASSERT_TRUE(receiver.receiveSegment(2, range(stream, 2, stream.size() + 1), delivered).ok());
  EXPECT_TRUE(delivered.empty());
  ASSERT_TRUE(receiver.receiveSegment(1, range(stream, 1, 2), delivered).ok());
  expectDelivered(delivered, messages, 0);
  EXPECT_EQ(receiver.bufferedSpan(), 0u);
}

}  // namespace
}  // namespace opengns::snp
