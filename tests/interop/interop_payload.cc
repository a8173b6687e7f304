// Deterministic payloads and SHA-256 for the interop tests; see interop_payload.h.
#include "interop_payload.h"

#include <openssl/evp.h>

#include "common/bytes.h"

namespace opengns::interop {

std::vector<uint8_t> patternBytes(size_t size, uint32_t seed) {
  std::vector<uint8_t> data(size);
  uint32_t state = seed == 0 ? 1 : seed;
  for (uint8_t& byte : data) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    byte = static_cast<uint8_t>(state >> 24);
  }
  return data;
}

std::vector<uint8_t> textBytes(const std::string& text) {
  return std::vector<uint8_t>(text.begin(), text.end());
}

std::string sha256Hex(std::span<const uint8_t> data) {
  std::vector<uint8_t> digest(EVP_MAX_MD_SIZE);
  unsigned int digest_size = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &digest_size, EVP_sha256(), nullptr) !=
      1) {
    return "sha256-failed";
  }
  digest.resize(digest_size);
  return toHex(digest);
}

std::string gnspeerSendCommand(std::span<const uint8_t> data, int lane, bool reliable) {
  std::string line;
  if (lane != 0) line += "/lane " + std::to_string(lane) + " ";
  if (!reliable) line += "/unreliable ";
  line += "/hex " + toHex(data);
  return line;
}

}  // namespace opengns::interop
