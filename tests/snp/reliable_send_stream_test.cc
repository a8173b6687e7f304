// ReliableSendStream: positions from 1 (snp.md §2.2), new ranges in order, the resend
// queue in stream order (§4.3), acks and losses in any order with overlaps and re-loss
// after resend, memory released behind the acked prefix, and a randomized comparison with
// a per-byte model of the three fates.
#include "snp/reliable_send_stream.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "common/log.h"

namespace opengns::snp {
namespace {

using Range = ReliableSendStream::Range;

Bytes pattern(size_t size, uint8_t seed) {
  Bytes bytes(size);
  for (size_t i = 0; i < size; ++i)
    bytes[i] = static_cast<uint8_t>(seed + i * 7);
  return bytes;
}

// A stream holding `size` bytes (one append, no header), all sent.
ReliableSendStream sentStream(size_t size) {
  ReliableSendStream stream;
  stream.append({}, pattern(size, 1));
  EXPECT_EQ(stream.takeNewRange(size), (Range{1, 1 + size}));
  return stream;
}

TEST(ReliableSendStreamTest, PositionsStartAtOne) {
  ReliableSendStream stream;
  EXPECT_EQ(stream.endPosition(), 1u);
  EXPECT_EQ(stream.nextNewPosition(), 1u);
  EXPECT_EQ(stream.ackedPrefixEnd(), 1u);
  const Bytes header = {0x16};
  EXPECT_EQ(stream.append(header, pattern(22, 0)), 1u);  // R1: [1, 24), snp.md §2.2
  EXPECT_EQ(stream.append(Bytes{0x1b}, pattern(27, 0)), 24u);
  EXPECT_EQ(stream.endPosition(), 52u);
  EXPECT_EQ(stream.unsentBytes(), 51u);
  EXPECT_EQ(stream.queuedBytes(), 51u);
  EXPECT_EQ(stream.unackedBytes(), 0u);
}

TEST(ReliableSendStreamTest, NewRangesInOrderUpToTheEnd) {
  ReliableSendStream stream;
  stream.append(Bytes{1, 2}, pattern(30, 0));
  EXPECT_EQ(stream.takeNewRange(0), std::nullopt);
  EXPECT_EQ(stream.takeNewRange(10), (Range{1, 11}));
  EXPECT_EQ(stream.takeNewRange(100), (Range{11, 33}));
  EXPECT_EQ(stream.takeNewRange(100), std::nullopt);
  EXPECT_EQ(stream.unsentBytes(), 0u);
  EXPECT_EQ(stream.inFlightBytes(), 32u);
  EXPECT_EQ(stream.unackedBytes(), 32u);
  EXPECT_EQ(stream.queuedBytes(), 0u);
}

TEST(ReliableSendStreamTest, CopiesAcrossChunksAndMovedPayloads) {
  ReliableSendStream stream;
  Bytes expected;
  auto add = [&](const Bytes& header, Bytes payload, bool move) {
    expected.insert(expected.end(), header.begin(), header.end());
    expected.insert(expected.end(), payload.begin(), payload.end());
    if (move) {
      stream.append(header, std::move(payload));
    } else {
      stream.append(header, ByteSpan(payload));
    }
  };
  for (int i = 0; i < 40; ++i)
    add({static_cast<uint8_t>(i)}, pattern(700, uint8_t(i)), false);
  add({0x68, 0x04, 0x9c, 0x01}, pattern(5000, 3), true);  // own chunk, moved
  add({0x7f}, pattern(20000, 9), false);                  // own chunk, copied
  add({0x01}, pattern(5, 4), true);                       // small: shared chunk
  ASSERT_EQ(stream.endPosition(), 1 + expected.size());
  EXPECT_EQ(stream.heldBytes(), expected.size());
  // 40 × 701 bytes need two shared 16 KiB chunks, then the moved payload's header
  // shares the tail, the payload and the big copy get their own, the last one shares.
  EXPECT_LT(stream.chunkCount(), 8u);

  for (uint64_t begin : {1u, 700u, 701u, 16000u, 28000u, 28041u, 33000u}) {
    for (uint64_t size : {0u, 1u, 1153u, 9000u}) {
      const uint64_t end = std::min<uint64_t>(begin + size, stream.endPosition());
      Bytes out;
      ASSERT_TRUE(stream.appendBytes(begin, end, out)) << begin << "+" << size;
      EXPECT_EQ(out, Bytes(expected.begin() + (begin - 1), expected.begin() + (end - 1)));
    }
  }
  Bytes out(3);
  EXPECT_FALSE(stream.copyBytes(stream.endPosition() - 1, stream.endPosition() + 2, out));
  EXPECT_FALSE(stream.copyBytes(0, 3, out));  // position 0 never exists
  Bytes appended = {9};
  EXPECT_FALSE(stream.appendBytes(5, 4, appended));
  EXPECT_EQ(appended, Bytes{9});
}

TEST(ReliableSendStreamTest, AcksReleaseMemoryBehindThePrefix) {
  ReliableSendStream stream;
  for (int i = 0; i < 3; ++i) {
    const Bytes payload = pattern(100000, uint8_t(i));
    stream.append(Bytes{0x7f}, ByteSpan(payload));  // copied: one exact-size chunk each
  }
  EXPECT_EQ(stream.chunkCount(), 3u);
  ASSERT_TRUE(stream.takeNewRange(300003).has_value());
  EXPECT_EQ(stream.heldBytes(), 300003u);

  stream.onAcked(100002, 200003);  // the middle message first: nothing can be freed yet
  EXPECT_EQ(stream.ackedPrefixEnd(), 1u);
  EXPECT_EQ(stream.heldBytes(), 300003u);
  EXPECT_EQ(stream.unackedBytes(), 200002u);

  stream.onAcked(1, 50000);  // half of the first chunk
  EXPECT_EQ(stream.ackedPrefixEnd(), 50000u);
  EXPECT_EQ(stream.heldBytes(), 300003u);

  stream.onAcked(40000, 100002);  // overlaps what is acked; completes the first two
  EXPECT_EQ(stream.ackedPrefixEnd(), 200003u);
  EXPECT_EQ(stream.heldBytes(), 100001u);
  Bytes out;
  EXPECT_FALSE(stream.appendBytes(100, 200, out));  // released
  EXPECT_TRUE(stream.appendBytes(200003, 200010, out));

  stream.onAcked(200003, 300004);
  EXPECT_EQ(stream.ackedPrefixEnd(), 300004u);
  EXPECT_EQ(stream.heldBytes(), 0u);
  EXPECT_EQ(stream.chunkCount(), 0u);
  EXPECT_EQ(stream.unackedBytes(), 0u);

  // The stream goes on after being emptied.
  EXPECT_EQ(stream.append(Bytes{0x03}, pattern(3, 0)), 300004u);
  EXPECT_EQ(stream.takeNewRange(10), (Range{300004, 300008}));
}

TEST(ReliableSendStreamTest, LossQueuesOnlyUnackedBytesInStreamOrder) {
  ReliableSendStream stream = sentStream(100);
  stream.onAcked(20, 40);
  stream.onLost(60, 101);
  stream.onLost(1, 70);  // overlaps the earlier loss and the acked part
  EXPECT_EQ(stream.resendQueuedBytes(), 19u + 61u);
  EXPECT_EQ(stream.queuedBytes(), 80u);
  EXPECT_EQ(stream.inFlightBytes(), 0u);
  EXPECT_TRUE(stream.pendingResend());
  EXPECT_EQ(stream.peekResend(), (Range{1, 20}));
  EXPECT_EQ(stream.takeResend(1000), (Range{1, 20}));  // lowest positions first
  EXPECT_EQ(stream.takeResend(25), (Range{40, 65}));   // re-split to the budget
  EXPECT_EQ(stream.takeResend(1000), (Range{65, 101}));
  EXPECT_EQ(stream.takeResend(1000), std::nullopt);
  EXPECT_EQ(stream.inFlightBytes(), 80u);
}

TEST(ReliableSendStreamTest, AdjacentLossesMergeIntoOneResend) {
  ReliableSendStream stream = sentStream(100);
  stream.onLost(50, 60);
  stream.onLost(40, 50);
  stream.onLost(60, 61);
  EXPECT_EQ(stream.peekResend(), (Range{40, 61}));
  EXPECT_EQ(stream.takeResend(100), (Range{40, 61}));
}

TEST(ReliableSendStreamTest, LateAckCancelsQueuedResend) {
  ReliableSendStream stream = sentStream(100);
  stream.onLost(1, 50);
  stream.onAcked(10, 20);  // §4.2: a late ack of a packet declared lost
  EXPECT_EQ(stream.resendQueuedBytes(), 9u + 30u);
  EXPECT_EQ(stream.takeResend(100), (Range{1, 10}));
  EXPECT_EQ(stream.takeResend(100), (Range{20, 50}));
  stream.onAcked(1, 101);
  EXPECT_EQ(stream.ackedPrefixEnd(), 101u);
  EXPECT_FALSE(stream.pendingResend());
  EXPECT_EQ(stream.unackedBytes(), 0u);
}

TEST(ReliableSendStreamTest, ReLossAfterResendAndAckedPartsStayAcked) {
  ReliableSendStream stream = sentStream(100);
  stream.onLost(1, 50);
  EXPECT_EQ(stream.takeResend(20), (Range{1, 21}));
  stream.onLost(1, 21);  // the resend's packet is lost too
  EXPECT_EQ(stream.peekResend(), (Range{1, 50}));
  EXPECT_EQ(stream.takeResend(100), (Range{1, 50}));
  stream.onAcked(30, 50);
  stream.onLost(1, 101);  // everything not acked: [1,30) and [50,101)
  EXPECT_EQ(stream.resendQueuedBytes(), 29u + 51u);
  stream.onAcked(1, 30);
  EXPECT_EQ(stream.ackedPrefixEnd(), 50u);
  EXPECT_EQ(stream.peekResend(), (Range{50, 101}));
  // Reports entirely below the prefix change nothing.
  stream.onLost(1, 50);
  stream.onAcked(1, 50);
  EXPECT_EQ(stream.resendQueuedBytes(), 51u);
  EXPECT_EQ(stream.ackedPrefixEnd(), 50u);
}

TEST(ReliableSendStreamTest, ReportsBeyondTheSentPartAreClippedAsBugs) {
  ReliableSendStream stream;
  stream.append({}, pattern(100, 0));
  ASSERT_TRUE(stream.takeNewRange(50).has_value());  // [1, 51) sent
  const uint64_t bugs = bugCount();
  stream.onLost(40, 80);
  EXPECT_EQ(bugCount(), bugs + 1);
  EXPECT_EQ(stream.peekResend(), (Range{40, 51}));
  stream.onAcked(1, 100);
  EXPECT_EQ(bugCount(), bugs + 2);
  EXPECT_EQ(stream.ackedPrefixEnd(), 51u);
  EXPECT_FALSE(stream.pendingResend());
  EXPECT_EQ(stream.unsentBytes(), 50u);
  stream.onAcked(30, 20);  // empty: ignored
  EXPECT_EQ(bugCount(), bugs + 2);
}

// Per-byte model of the fates: every operation in random order, compared after each step.
TEST(ReliableSendStreamTest, MatchesPerByteModelUnderRandomOperations) {
  enum class Fate { kUnsent, kInFlight, kResend, kAcked };
  std::mt19937 random(12345);
  ReliableSendStream stream;
  std::vector<Fate> fate(1, Fate::kAcked);  // index = position; position 0 unused
  Bytes content(1, 0);
  const uint64_t bugs = bugCount();
  for (int step = 0; step < 3000; ++step) {
    const uint64_t end = stream.endPosition();
    const uint64_t next_new = stream.nextNewPosition();
    auto pick = [&](uint64_t lo, uint64_t hi) {  // uniform in [lo, hi]
      return std::uniform_int_distribution<uint64_t>(lo, hi)(random);
    };
    switch (random() % 6) {
      case 0: {  // append
        Bytes header(pick(1, 4), 0xAA);
        Bytes payload = pattern(pick(0, 300), static_cast<uint8_t>(step));
        EXPECT_EQ(stream.append(header, Bytes(payload)), end);
        content.insert(content.end(), header.begin(), header.end());
        content.insert(content.end(), payload.begin(), payload.end());
        fate.resize(content.size(), Fate::kUnsent);
        break;
      }
      case 1: {  // send new data
        const uint64_t max = pick(0, 400);
        auto range = stream.takeNewRange(max);
        const uint64_t expected = std::min(max, end - next_new);
        if (expected == 0) {
          EXPECT_FALSE(range.has_value());
        } else {
          ASSERT_TRUE(range.has_value());
          EXPECT_EQ(*range, (Range{next_new, next_new + expected}));
          for (uint64_t p = range->begin; p < range->end; ++p)
            fate[p] = Fate::kInFlight;
        }
        break;
      }
      case 2: {  // resend
        const uint64_t max = pick(1, 300);
        uint64_t first = 1;
        while (first < next_new && fate[first] != Fate::kResend)
          ++first;
        auto range = stream.takeResend(max);
        if (first >= next_new) {
          EXPECT_FALSE(range.has_value());
          break;
        }
        uint64_t run_end = first;
        while (run_end < next_new && fate[run_end] == Fate::kResend)
          ++run_end;
        ASSERT_TRUE(range.has_value());
        EXPECT_EQ(*range, (Range{first, std::min(run_end, first + max)}));
        for (uint64_t p = range->begin; p < range->end; ++p)
          fate[p] = Fate::kInFlight;
        break;
      }
      case 3:
      case 4: {  // ack or loss of a sent range (possibly overlapping anything)
        if (next_new <= 1) break;
        const uint64_t b = pick(1, next_new - 1);
        const uint64_t e = pick(b, std::min(next_new, b + 600));
        if (random() % 2 == 0) {
          stream.onAcked(b, e);
          for (uint64_t p = b; p < e; ++p)
            fate[p] = Fate::kAcked;
        } else {
          stream.onLost(b, e);
          for (uint64_t p = b; p < e; ++p)
            if (fate[p] != Fate::kAcked) fate[p] = Fate::kResend;
        }
        break;
      }
      case 5: {  // read back bytes still held
        const uint64_t b = pick(stream.ackedPrefixEnd(), end);
        const uint64_t e = pick(b, std::min(end, b + 500));
        Bytes out;
        ASSERT_TRUE(stream.appendBytes(b, e, out));
        EXPECT_EQ(out, Bytes(content.begin() + b, content.begin() + e));
        break;
      }
    }
    uint64_t prefix = 1;
    while (prefix < fate.size() && fate[prefix] == Fate::kAcked)
      ++prefix;
    uint64_t resend = 0, in_flight = 0, unsent = 0;
    for (uint64_t p = 1; p < fate.size(); ++p) {
      resend += fate[p] == Fate::kResend;
      in_flight += fate[p] == Fate::kInFlight;
      unsent += fate[p] == Fate::kUnsent;
    }
    ASSERT_EQ(stream.ackedPrefixEnd(), prefix) << "step " << step;
    ASSERT_EQ(stream.resendQueuedBytes(), resend) << "step " << step;
    ASSERT_EQ(stream.inFlightBytes(), in_flight) << "step " << step;
    ASSERT_EQ(stream.unsentBytes(), unsent) << "step " << step;
    ASSERT_EQ(stream.unackedBytes(), in_flight + resend) << "step " << step;
    ASSERT_LE(stream.heldBytes(), content.size() - 1 - (prefix - 1) + 64 * 1024);
  }
  EXPECT_EQ(bugCount(), bugs);
}

}  // namespace
}  // namespace opengns::snp
