// Receive side of one lane's unreliable messages (snp.md §1.5, §5.2): a segment that is
// a whole message (offset 0, last) is handed up at once; other segments are stored by
// (message number, offset) until the pieces from offset 0 up to the last piece leave no
// hole, then the message is put together and handed up. Unreliable data is never
// resent, so a message with a lost piece never completes: its pieces stay until the
// piece limit evicts them (there is no timer: sans-IO, as the reference, §5.2).
//
// Limits (the reference's, which decide what a GNS peer can count on, §5.2/§5.3):
// a segment with more than 1300 data bytes or ending past byte 26000 is ignored; when a
// piece arrives while more than 20 pieces are stored, all pieces of the lowest-numbered
// message are dropped first. So a message of more than 21 pieces never completes.
// Overlapping pieces at different offsets are accepted; where they overlap, the piece
// with the higher offset wins (the spec leaves this open; senders never do it).
// Ours (LOCAL): the numbers of the last kRememberedEvictions evicted messages are kept,
// and later pieces of those messages are ignored: they can never complete, and storing
// them would only evict other messages (and count the same message evicted twice).
//
// Single-threaded; owned by the connection's SNP receiver.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>

#include "common/bytes.h"
#include "snp/received_message.h"
#include "wire/snp_constants.h"

namespace opengns::snp {

struct UnreliableReassemblyLimits {
  uint32_t max_segment_bytes = wire::kUnreliableMaxSegmentBytes;
  uint32_t max_message_bytes = wire::kUnreliableMaxMessageBytes;
  size_t max_stored_pieces = wire::kUnreliableMaxStoredPieces;
};

class UnreliableReassembler {
 public:
  enum class Outcome {
    kDelivered,            // `message` holds a whole message
    kStored,               // kept, the message is not complete yet
    kDuplicatePiece,       // same (message number, offset) already stored: ignored
    kIgnoredTooLarge,      // beyond max_segment_bytes / max_message_bytes: ignored
    kDroppedInconsistent,  // pieces disagree on where the message ends: all dropped
    kIgnoredEvicted,       // a piece of a message evicted before: it cannot complete
  };
  static constexpr size_t kRememberedEvictions = 32;
  struct Result {
    Outcome outcome = Outcome::kStored;
    std::optional<ReceivedMessage> message;
  };

  explicit UnreliableReassembler(uint32_t lane, UnreliableReassemblyLimits limits = {});

  Result receiveSegment(uint64_t message_number, uint32_t offset_bytes, bool is_last,
                        ByteSpan data);

  uint32_t lane() const { return lane_; }
  size_t storedPieceCount() const { return stored_pieces_; }
  size_t partialMessageCount() const { return partial_.size(); }
  // Messages whose pieces the piece limit has dropped so far (for stats and logs).
  uint64_t evictedMessageCount() const { return evicted_messages_; }

 private:
  struct Piece {
    bool is_last = false;
    Bytes data;
  };
  using Pieces = std::map<uint32_t, Piece>;  // by offset

  // Returns the message if `pieces` cover [0, end of the last piece) without a hole.
  std::optional<Bytes> assemble(const Pieces& pieces, bool& inconsistent) const;
  bool wasEvicted(uint64_t message_number) const;

  uint32_t lane_;
  UnreliableReassemblyLimits limits_;
  std::map<uint64_t, Pieces> partial_;  // by message number
  size_t stored_pieces_ = 0;
  uint64_t evicted_messages_ = 0;
  // The last evicted message numbers, a ring (0 = empty slot: message numbers start at 1).
  std::array<uint64_t, kRememberedEvictions> evicted_numbers_{};
};

}  // namespace opengns::snp
