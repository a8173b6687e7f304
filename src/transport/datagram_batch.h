// DatagramBatch: a preallocated set of datagrams (peer address + payload) for one batched
// send or receive.
//
// Why it exists: the service thread moves thousands of datagrams per second; allocating per
// datagram would dominate. A batch owns one byte arena and a fixed table of entries, both
// sized at construction; append/receive only fill them and clear() only resets counters, so
// steady-state traffic allocates nothing. Payloads appended back to back sit contiguously,
// which is what a GSO send wants.
// Threading: a plain value; one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/bytes.h"
#include "transport/socket_address.h"
#include "transport/transport_constants.h"

namespace opengns::transport {

class DatagramBatch {
 public:
  // Room for `max_datagrams` entries and `arena_bytes` of payload, allocated once here.
  DatagramBatch(size_t max_datagrams, size_t arena_bytes);

  // A batch for building outgoing datagrams of up to kMaxDatagramBytes each.
  static DatagramBatch forSending(size_t max_datagrams = 256);
  // A batch for UdpPacketReader: room for max_datagrams datagrams of up to kReceiveSlotBytes,
  // plus headroom for kGroBuffersPerReceive coalesced GRO buffers (kMaxGroSegments entries
  // and kGroBufferBytes of arena each), which a GRO receive must reserve before each call.
  static DatagramBatch forReceiving(size_t max_datagrams = 256);

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t maxDatagrams() const { return entries_.size(); }
  size_t freeDatagrams() const { return entries_.size() - size_; }
  size_t arenaBytes() const { return arena_.size(); }
  size_t freeArenaBytes() const { return arena_.size() - arena_used_; }

  const SocketAddress& peer(size_t index) const { return entries_[index].peer; }
  ByteSpan payload(size_t index) const {
    return {arena_.data() + entries_[index].offset, entries_[index].length};
  }
  MutableByteSpan mutablePayload(size_t index) {
    return {arena_.data() + entries_[index].offset, entries_[index].length};
  }
  size_t payloadBytes(size_t index) const { return entries_[index].length; }

  // Forgets every datagram; keeps the memory.
  void clear() {
    size_ = 0;
    arena_used_ = 0;
  }

  // Copies one datagram in. Returns false (batch unchanged) if no entry or arena space is left.
  bool append(const SocketAddress& peer, ByteSpan payload);

  // Zero-copy building: a writable span at the end of the arena of up to `max_bytes`
  // (empty if the batch is full), to be followed by commitAppend() with the bytes written.
  MutableByteSpan prepareAppend(size_t max_bytes = kMaxDatagramBytes);
  // Records the datagram written into the span from prepareAppend(). `length` must not
  // exceed that span; a larger value is a bug and is clamped.
  void commitAppend(const SocketAddress& peer, size_t length);

 private:
  friend class UdpPacketReader;  // lays receive slots into the free arena directly

  struct Entry {
    SocketAddress peer;
    uint32_t offset = 0;
    uint32_t length = 0;
  };

  uint8_t* arenaTail() { return arena_.data() + arena_used_; }
  // Records a datagram already written at `offset` and moves the arena tail past it.
  void addReceived(const SocketAddress& peer, size_t offset, size_t length);
  void setArenaUsed(size_t used) { arena_used_ = used; }
  size_t arenaUsed() const { return arena_used_; }

  std::vector<Entry> entries_;
  Bytes arena_;
  size_t size_ = 0;
  size_t arena_used_ = 0;
};

}  // namespace opengns::transport
