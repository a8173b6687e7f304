// Fuzzes one lane's reliable stream reassembler (snp.md §2.2-2.4) with a fuzzer-chosen
// sequence of (stream position, bytes) segments: out of order, overlapping, duplicated,
// past the limits. A shadow copy of the accepted stream bytes, kept here by the simplest
// possible means, checks what the receiver does:
//  - every delivered message is the next message decoded from the shadow stream, in order;
//  - after an OK the contiguous bytes hold no complete message it failed to deliver;
//  - the limits of §2.4 (buffer size, holes opened, holes split) refuse exactly the
//    segments a model of those steps predicts (ResourceExhausted); a refused segment
//    changes nothing, except that the part of one reaching past the buffer limit that
//    lies within it is still taken; an invalid position changes nothing;
//  - a stream failure is sticky;
//  - buffered bytes and holes stay within the limits, and the holes are exactly the gaps.
// In "valid" mode the stream is a well-formed message sequence built from the input, and
// after the fuzzer's segments an in-order flush must deliver every message exactly once.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <map>
#include <vector>

#include "absl/status/status.h"
#include "common/byte_writer.h"
#include "snp/reliable_stream_receiver.h"
#include "wire/reliable_message_header.h"

namespace {

using opengns::Bytes;
using opengns::ByteSpan;
using opengns::snp::ReceivedMessage;
using opengns::snp::ReliableStreamLimits;
using opengns::snp::ReliableStreamReceiver;

#define FUZZ_CHECK(cond)       \
  do {                         \
    if (!(cond)) std::abort(); \
  } while (0)

ReliableStreamLimits chooseLimits(uint8_t selector) {
  ReliableStreamLimits limits;
  if (selector & 1) {  // small limits, so that the fuzzer reaches every refusal quickly
    limits.max_buffered_bytes = 64 + (selector >> 1) * 16;
    limits.max_message_bytes = 8 + (selector >> 2) * 8;
    limits.max_holes_when_extending = 1 + (selector >> 4);
    limits.max_holes_when_splitting = 1 + (selector >> 5);
    limits.max_message_number_delta = 50;
    limits.max_message_number_above_highest = 20;
  }
  return limits;
}

// The accepted stream bytes from the next undelivered position on: bytes[i] is stream
// position base + i, and `have` lists the received ranges (absolute, half-open, disjoint
// and not touching), so that the checks stay cheap with a 1 MB buffer.
struct ShadowStream {
  uint64_t next = opengns::wire::kFirstStreamPosition;
  uint64_t last_number = 0;
  size_t delivered = 0;
  uint64_t base = opengns::wire::kFirstStreamPosition;
  Bytes bytes;
  std::map<uint64_t, uint64_t> have;

  void write(uint64_t position, ByteSpan data) {
    const uint64_t end = position + data.size();
    if (data.empty() || end <= next) return;  // §1.3: a 0-byte segment is ignored
    uint64_t begin = std::max(position, next);
    if (bytes.size() < end - base) bytes.resize(static_cast<size_t>(end - base));
    std::copy(data.begin() + static_cast<std::ptrdiff_t>(begin - position), data.end(),
              bytes.begin() + static_cast<std::ptrdiff_t>(begin - base));
    // Merge [begin, end) with every range it overlaps or touches.
    uint64_t merged_end = end;
    auto it = have.upper_bound(begin);
    if (it != have.begin() && std::prev(it)->second >= begin) --it;
    while (it != have.end() && it->first <= merged_end) {
      begin = std::min(begin, it->first);
      merged_end = std::max(merged_end, it->second);
      it = have.erase(it);
    }
    have.emplace(begin, merged_end);
  }
  uint64_t end() const { return have.empty() ? next : have.rbegin()->second; }
  size_t contiguous() const {
    if (have.empty() || have.begin()->first != next) return 0;
    return static_cast<size_t>(have.begin()->second - next);
  }
  size_t gaps() const { return have.size() - (contiguous() > 0 ? 1 : 0); }
  ByteSpan front() const { return ByteSpan(bytes.data() + (next - base), contiguous()); }
  // Checks `message` against the next message of the shadow stream and drops it.
  void consume(const ReceivedMessage& message, uint32_t lane) {
    const ByteSpan available = front();
    auto header = opengns::wire::decodeReliableMessageHeader(available, last_number);
    FUZZ_CHECK(header.ok());
    FUZZ_CHECK(message.reliable && message.lane == lane);
    FUZZ_CHECK(message.message_number == header->header.message_number);
    const size_t total = header->header_size_bytes + header->header.payload_size_bytes;
    FUZZ_CHECK(total <= available.size());
    FUZZ_CHECK(message.data.size() == header->header.payload_size_bytes);
    FUZZ_CHECK(
        std::equal(message.data.begin(), message.data.end(),
                   available.begin() + static_cast<std::ptrdiff_t>(header->header_size_bytes)));
    next += total;
    const uint64_t first_end = have.begin()->second;
    have.erase(have.begin());
    if (first_end > next) have.emplace(next, first_end);
    last_number = message.message_number;
    ++delivered;
    if (next - base > 65536 && (next - base) * 2 > bytes.size()) {
      bytes.erase(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(next - base));
      base = next;
    }
  }
};

struct Snapshot {
  uint64_t next, expect;
  size_t holes;
  bool operator==(const Snapshot&) const = default;
};
Snapshot snapshotOf(const ReliableStreamReceiver& r) {
  return {r.nextPosition(), r.expectPosition(), r.holeCount()};
}

void checkBounds(const ReliableStreamReceiver& r, const ReliableStreamLimits& limits,
                 const ShadowStream& shadow) {
  FUZZ_CHECK(r.bufferedSpan() <= limits.max_buffered_bytes);
  FUZZ_CHECK(r.holeCount() <= limits.max_holes_when_extending);
  FUZZ_CHECK(r.nextPosition() == shadow.next);
  FUZZ_CHECK(r.expectPosition() == shadow.end());
  FUZZ_CHECK(r.holeCount() == shadow.gaps());
  FUZZ_CHECK(r.lastReliableMessageNumber() == shadow.last_number);
}

// What §2.4 steps 2-4 do with a segment, predicted from the shadow: the range taken
// (empty if none) and whether the receiver must report ResourceExhausted.
struct Prediction {
  uint64_t take_begin = 0, take_end = 0;
  bool refused = false;
};
Prediction predict(const ReliableStreamLimits& limits, const ShadowStream& shadow,
                   uint64_t position, size_t size) {
  Prediction p;
  uint64_t end = position + size;
  if (size == 0 || end <= shadow.next) return p;
  // Step 2: past the buffer limit is refused; the part within the limit is still taken.
  const uint64_t limit_end = shadow.next + limits.max_buffered_bytes;
  if (end > limit_end) {
    p.refused = true;
    if (position >= limit_end) return p;
    end = limit_end;
  }
  const uint64_t begin = std::max(position, shadow.next);
  const size_t holes = shadow.gaps();
  if (begin > shadow.end()) {  // step 3: opens one more hole
    if (holes >= limits.max_holes_when_extending) {
      p.refused = true;
      return p;
    }
  } else {  // step 4: splits a hole in two
    uint64_t previous_end = shadow.next;
    for (const auto& [range_begin, range_end] : shadow.have) {
      if (range_begin > previous_end && previous_end < begin && end < range_begin &&
          holes >= limits.max_holes_when_splitting) {
        p.refused = true;
        return p;
      }
      previous_end = range_end;
    }
  }
  p.take_begin = begin;
  p.take_end = end;
  return p;
}

// Feeds one segment and checks the outcome against the shadow. Returns false once the
// stream has failed.
bool feed(ReliableStreamReceiver& r, const ReliableStreamLimits& limits, ShadowStream& shadow,
          uint64_t position, ByteSpan data, bool expect_valid) {
  std::vector<ReceivedMessage> delivered;
  const Snapshot before = snapshotOf(r);
  const bool bad_position = !data.empty() && (position < opengns::wire::kFirstStreamPosition ||
                                              position > UINT64_MAX - data.size());
  const Prediction prediction =
      bad_position ? Prediction{} : predict(limits, shadow, position, data.size());
  absl::Status status = r.receiveSegment(position, data, delivered);
  if (bad_position) {
    FUZZ_CHECK(absl::IsInvalidArgument(status) && delivered.empty());
    FUZZ_CHECK(snapshotOf(r) == before);
    return true;
  }
  if (prediction.take_begin == prediction.take_end) {  // nothing taken
    FUZZ_CHECK(delivered.empty() && snapshotOf(r) == before);
    FUZZ_CHECK(prediction.refused ? absl::IsResourceExhausted(status) : status.ok());
    return true;
  }
  shadow.write(prediction.take_begin,
               data.subspan(static_cast<size_t>(prediction.take_begin - position),
                            static_cast<size_t>(prediction.take_end - prediction.take_begin)));
  for (const ReceivedMessage& message : delivered)
    shadow.consume(message, r.lane());
  if (absl::IsInvalidArgument(status)) {
    FUZZ_CHECK(!expect_valid);
    // Sticky: the same error from then on, and nothing more is taken.
    std::vector<ReceivedMessage> more;
    const uint8_t byte = 0;
    absl::Status again = r.receiveSegment(r.nextPosition(), ByteSpan(&byte, 1), more);
    FUZZ_CHECK(again == status && more.empty());
    return false;
  }
  FUZZ_CHECK(prediction.refused ? absl::IsResourceExhausted(status) : status.ok());
  checkBounds(r, limits, shadow);
  // Nothing complete may be left at the front.
  const size_t have = shadow.contiguous();
  auto header = opengns::wire::parseReliableMessageHeader(shadow.front(), shadow.last_number);
  FUZZ_CHECK(header.ok());
  if (header->has_value()) {
    const auto& h = **header;
    FUZZ_CHECK(h.header_size_bytes + uint64_t{h.header.payload_size_bytes} > have);
  }
  return true;
}

void fuzzArbitrary(FuzzedDataProvider& input, ReliableStreamReceiver& r,
                   const ReliableStreamLimits& limits) {
  ShadowStream shadow;
  while (input.remaining_bytes() > 0) {
    uint64_t position;
    switch (input.ConsumeIntegralInRange<int>(0, 15)) {
      case 0:
        position = input.ConsumeIntegral<uint64_t>();
        break;
      case 1:  // before the next position: partly or wholly delivered already
        position = r.nextPosition() -
                   std::min<uint64_t>(r.nextPosition(), input.ConsumeIntegral<uint8_t>());
        break;
      case 2:  // near the buffer limit (slow with the default 1 MB limit: kept rare)
        position = r.nextPosition() + limits.max_buffered_bytes -
                   input.ConsumeIntegralInRange<uint64_t>(0, 600);
        break;
      default:  // in or just past the buffered range, growing it by at most a few KB
        position = r.nextPosition() + input.ConsumeIntegralInRange<uint64_t>(
                                          0, std::min<uint64_t>(r.bufferedSpan(), 4096) + 300);
        break;
    }
    const Bytes data = input.ConsumeBytes<uint8_t>(input.ConsumeIntegralInRange<size_t>(0, 300));
    if (!feed(r, limits, shadow, position, data, false)) return;
  }
}

void fuzzValid(FuzzedDataProvider& input, ReliableStreamReceiver& r,
               const ReliableStreamLimits& limits) {
  // Build a well-formed stream of messages the limits allow.
  struct Expected {
    uint64_t number;
    Bytes payload;
  };
  std::vector<Expected> messages;
  Bytes stream;
  opengns::ByteWriter writer(stream);
  uint64_t number = 0;
  const size_t count = input.ConsumeIntegralInRange<size_t>(0, 40);
  const uint64_t max_payload =
      std::min<uint64_t>({limits.max_message_bytes, limits.max_buffered_bytes - 16, 3000});
  for (size_t i = 0; i < count; ++i) {
    const uint64_t delta =
        input.ConsumeBool() ? 1
                            : input.ConsumeIntegralInRange<uint64_t>(
                                  1, std::min<uint64_t>(limits.max_message_number_delta,
                                                        limits.max_message_number_above_highest));
    const auto size = static_cast<uint32_t>(input.ConsumeIntegralInRange<uint64_t>(0, max_payload));
    auto header = opengns::wire::canonicalReliableMessageHeader(number + delta, number, size);
    if (input.ConsumeBool()) header.has_number_delta = true;  // non-canonical but valid forms
    if (input.ConsumeBool()) header.has_size_varint = true;
    FUZZ_CHECK(opengns::wire::encodeReliableMessageHeader(header, number, writer).ok());
    Bytes payload(size, static_cast<uint8_t>(i * 37 + 1));
    if (!payload.empty()) payload[0] = static_cast<uint8_t>(i);
    writer.writeBytes(payload);
    number += delta;
    messages.push_back({number, std::move(payload)});
  }
  const uint64_t first = opengns::wire::kFirstStreamPosition;
  ShadowStream shadow;
  auto segment = [&](uint64_t offset, size_t length) {
    offset = std::min<uint64_t>(offset, stream.size());
    length = std::min<size_t>(length, stream.size() - offset);
    FUZZ_CHECK(
        feed(r, limits, shadow, first + offset, ByteSpan(stream.data() + offset, length), true));
  };
  while (input.remaining_bytes() > 0 && !stream.empty()) {
    segment(input.ConsumeIntegralInRange<uint64_t>(0, stream.size() - 1),
            input.ConsumeIntegralInRange<size_t>(0, 1300));
  }
  // In-order flush from the next undelivered byte, as much as the buffer may hold: this
  // never opens or splits a hole and always completes the front message.
  const auto chunk = static_cast<size_t>(limits.max_buffered_bytes);
  while (r.nextPosition() - first < stream.size()) {
    const uint64_t before = r.nextPosition();
    segment(before - first, chunk);
    FUZZ_CHECK(r.nextPosition() > before);
  }
  FUZZ_CHECK(r.nextPosition() == first + stream.size());
  FUZZ_CHECK(r.bufferedSpan() == 0 && r.holeCount() == 0);
  FUZZ_CHECK(shadow.last_number == number && shadow.delivered == messages.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider input(data, size);
  const uint8_t mode = input.ConsumeIntegral<uint8_t>();
  const ReliableStreamLimits limits = chooseLimits(input.ConsumeIntegral<uint8_t>());
  ReliableStreamReceiver receiver(mode >> 1, limits);
  if (mode & 1) {
    fuzzValid(input, receiver, limits);
  } else {
    fuzzArbitrary(input, receiver, limits);
  }
  return 0;
}
