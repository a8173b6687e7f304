#include "snp/unreliable_reassembler.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace opengns::snp {

UnreliableReassembler::UnreliableReassembler(uint32_t lane, UnreliableReassemblyLimits limits)
    : lane_(lane), limits_(limits) {}

UnreliableReassembler::Result UnreliableReassembler::receiveSegment(uint64_t message_number,
                                                                    uint32_t offset_bytes,
                                                                    bool is_last, ByteSpan data) {
  Result result;
  if (data.size() > limits_.max_segment_bytes ||
      uint64_t{offset_bytes} + data.size() > limits_.max_message_bytes) {
    result.outcome = Outcome::kIgnoredTooLarge;
    return result;
  }
  if (offset_bytes == 0 && is_last) {
    result.outcome = Outcome::kDelivered;
    result.message = ReceivedMessage{lane_, message_number, false, Bytes(data.begin(), data.end())};
    return result;
  }
  if (wasEvicted(message_number)) {
    result.outcome = Outcome::kIgnoredEvicted;
    return result;
  }
  auto existing = partial_.find(message_number);
  if (existing != partial_.end() && existing->second.count(offset_bytes) != 0) {
    result.outcome = Outcome::kDuplicatePiece;
    return result;
  }
  if (stored_pieces_ > limits_.max_stored_pieces && !partial_.empty()) {
    // §5.2: make room by dropping the lowest-numbered message, whichever it is.
    stored_pieces_ -= partial_.begin()->second.size();
    evicted_numbers_[evicted_messages_ % kRememberedEvictions] = partial_.begin()->first;
    partial_.erase(partial_.begin());
    ++evicted_messages_;
    if (wasEvicted(message_number)) {  // this piece's own message was the lowest
      result.outcome = Outcome::kIgnoredEvicted;
      return result;
    }
  }
  Pieces& pieces = partial_[message_number];
  pieces.emplace(offset_bytes, Piece{is_last, Bytes(data.begin(), data.end())});
  ++stored_pieces_;

  bool inconsistent = false;
  std::optional<Bytes> whole = assemble(pieces, inconsistent);
  if (!whole && !inconsistent) {
    result.outcome = Outcome::kStored;
    return result;
  }
  stored_pieces_ -= pieces.size();
  partial_.erase(message_number);
  if (inconsistent) {
    result.outcome = Outcome::kDroppedInconsistent;
    return result;
  }
  result.outcome = Outcome::kDelivered;
  result.message = ReceivedMessage{lane_, message_number, false, *std::move(whole)};
  return result;
}

bool UnreliableReassembler::wasEvicted(uint64_t message_number) const {
  return std::find(evicted_numbers_.begin(), evicted_numbers_.end(), message_number) !=
         evicted_numbers_.end();
}

std::optional<Bytes> UnreliableReassembler::assemble(const Pieces& pieces,
                                                     bool& inconsistent) const {
  // Walk pieces by offset; the message is complete once a last piece is reached with
  // everything before it covered.
  uint64_t covered_end = 0;
  std::optional<uint64_t> message_size;
  for (const auto& [offset, piece] : pieces) {
    if (offset > covered_end) return std::nullopt;  // hole
    const uint64_t piece_end = offset + piece.data.size();
    covered_end = std::max(covered_end, piece_end);
    if (piece.is_last) {
      message_size = piece_end;
      break;
    }
  }
  if (!message_size) return std::nullopt;
  // Two pieces marked last at different ends, or data past the last piece's end: the
  // sender contradicts itself and no message size is right.
  for (const auto& [offset, piece] : pieces) {
    if (offset + piece.data.size() > *message_size ||
        (piece.is_last && offset + piece.data.size() != *message_size)) {
      inconsistent = true;
      return std::nullopt;
    }
  }
  Bytes message(static_cast<size_t>(*message_size));
  for (const auto& [offset, piece] : pieces) {
    if (!piece.data.empty())
      std::memcpy(message.data() + offset, piece.data.data(), piece.data.size());
  }
  return message;
}

}  // namespace opengns::snp
