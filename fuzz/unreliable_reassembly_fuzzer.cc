// Fuzzes one lane's unreliable reassembler (snp.md §1.5, §5.2) with fuzzer-chosen
// segments (message number, offset, last flag, bytes). A model kept here mirrors which
// pieces are stored and which messages were evicted, and checks every outcome:
//  - too-large segments are ignored, whole messages (offset 0 + last) pass straight up;
//  - a delivered message is exactly its pieces put together (where pieces overlap, the
//    one with the higher offset wins), with no hole and nothing past the last piece;
//  - "stored" means the pieces are really not complete yet, "inconsistent" that they
//    really contradict each other, "duplicate" that the offset is already held;
//  - eviction drops the lowest-numbered message, later pieces of it are ignored, and the
//    stored piece count stays within the limit.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <map>
#include <optional>
#include <vector>

#include "snp/unreliable_reassembler.h"

namespace {

using opengns::Bytes;
using opengns::ByteSpan;
using opengns::snp::UnreliableReassembler;
using opengns::snp::UnreliableReassemblyLimits;
using Outcome = UnreliableReassembler::Outcome;

#define FUZZ_CHECK(cond)       \
  do {                         \
    if (!(cond)) std::abort(); \
  } while (0)

struct ModelPiece {
  bool last = false;
  Bytes data;
};
using ModelPieces = std::map<uint32_t, ModelPiece>;

enum class ModelState { kIncomplete, kComplete, kInconsistent };

// Where the pieces stand, and the message if complete.
ModelState assembleModel(const ModelPieces& pieces, Bytes& message) {
  uint64_t covered = 0;
  std::optional<uint64_t> size;
  for (const auto& [offset, piece] : pieces) {
    if (offset > covered) return ModelState::kIncomplete;
    covered = std::max<uint64_t>(covered, offset + piece.data.size());
    if (piece.last) {
      size = offset + piece.data.size();
      break;
    }
  }
  if (!size) return ModelState::kIncomplete;
  for (const auto& [offset, piece] : pieces) {
    const uint64_t end = offset + piece.data.size();
    if (end > *size || (piece.last && end != *size)) return ModelState::kInconsistent;
  }
  message.assign(static_cast<size_t>(*size), 0);
  std::vector<bool> written(message.size());
  for (const auto& [offset, piece] : pieces) {  // ascending: higher offsets overwrite
    for (size_t i = 0; i < piece.data.size(); ++i) {
      message[offset + i] = piece.data[i];
      written[offset + i] = true;
    }
  }
  FUZZ_CHECK(std::all_of(written.begin(), written.end(), [](bool b) { return b; }));
  return ModelState::kComplete;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider input(data, size);
  UnreliableReassemblyLimits limits;
  const uint8_t selector = input.ConsumeIntegral<uint8_t>();
  if (selector & 1) {  // small limits reach eviction and size refusals with little input
    limits.max_segment_bytes = 1 + ((selector >> 1) & 0x3F);
    limits.max_message_bytes = limits.max_segment_bytes * (1 + ((selector >> 4) & 7));
    limits.max_stored_pieces = (selector >> 5) & 7;
  }
  UnreliableReassembler reassembler(7, limits);
  std::map<uint64_t, ModelPieces> partial;
  std::deque<uint64_t> evicted(UnreliableReassembler::kRememberedEvictions, 0);
  uint64_t evictions = 0;
  const uint64_t base = input.ConsumeIntegral<uint32_t>();

  while (input.remaining_bytes() > 0) {
    const uint64_t number = input.ConsumeBool()
                                ? base + input.ConsumeIntegralInRange<uint64_t>(0, 40)
                                : input.ConsumeIntegral<uint64_t>();
    const uint8_t form = input.ConsumeIntegral<uint8_t>();
    uint32_t offset;
    if (form & 1) {
      offset = input.ConsumeIntegral<uint32_t>();
    } else {  // multiples of a segment size, as senders cut messages
      offset = static_cast<uint32_t>(input.ConsumeIntegralInRange<uint32_t>(0, 24) *
                                     std::min<uint32_t>(limits.max_segment_bytes, 1300));
      if (form & 2) offset += input.ConsumeIntegralInRange<uint32_t>(0, 64);
    }
    const bool last = (form & 4) != 0;
    const size_t length = input.ConsumeIntegralInRange<size_t>(0, limits.max_segment_bytes + 2);
    const uint8_t fill = input.ConsumeIntegral<uint8_t>();
    Bytes segment(length);
    for (size_t i = 0; i < length; ++i)
      segment[i] = static_cast<uint8_t>(fill + i * 7);

    const uint64_t evicted_before = reassembler.evictedMessageCount();
    auto result = reassembler.receiveSegment(number, offset, last, segment);
    const bool too_large =
        length > limits.max_segment_bytes || uint64_t{offset} + length > limits.max_message_bytes;
    FUZZ_CHECK(result.message.has_value() == (result.outcome == Outcome::kDelivered));
    if (too_large) {
      FUZZ_CHECK(result.outcome == Outcome::kIgnoredTooLarge);
    } else if (offset == 0 && last) {
      FUZZ_CHECK(result.outcome == Outcome::kDelivered && result.message->data == segment &&
                 result.message->message_number == number && !result.message->reliable &&
                 result.message->lane == 7);
    } else {
      FUZZ_CHECK(result.outcome != Outcome::kIgnoredTooLarge);
      const bool was_evicted = std::find(evicted.begin(), evicted.end(), number) != evicted.end();
      FUZZ_CHECK(!was_evicted || result.outcome == Outcome::kIgnoredEvicted);
      // Eviction (at most one per segment) removes the lowest-numbered message.
      FUZZ_CHECK(reassembler.evictedMessageCount() <= evicted_before + 1);
      if (reassembler.evictedMessageCount() != evicted_before) {
        FUZZ_CHECK(!partial.empty());
        evicted.pop_front();
        evicted.push_back(partial.begin()->first);
        partial.erase(partial.begin());
        ++evictions;
      }
      if (result.outcome == Outcome::kIgnoredEvicted) {
        FUZZ_CHECK(std::find(evicted.begin(), evicted.end(), number) != evicted.end());
      } else if (result.outcome == Outcome::kDuplicatePiece) {
        FUZZ_CHECK(partial.count(number) && partial[number].count(offset));
      } else {
        ModelPieces& pieces = partial[number];
        FUZZ_CHECK(pieces.count(offset) == 0);
        pieces.emplace(offset, ModelPiece{last, segment});
        Bytes message;
        const ModelState state = assembleModel(pieces, message);
        switch (result.outcome) {
          case Outcome::kStored:
            FUZZ_CHECK(state == ModelState::kIncomplete);
            break;
          case Outcome::kDroppedInconsistent:
            FUZZ_CHECK(state == ModelState::kInconsistent);
            partial.erase(number);
            break;
          case Outcome::kDelivered:
            FUZZ_CHECK(state == ModelState::kComplete && result.message->data == message &&
                       result.message->message_number == number);
            partial.erase(number);
            break;
          default:
            std::abort();
        }
      }
    }
    FUZZ_CHECK(reassembler.evictedMessageCount() == evictions);
    size_t stored = 0;
    for (const auto& [n, pieces] : partial)
      stored += pieces.size();
    FUZZ_CHECK(reassembler.storedPieceCount() == stored);
    FUZZ_CHECK(reassembler.partialMessageCount() == partial.size());
    FUZZ_CHECK(stored <= limits.max_stored_pieces + 1);
  }
  return 0;
}
