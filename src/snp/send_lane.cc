#include "snp/send_lane.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/byte_writer.h"
#include "common/log.h"
#include "wire/reliable_message_header.h"
#include "wire/snp_constants.h"
#include "wire/varint.h"

namespace opengns::snp {
namespace {

// Header field sizes of the forms the reference encoder writes (snp.md §1.5, §1.6), which
// wire::applyReferenceEncoding() reproduces.
constexpr size_t kLeadByteBytes = 1;
constexpr size_t kReliableAbsolutePositionBytes = 6;  // 48-bit, first in context
constexpr size_t kUnreliableAbsoluteNumberBytes = 4;  // 32-bit, first in context
constexpr uint64_t kMaxGap8 = 0xFF;
constexpr uint64_t kMaxGap16 = 0xFFFF;
constexpr uint64_t kMaxGap32 = 0xFFFFFFFF;

}  // namespace

void SegmentContext::noteSegment(const OutgoingSegment& segment) {
  if (segment.reliable) {
    cur_relpos = segment.stream_end;
    if (cur_msgnum != 0) ++cur_msgnum;  // §1.4 quirk, applied by both sides
  } else {
    cur_msgnum = segment.message_number;
  }
}

SendLane::SendLane(SendLaneConfig config) : config_(config) {
  // A cap below the minimum segment would never let a segment start.
  config_.max_reliable_segment_bytes =
      std::max(config_.max_reliable_segment_bytes, config_.min_segment_data_bytes);
}

absl::StatusOr<QueuedMessage> SendLane::queueMessage(Usec now, ByteSpan payload, int flags,
                                                     const SendBufferState& buffer) {
  return queue(now, payload, nullptr, flags, buffer);
}

absl::StatusOr<QueuedMessage> SendLane::queueMessage(Usec now, Bytes&& payload, int flags,
                                                     const SendBufferState& buffer) {
  return queue(now, ByteSpan(payload), &payload, flags, buffer);
}

absl::StatusOr<QueuedMessage> SendLane::queue(Usec now, ByteSpan payload, Bytes* owned, int flags,
                                              const SendBufferState& buffer) {
  const uint64_t size = payload.size();
  if (size > config_.max_message_bytes) {
    std::string text = absl::StrCat("lane ", config_.lane, ": message of ", size,
                                    " bytes exceeds the maximum message size of ",
                                    config_.max_message_bytes, " bytes");
    OPENGNS_LOG(LogLevel::kWarning, "send refused: ", text);
    return absl::InvalidArgumentError(text);
  }
  // §5.3: queued (unsent + resend-queued, headers included) + new payload > limit.
  if (size > buffer.limit_bytes || buffer.connection_queued_bytes > buffer.limit_bytes - size) {
    // A flooding sender hits this for every message it tries while the buffer is full:
    // a fixed text, no formatting.
    return absl::ResourceExhaustedError("send buffer full (SendBufferSize)");
  }
  bool reliable = (flags & kSendReliable) != 0;
  if (!reliable && size > config_.max_unreliable_message_bytes) {
    OPENGNS_LOG(LogLevel::kWarning, "lane ", config_.lane, ": unreliable message of ", size,
                " bytes is above ", config_.max_unreliable_message_bytes,
                " bytes and is sent reliable instead");
    reliable = true;
  }

  Message message;
  message.number = ++last_message_number_;
  message.reliable = reliable;
  QueuedMessage result;
  result.message_number = message.number;
  result.reliable = reliable;
  if (reliable) {
    const wire::ReliableMessageHeader header = wire::canonicalReliableMessageHeader(
        message.number, last_reliable_number_, static_cast<uint32_t>(size));
    Bytes& header_bytes = header_scratch_;
    header_bytes.clear();
    ByteWriter writer(header_bytes);
    const absl::Status encoded =
        wire::encodeReliableMessageHeader(header, last_reliable_number_, writer);
    if (!encoded.ok()) OPENGNS_BUG("send lane ", config_.lane, ": ", encoded.message());
    message.stream_begin = owned != nullptr ? stream_.append(header_bytes, std::move(*owned))
                                            : stream_.append(header_bytes, payload);
    last_reliable_number_ = message.number;
    message.stream_end = stream_.endPosition();
    result.queued_bytes = header_bytes.size() + size;
  } else {
    if (owned != nullptr) {
      message.payload = std::move(*owned);
    } else {
      message.payload.assign(payload.begin(), payload.end());
    }
    unreliable_unsent_bytes_ += size;
    result.queued_bytes = size;
  }
  if ((flags & kSendNoNagle) != 0) {
    nagle_cleared_through_ = message.number;  // this one and every one queued before
  } else {
    message.nagle_deadline = now + config_.nagle_time_usec;
  }
  queue_.push_back(std::move(message));
  return result;
}

Usec SendLane::nagleDeadline() const {
  if (queue_.empty()) return kNever;
  const Message& head = queue_.front();
  return head.number <= nagle_cleared_through_ ? 0 : head.nagle_deadline;
}

bool SendLane::hasDataReady(Usec now, size_t full_packet_bytes) const {
  if (stream_.pendingResend()) return true;
  if (queue_.empty()) return false;
  return nagleDeadline() <= now || queuedBytes() >= full_packet_bytes;
}

std::optional<uint64_t> SendLane::segmentDataBytes(size_t budget_bytes, size_t header_bytes,
                                                   uint64_t remaining, uint64_t cap_bytes,
                                                   bool& fills_budget) const {
  if (budget_bytes < header_bytes) return std::nullopt;
  const uint64_t available = budget_bytes - header_bytes;
  // A segment that does not fill the budget carries an explicit size (§1.3: ≤ 1279).
  uint64_t take = std::min({remaining, cap_bytes, uint64_t{wire::kSegmentMaxExplicitSizeBytes}});
  fills_budget = take >= available;
  if (fills_budget) take = available;  // size code 7: no size byte
  if (take < std::min<uint64_t>(config_.min_segment_data_bytes, remaining)) return std::nullopt;
  return take;
}

std::optional<size_t> SendLane::reliableHeaderBytes(uint64_t begin,
                                                    const SegmentContext& context) const {
  if (context.cur_relpos == 0) return kLeadByteBytes + kReliableAbsolutePositionBytes;
  if (begin < context.cur_relpos) {
    OPENGNS_BUG("send lane ", config_.lane, ": reliable segment at ", begin,
                " after one ending at ", context.cur_relpos, " in the same packet context");
    return std::nullopt;
  }
  const uint64_t gap = begin - context.cur_relpos;
  if (gap == 0) return kLeadByteBytes;
  if (gap <= kMaxGap8) return kLeadByteBytes + 1;
  if (gap <= kMaxGap16) return kLeadByteBytes + 2;
  if (gap <= kMaxGap32) return kLeadByteBytes + 4;
  return std::nullopt;  // needs a new context (select-lane); the assembler's call
}

std::optional<OutgoingSegment> SendLane::nextSegment(size_t budget_bytes,
                                                     const SegmentContext& context) {
  if (queue_.empty()) return std::nullopt;
  return queue_.front().reliable ? nextReliable(budget_bytes, context)
                                 : nextUnreliable(budget_bytes, context);
}

std::optional<OutgoingSegment> SendLane::nextReliable(size_t budget_bytes,
                                                      const SegmentContext& context) {
  const uint64_t begin = stream_.nextNewPosition();
  const std::optional<size_t> header_bytes = reliableHeaderBytes(begin, context);
  if (!header_bytes) return std::nullopt;
  // The run of reliable messages at the head of the queue, as far as one segment can go.
  const uint64_t wanted = std::min<uint64_t>(budget_bytes, config_.max_reliable_segment_bytes);
  uint64_t run_end = begin;
  for (const Message& message : queue_) {
    if (!message.reliable) break;
    run_end = message.stream_end;
    if (run_end - begin >= wanted) break;
  }
  OutgoingSegment segment;
  const std::optional<uint64_t> take =
      segmentDataBytes(budget_bytes, *header_bytes, run_end - begin,
                       config_.max_reliable_segment_bytes, segment.fills_budget);
  if (!take) return std::nullopt;
  const std::optional<ReliableSendStream::Range> range = stream_.takeNewRange(*take);
  if (!range) {
    OPENGNS_BUG("send lane ", config_.lane, ": reliable message queued but no stream bytes");
    return std::nullopt;
  }
  segment.reliable = true;
  segment.stream_begin = range->begin;
  segment.stream_end = range->end;
  segment.header_bytes = *header_bytes;
  segment.scheduled_bytes = range->size();
  while (!queue_.empty() && queue_.front().reliable && queue_.front().stream_end <= range->end) {
    queue_.pop_front();
    ++segment.messages_completed;
  }
  if (!queue_.empty() && queue_.front().reliable && queue_.front().stream_begin < range->end) {
    // Part of the head message is placed: the rest should not wait for its timer.
    nagle_cleared_through_ = std::max(nagle_cleared_through_, queue_.front().number);
  }
  return segment;
}

std::optional<OutgoingSegment> SendLane::nextUnreliable(size_t budget_bytes,
                                                        const SegmentContext& context) {
  Message& head = queue_.front();
  size_t header_bytes = kLeadByteBytes;
  if (context.cur_msgnum == 0) {
    header_bytes += kUnreliableAbsoluteNumberBytes;
  } else if (head.number <= context.cur_msgnum) {
    // The §1.4 "+1 after each reliable segment" rule ran ahead of the numbers: two
    // segments of one reliable message (cut at max_reliable_segment_bytes) went into this
    // context. No delta form can go back; this message waits for a new context.
    return std::nullopt;
  } else if (head.number - context.cur_msgnum != 1) {
    header_bytes += wire::varintSize(head.number - context.cur_msgnum);
  }
  if (head.sent_bytes != 0) header_bytes += wire::varintSize(head.sent_bytes);

  OutgoingSegment segment;
  const uint64_t remaining = head.payload.size() - head.sent_bytes;
  const std::optional<uint64_t> take =
      segmentDataBytes(budget_bytes, header_bytes, remaining, wire::kSegmentMaxExplicitSizeBytes,
                       segment.fills_budget);
  if (!take) return std::nullopt;
  segment.message_number = head.number;
  segment.offset_bytes = head.sent_bytes;
  segment.data = ByteSpan(head.payload).subspan(head.sent_bytes, static_cast<size_t>(*take));
  segment.header_bytes = header_bytes;
  segment.scheduled_bytes = *take;
  head.sent_bytes += static_cast<uint32_t>(*take);
  unreliable_unsent_bytes_ -= *take;
  segment.is_last = head.sent_bytes == head.payload.size();
  if (segment.is_last) {
    // Moving the vector keeps its buffer, so segment.data stays valid.
    placed_payloads_.push_back(std::move(head.payload));
    queue_.pop_front();
    segment.messages_completed = 1;
  } else {
    nagle_cleared_through_ = std::max(nagle_cleared_through_, head.number);
  }
  return segment;
}

std::optional<OutgoingSegment> SendLane::nextResend(size_t budget_bytes,
                                                    const SegmentContext& context) {
  const std::optional<ReliableSendStream::Range> front = stream_.peekResend();
  if (!front) return std::nullopt;
  const std::optional<size_t> header_bytes = reliableHeaderBytes(front->begin, context);
  if (!header_bytes) return std::nullopt;
  OutgoingSegment segment;
  const std::optional<uint64_t> take =
      segmentDataBytes(budget_bytes, *header_bytes, front->size(),
                       config_.max_reliable_segment_bytes, segment.fills_budget);
  if (!take) return std::nullopt;
  const std::optional<ReliableSendStream::Range> range = stream_.takeResend(*take);
  if (!range) return std::nullopt;  // take >= 1 here, so this cannot happen
  segment.reliable = true;
  segment.is_resend = true;
  segment.stream_begin = range->begin;
  segment.stream_end = range->end;
  segment.header_bytes = *header_bytes;
  return segment;
}

}  // namespace opengns::snp
