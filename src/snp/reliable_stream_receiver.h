// Receive side of one lane's reliable stream (snp.md §2.2-2.4): takes reliable segments
// (stream ranges that may arrive out of order, duplicated, overlapping, split
// differently on resend), keeps the bytes past the next undelivered position with their
// holes, and cuts whole messages (header §2.3 + payload) off the front, in stream order.
//
// sans-IO and single-threaded: the owner (the connection's SNP receiver) calls it from
// its own thread. Memory is bounded by the limits below (the reference's defaults,
// §2.4/§5.3). Result of receiveSegment():
//  - OK: the segment was taken (or was a harmless duplicate); ack the packet.
//  - ResourceExhausted: a LOCAL limit refused the segment; nothing changed, except that
//    the part of a segment within the buffer limit is taken (and may deliver messages,
//    appended to `delivered` as usual). Do not ack the packet, so that the peer resends
//    later (§2.4 steps 2-4).
//  - InvalidArgument: the stream holds an invalid message header or a message beyond the
//    limits of §2.3; the connection must be closed (the reference closes it with 5002).
//    The receiver stays failed and returns the same error from then on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "common/bytes.h"
#include "snp/received_message.h"
#include "wire/snp_constants.h"

namespace opengns::snp {

struct ReliableStreamLimits {
  // Bytes past the next undelivered position that may be buffered (RecvBufferSize).
  uint64_t max_buffered_bytes = wire::kDefaultRecvBufferSizeBytes;
  // Largest message payload accepted (RecvMaxMessageSize); larger: connection error.
  uint32_t max_message_bytes = wire::kDefaultRecvMaxMessageSizeBytes;
  // Holes in the buffer: a segment that would create one more than this is refused...
  size_t max_holes_when_extending = wire::kReliableMaxHolesWhenExtending;
  // ...and one that splits a hole when this many exist is refused.
  size_t max_holes_when_splitting = wire::kReliableMaxHolesWhenSplitting;
  // §2.3 header checks (connection errors).
  uint64_t max_message_number_delta = wire::kReliableMaxMessageNumberDelta;
  uint64_t max_message_number_above_highest = wire::kReliableMaxMessageNumberAboveHighest;
};

class ReliableStreamReceiver {
 public:
  explicit ReliableStreamReceiver(uint32_t lane, ReliableStreamLimits limits = {});

  // Takes the stream range [stream_position, stream_position + data.size()) and appends
  // every message it completes to `delivered`, in stream order.
  absl::Status receiveSegment(uint64_t stream_position, ByteSpan data,
                              std::vector<ReceivedMessage>& delivered);

  // Raises the lane's highest message number seen (the owner reports unreliable ones);
  // §2.3 limits a reliable number to this + max_message_number_above_highest.
  void noteMessageNumber(uint64_t message_number);

  uint32_t lane() const { return lane_; }
  // First stream byte not yet delivered in a message (starts at 1).
  uint64_t nextPosition() const { return next_position_; }
  // One past the highest stream byte received (the `expect` of snp.md §1.6).
  uint64_t expectPosition() const { return next_position_ + bufferedSpan(); }
  uint64_t lastReliableMessageNumber() const { return last_reliable_number_; }
  uint64_t highestMessageNumber() const { return highest_number_; }
  size_t holeCount() const { return holes_.size(); }
  // Bytes held between nextPosition() and expectPosition(), holes included.
  uint64_t bufferedSpan() const { return buffer_.size() - consumed_; }

 private:
  struct Range {
    uint64_t begin = 0;  // absolute stream positions, half-open
    uint64_t end = 0;
  };

  absl::Status fail(absl::Status status);
  absl::Status deliverReady(std::vector<ReceivedMessage>& delivered);
  void compact();

  uint32_t lane_;
  ReliableStreamLimits limits_;
  uint64_t next_position_ = wire::kFirstStreamPosition;
  // buffer_[consumed_] is the byte at next_position_; bytes before consumed_ are delivered
  // and dropped in bulk by compact().
  Bytes buffer_;
  size_t consumed_ = 0;
  std::vector<Range> holes_;  // sorted, disjoint, inside [next_position_, expectPosition())
  uint64_t last_reliable_number_ = 0;
  uint64_t highest_number_ = 0;
  absl::Status failure_;
};

}  // namespace opengns::snp
