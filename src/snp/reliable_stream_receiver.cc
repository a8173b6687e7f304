#include "snp/reliable_stream_receiver.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "wire/reliable_message_header.h"

namespace opengns::snp {
namespace {

// Delivered bytes at the front of the buffer are dropped once they are at least this
// many and at least half the buffer, so that cutting many small messages off a large
// buffer costs amortized O(1) per byte.
constexpr size_t kCompactThresholdBytes = 64 * 1024;

}  // namespace

ReliableStreamReceiver::ReliableStreamReceiver(uint32_t lane, ReliableStreamLimits limits)
    : lane_(lane), limits_(limits) {}

void ReliableStreamReceiver::noteMessageNumber(uint64_t message_number) {
  highest_number_ = std::max(highest_number_, message_number);
}

absl::Status ReliableStreamReceiver::fail(absl::Status status) {
  failure_ = status;
  return status;
}

absl::Status ReliableStreamReceiver::receiveSegment(uint64_t stream_position, ByteSpan data,
                                                    std::vector<ReceivedMessage>& delivered) {
  if (!failure_.ok()) return failure_;
  if (data.empty()) return absl::OkStatus();  // §1.3: a 0-byte reliable segment is ignored
  if (stream_position < wire::kFirstStreamPosition || stream_position > UINT64_MAX - data.size()) {
    return absl::InvalidArgumentError(absl::StrCat("reliable stream lane ", lane_,
                                                   ": segment position ", stream_position, " with ",
                                                   data.size(), " bytes is invalid"));
  }
  uint64_t end = stream_position + data.size();
  if (end <= next_position_) return absl::OkStatus();  // all delivered already: duplicate

  // §2.4 step 2. A segment reaching past the limit is refused (not acked), but the part
  // within the limit is still taken: it may complete the message at next_position_, and
  // without it a sender that resends the same range would never get past that message.
  absl::Status over_limit;
  if (end - next_position_ > limits_.max_buffered_bytes) {
    over_limit = absl::ResourceExhaustedError(
        absl::StrCat("reliable stream lane ", lane_, ": segment [", stream_position, ", ", end,
                     ") reaches ", end - next_position_, " bytes past the next undelivered byte ",
                     next_position_, ", limit ", limits_.max_buffered_bytes));
    const uint64_t limit_end = next_position_ + limits_.max_buffered_bytes;
    if (stream_position >= limit_end) return over_limit;
    end = limit_end;
  }
  const uint64_t begin = std::max(stream_position, next_position_);
  const uint64_t buffer_end = expectPosition();
  const bool makes_hole = begin > buffer_end;
  if (makes_hole) {
    if (holes_.size() >= limits_.max_holes_when_extending) {
      return absl::ResourceExhaustedError(
          absl::StrCat("reliable stream lane ", lane_, ": segment at ", begin,
                       " would open a hole after ", buffer_end, " with ", holes_.size(),
                       " holes already, limit ", limits_.max_holes_when_extending));
    }
  } else {
    for (const Range& hole : holes_) {
      if (hole.begin < begin && end < hole.end &&
          holes_.size() >= limits_.max_holes_when_splitting) {
        return absl::ResourceExhaustedError(absl::StrCat(
            "reliable stream lane ", lane_, ": segment [", begin, ", ", end, ") would split hole [",
            hole.begin, ", ", hole.end, ") with ", holes_.size(), " holes already, limit ",
            limits_.max_holes_when_splitting));
      }
    }
  }

  // Checks done: take the bytes. Overlap with bytes already held is allowed (resends
  // may be cut differently); the copy simply writes them again.
  const uint64_t new_end = std::max(end, buffer_end);
  buffer_.resize(consumed_ + static_cast<size_t>(new_end - next_position_));
  std::memcpy(buffer_.data() + consumed_ + (begin - next_position_),
              data.data() + (begin - stream_position), static_cast<size_t>(end - begin));
  if (makes_hole) {
    holes_.push_back({buffer_end, begin});
  } else {
    std::vector<Range> remaining;
    remaining.reserve(holes_.size() + 1);
    for (const Range& hole : holes_) {
      if (hole.end <= begin || hole.begin >= end) {
        remaining.push_back(hole);
        continue;
      }
      if (hole.begin < begin) remaining.push_back({hole.begin, begin});
      if (end < hole.end) remaining.push_back({end, hole.end});
    }
    holes_ = std::move(remaining);
  }
  absl::Status status = deliverReady(delivered);
  return status.ok() ? over_limit : status;
}

absl::Status ReliableStreamReceiver::deliverReady(std::vector<ReceivedMessage>& delivered) {
  while (true) {
    const uint64_t contiguous_end = holes_.empty() ? expectPosition() : holes_.front().begin;
    const size_t available = static_cast<size_t>(contiguous_end - next_position_);
    if (available == 0) break;
    const ByteSpan front(buffer_.data() + consumed_, available);
    auto parsed = wire::parseReliableMessageHeader(front, last_reliable_number_);
    if (!parsed.ok()) {
      return fail(absl::InvalidArgumentError(absl::StrCat("reliable stream lane ", lane_,
                                                          " at position ", next_position_, ": ",
                                                          parsed.status().message())));
    }
    if (!parsed->has_value()) break;  // header not complete yet
    const wire::ParsedReliableMessageHeader& header = **parsed;
    const uint64_t number = header.header.message_number;
    const uint64_t payload_size = header.header.payload_size_bytes;
    const uint64_t highest = std::max(highest_number_, last_reliable_number_);
    if (header.number_delta > limits_.max_message_number_delta) {
      return fail(absl::InvalidArgumentError(
          absl::StrCat("reliable stream lane ", lane_, " at position ", next_position_,
                       ": message number delta ", header.number_delta, " above the limit ",
                       limits_.max_message_number_delta)));
    }
    if (number > highest && number - highest > limits_.max_message_number_above_highest) {
      return fail(absl::InvalidArgumentError(absl::StrCat(
          "reliable stream lane ", lane_, " at position ", next_position_, ": message number ",
          number, " is more than ", limits_.max_message_number_above_highest,
          " above the highest seen ", highest)));
    }
    const uint64_t total = header.header_size_bytes + payload_size;
    if (payload_size > limits_.max_message_bytes || total > limits_.max_buffered_bytes) {
      return fail(absl::InvalidArgumentError(absl::StrCat(
          "reliable stream lane ", lane_, " at position ", next_position_, ": message ", number,
          " of ", payload_size, " bytes exceeds the receive limit ",
          std::min<uint64_t>(limits_.max_message_bytes,
                             limits_.max_buffered_bytes - header.header_size_bytes))));
    }
    if (total > available) break;  // payload not complete yet

    ReceivedMessage message;
    message.lane = lane_;
    message.message_number = number;
    message.reliable = true;
    const auto payload_begin =
        buffer_.begin() + static_cast<std::ptrdiff_t>(consumed_ + header.header_size_bytes);
    message.data.assign(payload_begin, payload_begin + static_cast<std::ptrdiff_t>(payload_size));
    delivered.push_back(std::move(message));
    consumed_ += static_cast<size_t>(total);
    next_position_ += total;
    last_reliable_number_ = number;
    highest_number_ = std::max(highest_number_, number);
  }
  compact();
  return absl::OkStatus();
}

void ReliableStreamReceiver::compact() {
  if (consumed_ == buffer_.size()) {
    // Nothing buffered: give a large buffer back rather than keep its capacity per lane.
    if (buffer_.capacity() > kCompactThresholdBytes) {
      Bytes().swap(buffer_);
    } else {
      buffer_.clear();
    }
    consumed_ = 0;
    return;
  }
  if (consumed_ >= kCompactThresholdBytes && consumed_ * 2 >= buffer_.size()) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(consumed_));
    consumed_ = 0;
  }
}

}  // namespace opengns::snp
