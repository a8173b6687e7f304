// snp.md §1.5 and §5.2: unreliable reassembly per lane: whole messages at once, pieces
// out of order and duplicated, the 1300/26000-byte limits, the 21-stored-pieces rule
// (22-piece messages never complete) and eviction of the lowest-numbered message.
#include "snp/unreliable_reassembler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace opengns::snp {
namespace {

using Outcome = UnreliableReassembler::Outcome;

Bytes pattern(size_t size, uint8_t seed) {
  Bytes bytes(size);
  for (size_t i = 0; i < size; ++i)
    bytes[i] = static_cast<uint8_t>(seed + i * 7);
  return bytes;
}

struct Piece {
  uint32_t offset;
  bool last;
  ByteSpan data;
};

std::vector<Piece> cut(const Bytes& message, size_t piece_size) {
  std::vector<Piece> pieces;
  for (size_t offset = 0; offset < message.size(); offset += piece_size) {
    const size_t size = std::min(piece_size, message.size() - offset);
    pieces.push_back({static_cast<uint32_t>(offset), offset + size == message.size(),
                      ByteSpan(message).subspan(offset, size)});
  }
  return pieces;
}

TEST(UnreliableReassemblerTest, WholeMessageIsDeliveredAtOnce) {
  UnreliableReassembler reassembler(4);
  const Bytes data = pattern(13, 1);
  auto result = reassembler.receiveSegment(6, 0, true, data);
  ASSERT_EQ(result.outcome, Outcome::kDelivered);
  ASSERT_TRUE(result.message.has_value());
  EXPECT_EQ(result.message->lane, 4u);
  EXPECT_EQ(result.message->message_number, 6u);
  EXPECT_FALSE(result.message->reliable);
  EXPECT_EQ(result.message->data, data);
  auto empty = reassembler.receiveSegment(7, 0, true, ByteSpan());
  ASSERT_EQ(empty.outcome, Outcome::kDelivered);  // a 0-byte message (§1.3)
  EXPECT_TRUE(empty.message->data.empty());
  EXPECT_EQ(reassembler.storedPieceCount(), 0u);
}

TEST(UnreliableReassemblerTest, PiecesOutOfOrderWithDuplicates) {
  const Bytes message = pattern(3000, 2);
  const auto pieces = cut(message, 1234);  // U3000: three pieces
  for (uint32_t seed = 0; seed < 6; ++seed) {
    std::vector<Piece> order = pieces;
    order.push_back(pieces[seed % pieces.size()]);
    std::mt19937 rng(seed);
    std::shuffle(order.begin(), order.end(), rng);
    UnreliableReassembler reassembler(0);
    int delivered = 0;
    for (const Piece& p : order) {
      auto result = reassembler.receiveSegment(2, p.offset, p.last, p.data);
      if (result.outcome == Outcome::kDelivered) {
        ++delivered;
        EXPECT_EQ(result.message->data, message);
        EXPECT_EQ(result.message->message_number, 2u);
      } else {
        // A duplicate before completion is flagged; after completion it starts over.
        EXPECT_TRUE(result.outcome == Outcome::kStored ||
                    result.outcome == Outcome::kDuplicatePiece);
      }
    }
    EXPECT_EQ(delivered, 1) << seed;
  }
}

TEST(UnreliableReassemblerTest, TooLargeSegmentsAreIgnored) {
  UnreliableReassembler reassembler(0);
  EXPECT_EQ(reassembler.receiveSegment(1, 0, true, pattern(1301, 0)).outcome,
            Outcome::kIgnoredTooLarge);
  EXPECT_EQ(reassembler.receiveSegment(1, 24701, true, pattern(1300, 0)).outcome,
            Outcome::kIgnoredTooLarge);  // ends at 26001
  EXPECT_EQ(reassembler.receiveSegment(1, 24700, true, pattern(1300, 0)).outcome,
            Outcome::kStored);  // ends at exactly 26000
}

// §5.2: 25909 bytes in 21 pieces is delivered; 25910 bytes in 22 pieces never is.
TEST(UnreliableReassemblerTest, TwentyOnePiecesCompleteTwentyTwoNever) {
  for (const auto& [size, pieces_expected, delivers] :
       std::vector<std::tuple<size_t, size_t, bool>>{{25909, 21, true}, {25910, 22, false}}) {
    const Bytes message = pattern(size, 3);
    // The pieces of a GNS sender under NULL (§5.2): 1236, then 1234 while the offset
    // var-int has 2 bytes, then 1233.
    std::vector<Piece> pieces;
    size_t offset = 0;
    while (offset < size) {
      const size_t room = offset == 0 ? 1236 : offset < 16384 ? 1234 : 1233;
      const size_t n = std::min(room, size - offset);
      pieces.push_back({static_cast<uint32_t>(offset), offset + n == size,
                        ByteSpan(message).subspan(offset, n)});
      offset += n;
    }
    ASSERT_EQ(pieces.size(), pieces_expected);
    UnreliableReassembler reassembler(0);
    bool delivered = false;
    for (const Piece& p : pieces) {
      auto result = reassembler.receiveSegment(9, p.offset, p.last, p.data);
      if (result.outcome == Outcome::kDelivered) {
        delivered = true;
        EXPECT_EQ(result.message->data, message);
      }
    }
    EXPECT_EQ(delivered, delivers) << size;
    EXPECT_LE(reassembler.storedPieceCount(), wire::kUnreliableMaxStoredPieces + 1);
  }
}

TEST(UnreliableReassemblerTest, EvictsTheLowestNumberedMessage) {
  UnreliableReassembler reassembler(0);
  const Bytes data = pattern(10, 4);
  // Message 5: 3 pieces of 4 stored; message 9: 18 of 19 stored. 21 pieces in all.
  for (uint32_t i = 0; i < 3; ++i)
    reassembler.receiveSegment(5, i * 10, false, data);
  for (uint32_t i = 0; i < 18; ++i)
    reassembler.receiveSegment(9, i * 10, false, data);
  EXPECT_EQ(reassembler.storedPieceCount(), 21u);
  // A piece of message 12 arrives: message 5's pieces go first.
  EXPECT_EQ(reassembler.receiveSegment(12, 10, true, data).outcome, Outcome::kStored);
  EXPECT_EQ(reassembler.evictedMessageCount(), 1u);
  EXPECT_EQ(reassembler.storedPieceCount(), 19u);
  EXPECT_EQ(reassembler.partialMessageCount(), 2u);
  auto done = reassembler.receiveSegment(9, 180, true, data);
  ASSERT_EQ(done.outcome, Outcome::kDelivered);
  EXPECT_EQ(done.message->data.size(), 190u);
  // Message 5's last piece cannot complete it: ignored (ours), not stored, and the
  // message is not counted evicted twice.
  EXPECT_EQ(reassembler.receiveSegment(5, 30, true, data).outcome, Outcome::kIgnoredEvicted);
  EXPECT_EQ(reassembler.storedPieceCount(), 1u);  // message 12's piece only
  EXPECT_EQ(reassembler.evictedMessageCount(), 1u);
  // Other messages below the evicted one are still taken.
  EXPECT_EQ(reassembler.receiveSegment(4, 0, false, data).outcome, Outcome::kStored);
}

TEST(UnreliableReassemblerTest, InconsistentAndOverlappingPieces) {
  {
    UnreliableReassembler reassembler(0);
    const Bytes data = pattern(10, 5);
    reassembler.receiveSegment(3, 10, true, data);
    EXPECT_EQ(reassembler.receiveSegment(3, 0, false, pattern(30, 6)).outcome,
              Outcome::kDroppedInconsistent);  // data past the end of the last piece
    EXPECT_EQ(reassembler.storedPieceCount(), 0u);
  }
  {
    UnreliableReassembler reassembler(0);
    const Bytes low(10, 0xAA);
    const Bytes high(10, 0xBB);
    reassembler.receiveSegment(3, 5, true, high);                // [5, 15), last
    auto result = reassembler.receiveSegment(3, 0, false, low);  // [0, 10) overlaps
    ASSERT_EQ(result.outcome, Outcome::kDelivered);
    Bytes expected(5, 0xAA);
    expected.insert(expected.end(), 10, 0xBB);  // the higher offset wins the overlap
    EXPECT_EQ(result.message->data, expected);
  }
}

}  // namespace
}  // namespace opengns::snp
