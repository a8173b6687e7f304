// Self-checking messages for the soak test: each carries the stream it belongs to
// (connection index, lane, reliability), its sequence number in that stream and a
// checksum over everything before it, so the receiver can tell a whole, correctly
// numbered message from a truncated, corrupted, duplicated or misrouted one without
// keeping a copy of what was sent.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <span>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
// From the ASan runtime (sanitizer/allocator_interface.h, not installed with every g++).
extern "C" size_t __sanitizer_get_current_allocated_bytes();
#else
#include <malloc.h>
#endif

namespace opengns::testing {

inline constexpr uint32_t kSoakMagic = 0x4b414f53;  // "SOAK"
// magic(4) conn(2) lane(1) reliable(1) seq(8) size(4) ... checksum(8)
inline constexpr size_t kSoakHeaderBytes = 20;
inline constexpr size_t kSoakTrailerBytes = 8;
inline constexpr size_t kSoakMinBytes = kSoakHeaderBytes + kSoakTrailerBytes;

struct SoakHeader {
  uint16_t connection = 0;
  uint8_t lane = 0;
  bool reliable = false;
  uint64_t seq = 0;
};

inline uint64_t fnv1a64(std::span<const std::byte> bytes) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (std::byte b : bytes) {
    hash ^= static_cast<uint8_t>(b);
    hash *= 0x100000001b3ull;
  }
  return hash;
}

// Fills `out` (resized to `size` >= kSoakMinBytes) with one message of the stream.
inline void buildSoakMessage(const SoakHeader& header, size_t size, std::vector<std::byte>* out) {
  out->resize(size);
  std::byte* p = out->data();
  auto put = [&p](const void* value, size_t n) {
    std::memcpy(p, value, n);
    p += n;
  };
  const uint8_t reliable = header.reliable ? 1 : 0;
  const uint32_t size32 = static_cast<uint32_t>(size);
  put(&kSoakMagic, 4);
  put(&header.connection, 2);
  put(&header.lane, 1);
  put(&reliable, 1);
  put(&header.seq, 8);
  put(&size32, 4);
  // Payload: a cheap generator seeded by the stream and sequence number.
  uint64_t state = header.seq * 0x9e3779b97f4a7c15ull + header.connection * 131 + header.lane;
  for (size_t i = kSoakHeaderBytes; i < size - kSoakTrailerBytes; ++i) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    *p++ = static_cast<std::byte>(state);
  }
  const uint64_t sum = fnv1a64(std::span<const std::byte>(out->data(), size - kSoakTrailerBytes));
  put(&sum, 8);
}

// The header of a whole, uncorrupted message; nullopt otherwise.
inline std::optional<SoakHeader> parseSoakMessage(std::span<const std::byte> bytes) {
  if (bytes.size() < kSoakMinBytes) return std::nullopt;
  const std::byte* p = bytes.data();
  uint32_t magic = 0;
  uint8_t reliable = 0;
  uint32_t size = 0;
  uint64_t sum = 0;
  SoakHeader header;
  std::memcpy(&magic, p, 4);
  std::memcpy(&header.connection, p + 4, 2);
  std::memcpy(&header.lane, p + 6, 1);
  std::memcpy(&reliable, p + 7, 1);
  std::memcpy(&header.seq, p + 8, 8);
  std::memcpy(&size, p + 16, 4);
  std::memcpy(&sum, p + bytes.size() - kSoakTrailerBytes, 8);
  if (magic != kSoakMagic || size != bytes.size() || reliable > 1) return std::nullopt;
  if (fnv1a64(bytes.first(bytes.size() - kSoakTrailerBytes)) != sum) return std::nullopt;
  header.reliable = reliable == 1;
  return header;
}

// Resident set size of this process, bytes (/proc/self/statm, second field); 0 if unknown.
inline size_t residentBytes() {
  std::FILE* file = std::fopen("/proc/self/statm", "r");
  if (file == nullptr) return 0;
  unsigned long size_pages = 0;
  unsigned long resident_pages = 0;
  const int read = std::fscanf(file, "%lu %lu", &size_pages, &resident_pages);
  std::fclose(file);
  if (read != 2) return 0;
  return static_cast<size_t>(resident_pages) * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

// Bytes the allocator has handed out and not taken back (the sanitizer's count under ASan,
// which excludes its quarantine; glibc's otherwise).
inline size_t liveHeapBytes() {
#if defined(__SANITIZE_ADDRESS__)
  return __sanitizer_get_current_allocated_bytes();
#else
  struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
#endif
}

}  // namespace opengns::testing
