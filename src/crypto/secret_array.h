// A fixed-size byte array for secret material (keys, shared secrets, PRKs) that is
// wiped with OPENSSL_cleanse when it dies or is overwritten, so secrets do not linger
// in freed stack or heap memory. Copies are allowed (each copy wipes itself).
#pragma once

#include <openssl/crypto.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "common/bytes.h"

namespace opengns::crypto {

template <size_t N>
class SecretArray {
 public:
  SecretArray() { bytes_.fill(0); }
  // Fixed extent, so a size mismatch is a compile error; callers holding a dynamic span
  // check its size and pass `span.first<N>()`.
  explicit SecretArray(std::span<const uint8_t, N> bytes) {
    std::memcpy(bytes_.data(), bytes.data(), N);
  }
  SecretArray(const SecretArray&) = default;
  SecretArray& operator=(const SecretArray&) = default;
  ~SecretArray() { OPENSSL_cleanse(bytes_.data(), N); }

  static constexpr size_t size() { return N; }
  uint8_t* data() { return bytes_.data(); }
  const uint8_t* data() const { return bytes_.data(); }
  uint8_t& operator[](size_t i) { return bytes_[i]; }
  uint8_t operator[](size_t i) const { return bytes_[i]; }
  ByteSpan span() const { return {bytes_.data(), N}; }
  MutableByteSpan mutableSpan() { return {bytes_.data(), N}; }

  // Constant-time comparison (for tests and key-equality checks).
  bool operator==(const SecretArray& other) const {
    return CRYPTO_memcmp(bytes_.data(), other.bytes_.data(), N) == 0;
  }

 private:
  std::array<uint8_t, N> bytes_;
};

}  // namespace opengns::crypto
