#include "snp/reliable_send_stream.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "common/log.h"

namespace opengns::snp {
namespace {

// Small appends share a tail chunk of this capacity, so that many small messages cost one
// allocation per 16 KiB rather than one each...
constexpr size_t kSharedChunkBytes = 16 * 1024;
// ...and an append larger than this gets a chunk of its own (a moved-in payload keeps
// its own buffer), so no append ever copies bytes appended before it.
constexpr size_t kMaxSharedAppendBytes = 4 * 1024;

}  // namespace

// ---- RangeSet ----

void ReliableSendStream::RangeSet::add(uint64_t begin, uint64_t end) {
  if (begin >= end) return;
  // First range that touches or follows `begin` (adjacent ranges merge).
  auto lo = std::lower_bound(ranges_.begin(), ranges_.end(), begin,
                             [](const Range& r, uint64_t value) { return r.end < value; });
  auto hi = lo;
  uint64_t merged_begin = begin;
  uint64_t merged_end = end;
  while (hi != ranges_.end() && hi->begin <= end) {
    merged_begin = std::min(merged_begin, hi->begin);
    merged_end = std::max(merged_end, hi->end);
    total_bytes_ -= hi->size();
    ++hi;
  }
  total_bytes_ += merged_end - merged_begin;
  if (lo == hi) {
    ranges_.insert(lo, Range{merged_begin, merged_end});
    return;
  }
  *lo = Range{merged_begin, merged_end};
  ranges_.erase(lo + 1, hi);
}

void ReliableSendStream::RangeSet::subtract(uint64_t begin, uint64_t end) {
  if (begin >= end) return;
  auto lo = std::lower_bound(ranges_.begin(), ranges_.end(), begin,
                             [](const Range& r, uint64_t value) { return r.end <= value; });
  auto hi = lo;
  std::optional<Range> left;
  std::optional<Range> right;
  while (hi != ranges_.end() && hi->begin < end) {
    if (hi->begin < begin) left = Range{hi->begin, begin};
    if (hi->end > end) right = Range{end, hi->end};
    total_bytes_ -= hi->size();
    ++hi;
  }
  if (lo == hi) return;
  auto at = ranges_.erase(lo, hi);
  if (right) {
    total_bytes_ += right->size();
    at = ranges_.insert(at, *right);
  }
  if (left) {
    total_bytes_ += left->size();
    ranges_.insert(at, *left);
  }
}

template <typename Fn>
void ReliableSendStream::RangeSet::forEachGap(uint64_t begin, uint64_t end, Fn&& fn) const {
  auto it = std::lower_bound(ranges_.begin(), ranges_.end(), begin,
                             [](const Range& r, uint64_t value) { return r.end <= value; });
  uint64_t cursor = begin;
  for (; it != ranges_.end() && it->begin < end; ++it) {
    if (it->begin > cursor) fn(cursor, it->begin);
    cursor = std::max(cursor, it->end);
  }
  if (cursor < end) fn(cursor, end);
}

// ---- appending ----

void ReliableSendStream::appendCopy(ByteSpan first, ByteSpan second) {
  const size_t size = first.size() + second.size();
  if (size == 0) return;
  const bool shareable = size <= kMaxSharedAppendBytes;
  if (!chunks_.empty()) {
    Bytes& tail = chunks_.back().bytes;
    // Only while the reserved capacity lasts: a reallocation would copy the chunk.
    if (shareable && tail.capacity() - tail.size() >= size) {
      tail.insert(tail.end(), first.begin(), first.end());
      tail.insert(tail.end(), second.begin(), second.end());
      end_ += size;
      return;
    }
  }
  Chunk chunk;
  chunk.begin = end_;
  chunk.bytes.reserve(shareable ? kSharedChunkBytes : size);
  chunk.bytes.insert(chunk.bytes.end(), first.begin(), first.end());
  chunk.bytes.insert(chunk.bytes.end(), second.begin(), second.end());
  chunks_.push_back(std::move(chunk));
  end_ += size;
}

uint64_t ReliableSendStream::append(ByteSpan header, ByteSpan payload) {
  const uint64_t position = end_;
  appendCopy(header, payload);  // a large message becomes one exact-size chunk
  return position;
}

uint64_t ReliableSendStream::append(ByteSpan header, Bytes&& payload) {
  if (payload.size() <= kMaxSharedAppendBytes) return append(header, ByteSpan(payload));
  const uint64_t position = end_;
  appendCopy(header, {});  // the header shares the tail chunk (or starts one)
  Chunk chunk;
  chunk.begin = end_;
  end_ += payload.size();
  chunk.bytes = std::move(payload);
  chunks_.push_back(std::move(chunk));
  return position;
}

// ---- sending ----

std::optional<ReliableSendStream::Range> ReliableSendStream::takeNewRange(uint64_t max_bytes) {
  const uint64_t size = std::min(max_bytes, unsentBytes());
  if (size == 0) return std::nullopt;
  const Range range{next_new_, next_new_ + size};
  next_new_ = range.end;
  return range;
}

std::optional<ReliableSendStream::Range> ReliableSendStream::peekResend() const {
  if (resend_.empty()) return std::nullopt;
  return resend_.front();
}

std::optional<ReliableSendStream::Range> ReliableSendStream::takeResend(uint64_t max_bytes) {
  if (resend_.empty() || max_bytes == 0) return std::nullopt;
  const Range& front = resend_.front();
  const Range range{front.begin, front.begin + std::min(max_bytes, front.size())};
  resend_.subtract(range.begin, range.end);
  return range;
}

// ---- fates ----

bool ReliableSendStream::clipToSent(uint64_t& begin, uint64_t& end, const char* what) const {
  if (end > next_new_) {
    OPENGNS_BUG("reliable send stream: ", what, " [", begin, ", ", end,
                ") reaches past the sent part, which ends at ", next_new_);
    end = next_new_;
  }
  begin = std::max(begin, acked_prefix_end_);
  return begin < end;
}

void ReliableSendStream::onAcked(uint64_t begin, uint64_t end) {
  if (!clipToSent(begin, end, "ack of")) return;
  acked_above_prefix_.add(begin, end);
  resend_.subtract(begin, end);  // a late ack cancels the queued resend (§4.2)
  if (!acked_above_prefix_.empty() && acked_above_prefix_.front().begin == acked_prefix_end_) {
    acked_prefix_end_ = acked_above_prefix_.front().end;
    acked_above_prefix_.subtract(acked_above_prefix_.front().begin, acked_prefix_end_);
    releaseAckedChunks();
  }
}

void ReliableSendStream::onLost(uint64_t begin, uint64_t end) {
  if (!clipToSent(begin, end, "loss of")) return;
  // Acked bytes stay acked; the rest (in flight, or already queued) is queued once.
  acked_above_prefix_.forEachGap(begin, end, [this](uint64_t b, uint64_t e) { resend_.add(b, e); });
}

void ReliableSendStream::releaseAckedChunks() {
  while (!chunks_.empty() &&
         chunks_.front().begin + chunks_.front().bytes.size() <= acked_prefix_end_) {
    chunks_.pop_front();
  }
}

// ---- access ----

bool ReliableSendStream::copyBytes(uint64_t begin, uint64_t end, MutableByteSpan out) const {
  if (begin > end || end > end_ || out.size() != end - begin) return false;
  if (begin == end) return true;
  if (chunks_.empty() || begin < chunks_.front().begin) return false;
  // Last chunk that starts at or before `begin`.
  auto it = std::upper_bound(chunks_.begin(), chunks_.end(), begin,
                             [](uint64_t value, const Chunk& c) { return value < c.begin; });
  --it;
  size_t written = 0;
  uint64_t position = begin;
  for (; position < end; ++it) {
    const size_t skip = static_cast<size_t>(position - it->begin);
    const size_t count =
        static_cast<size_t>(std::min<uint64_t>(it->bytes.size() - skip, end - position));
    std::memcpy(out.data() + written, it->bytes.data() + skip, count);
    written += count;
    position += count;
  }
  return true;
}

bool ReliableSendStream::appendBytes(uint64_t begin, uint64_t end, Bytes& out) const {
  if (begin > end || end > end_) return false;
  const size_t old_size = out.size();
  out.resize(old_size + static_cast<size_t>(end - begin));
  if (!copyBytes(begin, end, MutableByteSpan(out).subspan(old_size))) {
    out.resize(old_size);
    return false;
  }
  return true;
}

uint64_t ReliableSendStream::heldBytes() const {
  uint64_t total = 0;
  for (const Chunk& chunk : chunks_)
    total += chunk.bytes.size();
  return total;
}

}  // namespace opengns::snp
