// Send side of one lane (snp.md §2, §5, §6, §7.2): the lane's queue of messages not yet
// completely placed in packets, in send order, and the segments they are cut into.
//
// What it owns and guarantees:
//  - Message numbers: one counter for reliable and unreliable messages, first number 1
//    (§2.1). A refused send uses no number.
//  - The send call's checks, in the reference's order (§5.3): size above the 512 KiB
//    limit, then SendBufferSize, then the 16,500-byte unreliable→reliable conversion
//    (§5.2), then the number. Errors (absl::Status code → public Result, mapped by the
//    caller):
//      InvalidArgument   → InvalidParam (8): message larger than max_message_bytes (a
//                          warning log line names the size and the limit);
//      ResourceExhausted → LimitExceeded (25): the send buffer would overflow.
//    Ignored (41, NoDelay while connecting) and the lane-index check are the caller's:
//    this class never returns them.
//  - Reliable messages get the §2.3 header (the reference's shortest form, via
//    wire::canonicalReliableMessageHeader) and go into the lane's ReliableSendStream.
//  - Segments (nextSegment()): new data in queue order. The head message decides the
//    kind. Reliable: one stream range that may cover several queued reliable messages in
//    a row (merging is legal, §1.6 interop note; it saves a segment header per message,
//    so three small messages cost one segment instead of the reference's three), but
//    never reaches past an unreliable message queued between them. Unreliable: one
//    segment of the head message (§5.2 segmentation, with offsets).
//  - Sizes (§5.1, §5.2, §8.3): a segment never exceeds the caller's byte budget, counting
//    its header as the reference encoder writes it (wire::applyReferenceEncoding: 48-bit
//    absolute position or the smallest gap, 32-bit absolute number or +1/var-int delta,
//    offset only when non-zero) plus one size byte unless the segment fills the budget
//    (then it must be the packet's last frame, size code 7). A segment is not started when
//    fewer than min(16, bytes left of the message or range) data bytes fit. Reliable
//    segments are at most max_reliable_segment_bytes; no segment with an explicit size is
//    larger than 1279 bytes (§1.3).
//  - Nagle (§6.2): each message without NoNagle gets now + nagle_time; NoNagle clears the
//    timers of that message and of every message queued before it; clearNagle() (flush)
//    clears all. Once part of a message has been placed, its timer and all earlier ones
//    are cleared too (ours: the rest should not wait another Nagle delay).
//
// Ownership: payloads are copied in (or moved in by the Bytes&& overload). The data view of
// an unreliable OutgoingSegment stays valid until releasePlacedPayloads() is called (the
// packet assembler calls it once the packet is encoded), or the lane is destroyed.
// Reliable bytes are read with stream().copyBytes().
//
// Not thread-safe: owned by the connection's SNP engine, used under the connection lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "common/bytes.h"
#include "opengns/types.h"
#include "snp/reliable_send_stream.h"
#include "snp/time.h"

namespace opengns::snp {

// §6.2 NagleTime default (LOCAL; config range 0-20000 µs).
inline constexpr Usec kDefaultNagleTimeUsec = 5000;
// §5.2 Unreliable messages larger than this are sent as reliable (LOCAL, peer-visible).
inline constexpr uint32_t kMaxUnreliableMessageBytes = 16500;
// §5.2 / §8.3 A segment is started only if min(this, bytes left) data bytes fit (LOCAL).
inline constexpr size_t kMinSegmentDataBytes = 16;
// §5.3 SendBufferSize default (LOCAL/API; range 4096-268435456).
inline constexpr uint64_t kDefaultSendBufferSizeBytes = 524288;
// §5.1 Max reliable segment = max plaintext − 100 ("no fragmentation" margin) + 5:
// 1153 under NULL, 1137 under AES-GCM at the default MTU (LOCAL).
inline constexpr size_t kNoFragmentationMarginBytes = 100;
inline constexpr size_t kReliableSegmentExtraBytes = 5;
constexpr size_t maxReliableSegmentBytes(size_t max_plaintext_bytes) {
  return max_plaintext_bytes - kNoFragmentationMarginBytes + kReliableSegmentExtraBytes;
}
// Max plaintext at the default MTU of 1300 under NULL (§5.1): 1300 − 52.
inline constexpr size_t kDefaultNullMaxPlaintextBytes = 1248;

struct SendLaneConfig {
  uint32_t lane = 0;  // for log lines
  Usec nagle_time_usec = kDefaultNagleTimeUsec;
  size_t max_reliable_segment_bytes = maxReliableSegmentBytes(kDefaultNullMaxPlaintextBytes);
  uint32_t max_message_bytes = static_cast<uint32_t>(kMaxMessageSizeSend);  // 512 KiB (§5.3)
  uint32_t max_unreliable_message_bytes = kMaxUnreliableMessageBytes;
  size_t min_segment_data_bytes = kMinSegmentDataBytes;
};

// SendBufferSize accounting is per connection (§5.3): the caller passes the limit and the
// bytes queued over all its lanes (the sum of SendLane::queuedBytes()).
struct SendBufferState {
  uint64_t limit_bytes = kDefaultSendBufferSizeBytes;
  uint64_t connection_queued_bytes = 0;
};

// What queueMessage() did with an accepted message.
struct QueuedMessage {
  uint64_t message_number = 0;
  bool reliable = false;      // after the 16,500-byte conversion
  uint64_t queued_bytes = 0;  // payload, plus the header if reliable: for
                              // LaneScheduler::onQueued()
};

struct OutgoingSegment;

// The per-packet, per-lane encoding context of §1.4, as the packet assembler tracks it:
// both 0 at the start of a packet and after every select-lane frame.
struct SegmentContext {
  uint64_t cur_msgnum = 0;  // number of the previous unreliable segment (0: none yet)
  uint64_t cur_relpos = 0;  // end of the previous reliable segment (0: none yet)

  // Applies §1.4 after `segment` is written, including the "+1 after each reliable
  // segment once an unreliable number exists" quirk.
  void noteSegment(const OutgoingSegment& segment);
};

struct OutgoingSegment {
  bool reliable = false;
  bool is_resend = false;  // reliable only: taken from the resend queue
  // Unreliable segment.
  uint64_t message_number = 0;
  uint32_t offset_bytes = 0;
  bool is_last = false;  // `e`: ends the message
  ByteSpan data;         // view into the message; see the ownership note above
  // Reliable segment: stream range [stream_begin, stream_end).
  uint64_t stream_begin = 0;
  uint64_t stream_end = 0;
  // Wire bytes before the data in the reference encoder's form, without the size byte.
  size_t header_bytes = 0;
  // The data was cut to exactly fill the budget: this segment must be the packet's last
  // frame (size code 7). Otherwise it costs header_bytes + 1 + data bytes (or one less
  // if the assembler makes it the last frame anyway).
  bool fills_budget = false;
  // New data only (0 for resends): bytes and whole messages placed, for
  // LaneScheduler::onPlaced().
  uint64_t scheduled_bytes = 0;
  size_t messages_completed = 0;

  uint64_t dataBytes() const { return reliable ? stream_end - stream_begin : data.size(); }
};

class SendLane {
 public:
  explicit SendLane(SendLaneConfig config = {});

  // Queues one message with the send flags of include/opengns/types.h (kSendReliable,
  // kSendNoNagle; other bits have no effect here). Errors: see the file comment.
  absl::StatusOr<QueuedMessage> queueMessage(Usec now, ByteSpan payload, int flags,
                                             const SendBufferState& buffer);
  // Same, taking ownership of the payload (no copy of large reliable payloads, no copy of
  // unreliable ones).
  absl::StatusOr<QueuedMessage> queueMessage(Usec now, Bytes&& payload, int flags,
                                             const SendBufferState& buffer);

  // The next segment of new data for a packet that has `budget_bytes` of plaintext left
  // and the given context for this lane. nullopt: nothing queued, or the head message's
  // next segment does not fit, or (rare) it is an unreliable message whose number the
  // context's "+1 after each reliable segment" count has already reached; then
  // hasQueuedMessages() is still true and the assembler closes the packet (as the
  // reference does) or starts a new context with a select-lane frame. Call it again for
  // more segments of the same packet.
  std::optional<OutgoingSegment> nextSegment(size_t budget_bytes, const SegmentContext& context);
  // The next reliable resend (front of the stream's resend queue, stream order), under
  // the same size rules; nullopt if none is queued or it does not fit.
  std::optional<OutgoingSegment> nextResend(size_t budget_bytes, const SegmentContext& context);
  // Frees the payloads of unreliable messages placed completely (invalidates the data
  // views of the segments returned so far).
  void releasePlacedPayloads() { placed_payloads_.clear(); }

  // Nagle deadline of the oldest queued message: kNever if nothing is queued, 0 if its
  // timer was cleared.
  Usec nagleDeadline() const;
  // Flush (§6.2): clears every queued message's timer.
  void clearNagle() { nagle_cleared_through_ = last_message_number_; }
  // True if a packet should go out for this lane now: a resend is queued, or a message is
  // queued and its Nagle deadline has passed or at least `full_packet_bytes` are queued.
  bool hasDataReady(Usec now, size_t full_packet_bytes) const;

  bool hasQueuedMessages() const { return !queue_.empty(); }
  size_t queuedMessageCount() const { return queue_.size(); }
  // Unsent bytes of queued messages (reliable ones with their headers) plus reliable
  // bytes queued for resend: this lane's part of the SendBufferSize accounting (§5.3).
  uint64_t queuedBytes() const { return stream_.queuedBytes() + unreliable_unsent_bytes_; }
  uint64_t lastMessageNumber() const { return last_message_number_; }
  uint64_t lastReliableMessageNumber() const { return last_reliable_number_; }

  // The lane's reliable stream: the assembler copies segment bytes from it, the ack
  // processing reports onAcked()/onLost() to it.
  ReliableSendStream& stream() { return stream_; }
  const ReliableSendStream& stream() const { return stream_; }
  const SendLaneConfig& config() const { return config_; }
  void setNagleTime(Usec nagle_time_usec) { config_.nagle_time_usec = nagle_time_usec; }

 private:
  struct Message {
    uint64_t number = 0;
    bool reliable = false;
    Usec nagle_deadline = 0;
    uint64_t stream_begin = 0;  // reliable: position of its header's first byte
    uint64_t stream_end = 0;    // reliable: one past its last stream byte
    Bytes payload;              // unreliable only
    uint32_t sent_bytes = 0;    // unreliable: bytes already placed
  };

  absl::StatusOr<QueuedMessage> queue(Usec now, ByteSpan payload, Bytes* owned, int flags,
                                      const SendBufferState& buffer);
  std::optional<OutgoingSegment> nextReliable(size_t budget_bytes, const SegmentContext& context);
  std::optional<OutgoingSegment> nextUnreliable(size_t budget_bytes, const SegmentContext& context);
  // Header bytes of a reliable segment starting at `begin` in `context`; nullopt if no
  // gap form can express it (begin before the context's position, or a gap ≥ 2^32).
  std::optional<size_t> reliableHeaderBytes(uint64_t begin, const SegmentContext& context) const;
  // How many of `remaining` data bytes to put in a segment with `header_bytes` within
  // `budget_bytes` and `cap_bytes`; sets fills_budget. nullopt if min(16, remaining)
  // bytes do not fit.
  std::optional<uint64_t> segmentDataBytes(size_t budget_bytes, size_t header_bytes,
                                           uint64_t remaining, uint64_t cap_bytes,
                                           bool& fills_budget) const;

  SendLaneConfig config_;
  ReliableSendStream stream_;
  std::deque<Message> queue_;
  uint64_t last_message_number_ = 0;
  uint64_t last_reliable_number_ = 0;
  uint64_t nagle_cleared_through_ = 0;  // timers of messages numbered up to this are cleared
  uint64_t unreliable_unsent_bytes_ = 0;
  std::vector<Bytes> placed_payloads_;  // keeps segment views valid until released
  Bytes header_scratch_;                // reused for each reliable message header (no alloc)
};

}  // namespace opengns::snp
