// A bounds-checked cursor over borrowed bytes, for every decoder in the library.
// Reads never go past the end: each returns false (or an error) instead, and the
// cursor does not move on failure. Little-endian, as everything on this wire.
#pragma once

#include <cstdint>
#include <cstring>

#include "common/bytes.h"

namespace opengns {

class ByteReader {
 public:
  explicit ByteReader(ByteSpan data) : data_(data) {}

  size_t remaining() const { return data_.size() - pos_; }
  size_t position() const { return pos_; }
  bool empty() const { return remaining() == 0; }
  ByteSpan rest() const { return data_.subspan(pos_); }

  bool readU8(uint8_t& out) { return readLittleEndian(out); }
  bool readU16(uint16_t& out) { return readLittleEndian(out); }
  bool readU32(uint32_t& out) { return readLittleEndian(out); }
  bool readU64(uint64_t& out) { return readLittleEndian(out); }

  // Reads `n` bytes, returning a view into the underlying buffer.
  bool readBytes(size_t n, ByteSpan& out) {
    if (n > remaining()) return false;
    out = data_.subspan(pos_, n);
    pos_ += n;
    return true;
  }

  bool skip(size_t n) {
    if (n > remaining()) return false;
    pos_ += n;
    return true;
  }

 private:
  template <typename T>
  bool readLittleEndian(T& out) {
    if (sizeof(T) > remaining()) return false;
    T value = 0;
    for (size_t i = 0; i < sizeof(T); ++i) {
      value |= static_cast<T>(static_cast<T>(data_[pos_ + i]) << (8 * i));
    }
    out = value;
    pos_ += sizeof(T);
    return true;
  }

  ByteSpan data_;
  size_t pos_ = 0;
};

}  // namespace opengns
