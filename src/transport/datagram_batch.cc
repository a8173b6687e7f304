#include "transport/datagram_batch.h"

#include <algorithm>
#include <cstring>

#include "common/log.h"

namespace opengns::transport {

DatagramBatch::DatagramBatch(size_t max_datagrams, size_t arena_bytes)
    : entries_(max_datagrams), arena_(arena_bytes) {}

DatagramBatch DatagramBatch::forSending(size_t max_datagrams) {
  return DatagramBatch(max_datagrams, max_datagrams * kMaxDatagramBytes);
}

DatagramBatch DatagramBatch::forReceiving(size_t max_datagrams) {
  // max_datagrams single datagrams plus headroom for one full round of coalesced buffers, so
  // a GRO socket still reads kGroBuffersPerReceive buffers per call until the batch holds
  // max_datagrams. Entries are cheap (a few dozen bytes); the arena is what costs memory.
  return DatagramBatch(max_datagrams + kGroBuffersPerReceive * kMaxGroSegments,
                       max_datagrams * kReceiveSlotBytes + kGroBuffersPerReceive * kGroBufferBytes);
}

bool DatagramBatch::append(const SocketAddress& peer, ByteSpan payload) {
  if (size_ == entries_.size() || payload.size() > freeArenaBytes()) return false;
  if (!payload.empty()) std::memcpy(arena_.data() + arena_used_, payload.data(), payload.size());
  entries_[size_++] =
      Entry{peer, static_cast<uint32_t>(arena_used_), static_cast<uint32_t>(payload.size())};
  arena_used_ += payload.size();
  return true;
}

MutableByteSpan DatagramBatch::prepareAppend(size_t max_bytes) {
  if (size_ == entries_.size()) return {};
  return {arena_.data() + arena_used_, std::min(max_bytes, freeArenaBytes())};
}

void DatagramBatch::commitAppend(const SocketAddress& peer, size_t length) {
  if (size_ == entries_.size()) {
    OPENGNS_BUG("datagram batch: commitAppend on a full batch of ", entries_.size());
    return;
  }
  if (length > freeArenaBytes()) {
    OPENGNS_BUG("datagram batch: commitAppend of ", length, " bytes, ", freeArenaBytes(), " left");
    length = freeArenaBytes();
  }
  entries_[size_++] =
      Entry{peer, static_cast<uint32_t>(arena_used_), static_cast<uint32_t>(length)};
  arena_used_ += length;
}

void DatagramBatch::addReceived(const SocketAddress& peer, size_t offset, size_t length) {
  entries_[size_++] = Entry{peer, static_cast<uint32_t>(offset), static_cast<uint32_t>(length)};
  arena_used_ = std::max(arena_used_, offset + length);
}

}  // namespace opengns::transport
