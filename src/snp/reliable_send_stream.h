// Send side of one lane's reliable stream (snp.md §2.2, §4.3): the bytes of every reliable
// message (header ‖ payload) appended back to back from stream position 1, and the fate of
// every byte already sent: in flight, queued for resend, or acked.
//
// Guarantees:
//  - Positions never change: a byte keeps its stream position through every resend
//    (§4 WIRE rule). Ranges handed out are half-open [begin, end).
//  - New data goes out exactly once, in stream order (takeNewRange()). Lost data goes to a
//    resend queue kept in stream order (takeResend()), so a packet's reliable segments of
//    this lane can use the unsigned gaps of §1.6.
//  - Resends are re-cut freely (WIRE-legal, §4.3 "better designs"): adjacent lost ranges
//    merge into one queued range and a resend takes as much of the first queued range as
//    fits, whatever the first cut was. The receiver handles any split and overlap (§2.4).
//  - Acks and losses may be reported in any order, repeatedly, overlapping earlier
//    reports, for ranges resent or not: acked bytes stay acked (a late ack of a packet
//    declared lost also cancels the queued resend, §4.2); a loss moves only the bytes
//    not acked and not already queued. Reports outside the sent part are clipped (bytes
//    never sent cannot be acked or lost: that is a caller bug and counted by OPENGNS_BUG).
//  - A loss report for a range whose resend is already in flight queues it again (the
//    stream does not know which packet carried which copy); the tracker reports each
//    packet's loss once, so this only happens for ranges that really went in two lost
//    packets, and costs at most one extra copy.
//  - Memory: bytes live in chunks (small messages share a 16 KiB chunk, a large payload
//    is its own chunk, moved in without a copy by the Bytes&& overload); a chunk is freed
//    as soon as the acked prefix passes its end. Appending never copies earlier bytes.
//
// Not thread-safe: owned by the connection's SendLane, driven under the connection lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "common/bytes.h"

namespace opengns::snp {

class ReliableSendStream {
 public:
  // A half-open range of stream positions.
  struct Range {
    uint64_t begin = 0;
    uint64_t end = 0;
    uint64_t size() const { return end - begin; }
    bool operator==(const Range&) const = default;
  };

  ReliableSendStream() = default;
  ReliableSendStream(const ReliableSendStream&) = delete;
  ReliableSendStream& operator=(const ReliableSendStream&) = delete;
  ReliableSendStream(ReliableSendStream&&) = default;
  ReliableSendStream& operator=(ReliableSendStream&&) = default;

  // Appends header ‖ payload at the end of the stream and returns the position of the
  // first header byte. The Bytes&& overload takes ownership of a large payload without
  // copying it (small ones are copied into the shared tail chunk either way).
  uint64_t append(ByteSpan header, ByteSpan payload);
  uint64_t append(ByteSpan header, Bytes&& payload);

  // The next never-sent bytes, at most max_bytes of them (nullopt if none or max_bytes is
  // 0). They count as in flight from now on. The stream knows nothing of message
  // boundaries; SendLane decides how far a range may reach (see send_lane.h).
  std::optional<Range> takeNewRange(uint64_t max_bytes);

  // The first range queued for resend, without taking it (nullopt if none).
  std::optional<Range> peekResend() const;
  // Takes up to max_bytes from the front of the resend queue (lowest positions first);
  // they count as in flight again. nullopt if nothing is queued or max_bytes is 0.
  std::optional<Range> takeResend(uint64_t max_bytes);

  // The peer has the bytes of [begin, end) (a packet carrying them was acked).
  void onAcked(uint64_t begin, uint64_t end);
  // A packet carrying [begin, end) is lost: the parts not acked go to the resend queue.
  void onLost(uint64_t begin, uint64_t end);

  // Copies the bytes of [begin, end) into `out` (out.size() must be end - begin), for the
  // packet builder. False, and nothing copied, if any byte of the range is not held
  // (released after an ack, or never appended).
  bool copyBytes(uint64_t begin, uint64_t end, MutableByteSpan out) const;
  // As copyBytes(), appending to `out`.
  bool appendBytes(uint64_t begin, uint64_t end, Bytes& out) const;

  // One past the last appended byte (1 on a fresh stream).
  uint64_t endPosition() const { return end_; }
  // First byte never sent.
  uint64_t nextNewPosition() const { return next_new_; }
  // Every byte below this is acked (1 on a fresh stream).
  uint64_t ackedPrefixEnd() const { return acked_prefix_end_; }

  // Appended, never sent.
  uint64_t unsentBytes() const { return end_ - next_new_; }
  // Queued for resend, not yet taken again.
  uint64_t resendQueuedBytes() const { return resend_.totalBytes(); }
  // What still has to be put in a packet: unsent + queued for resend (the reliable part
  // of the SendBufferSize accounting, §5.3).
  uint64_t queuedBytes() const { return unsentBytes() + resendQueuedBytes(); }
  // Sent and not acked: in flight plus queued for resend.
  uint64_t unackedBytes() const {
    return (next_new_ - acked_prefix_end_) - acked_above_prefix_.totalBytes();
  }
  // Sent, not acked, not queued for resend.
  uint64_t inFlightBytes() const { return unackedBytes() - resendQueuedBytes(); }
  bool pendingResend() const { return !resend_.empty(); }

  // Bytes held in memory (all chunks), and the chunk count: for tests and status.
  uint64_t heldBytes() const;
  size_t chunkCount() const { return chunks_.size(); }

 private:
  // Disjoint, non-adjacent ranges in increasing order, with their total size. A sorted
  // vector: the sets stay small (they only describe the sent-but-unacked window).
  class RangeSet {
   public:
    void add(uint64_t begin, uint64_t end);
    void subtract(uint64_t begin, uint64_t end);
    // Calls fn(b, e) for each maximal part of [begin, end) that is not in the set.
    template <typename Fn>
    void forEachGap(uint64_t begin, uint64_t end, Fn&& fn) const;
    bool empty() const { return ranges_.empty(); }
    const Range& front() const { return ranges_.front(); }
    uint64_t totalBytes() const { return total_bytes_; }

   private:
    std::vector<Range> ranges_;
    uint64_t total_bytes_ = 0;
  };

  struct Chunk {
    uint64_t begin = 0;  // stream position of bytes[0]
    Bytes bytes;
  };

  // Clips [begin, end) to the sent part not below the acked prefix; false if empty.
  bool clipToSent(uint64_t& begin, uint64_t& end, const char* what) const;
  // Copies first ‖ second to the end: into the shared tail chunk if small and it has room,
  // else into a new chunk (shared capacity if small, exact size if large).
  void appendCopy(ByteSpan first, ByteSpan second);
  void releaseAckedChunks();

  uint64_t end_ = 1;               // snp.md §2.2: position 1 is the first byte
  uint64_t next_new_ = 1;          // first never-sent byte
  uint64_t acked_prefix_end_ = 1;  // everything below is acked
  RangeSet acked_above_prefix_;    // acked ranges above the prefix (all start past it)
  RangeSet resend_;                // queued for resend; disjoint from the acked ranges
  std::deque<Chunk> chunks_;       // contiguous, covering [first chunk's begin, end_)
};

}  // namespace opengns::snp
