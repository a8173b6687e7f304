// Appends little-endian integers and byte runs to an owned buffer. Encoders build
// packets with it; callers reserve() once when they know the packet size.
#pragma once

#include <cstdint>

#include "common/bytes.h"

namespace opengns {

class ByteWriter {
 public:
  explicit ByteWriter(Bytes& out) : out_(out) {}

  void writeU8(uint8_t v) { out_.push_back(v); }
  void writeU16(uint16_t v) { writeLittleEndian(v); }
  void writeU32(uint32_t v) { writeLittleEndian(v); }
  void writeU64(uint64_t v) { writeLittleEndian(v); }
  void writeBytes(ByteSpan bytes) { out_.insert(out_.end(), bytes.begin(), bytes.end()); }
  void writeZeros(size_t n) { out_.resize(out_.size() + n, 0); }
  size_t size() const { return out_.size(); }

 private:
  template <typename T>
  void writeLittleEndian(T v) {
    for (size_t i = 0; i < sizeof(T); ++i)
      out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }

  Bytes& out_;
};

}  // namespace opengns
