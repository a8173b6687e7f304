// SipHash-2-4 written from the algorithm's description: 2 compression rounds per 8-byte
// block, 4 finalization rounds, the last block padded with zeros and the message length
// in its top byte.
#include "connection/siphash.h"

#include <bit>

namespace opengns::connection {
namespace {

uint64_t loadLe64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = (v << 8) | p[i];
  return v;
}

struct SipState {
  uint64_t v0, v1, v2, v3;

  void round() {
    v0 += v1;
    v1 = std::rotl(v1, 13);
    v1 ^= v0;
    v0 = std::rotl(v0, 32);
    v2 += v3;
    v3 = std::rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = std::rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = std::rotl(v1, 17);
    v1 ^= v2;
    v2 = std::rotl(v2, 32);
  }

  void absorb(uint64_t m) {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
};

}  // namespace

uint64_t sipHash24(std::span<const uint8_t, kSipHashKeyBytes> key, ByteSpan message) {
  const uint64_t k0 = loadLe64(key.data());
  const uint64_t k1 = loadLe64(key.data() + 8);
  SipState s{k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL, k0 ^ 0x6c7967656e657261ULL,
             k1 ^ 0x7465646279746573ULL};

  const size_t full_blocks = message.size() / 8;
  for (size_t i = 0; i < full_blocks; ++i)
    s.absorb(loadLe64(message.data() + 8 * i));

  uint64_t last = static_cast<uint64_t>(message.size() & 0xff) << 56;
  const size_t tail = message.size() % 8;
  for (size_t i = 0; i < tail; ++i) {
    last |= static_cast<uint64_t>(message[8 * full_blocks + i]) << (8 * i);
  }
  s.absorb(last);

  s.v2 ^= 0xff;
  for (int i = 0; i < 4; ++i)
    s.round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

}  // namespace opengns::connection
