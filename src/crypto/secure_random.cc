#include "crypto/secure_random.h"

#include <openssl/rand.h>

#include <climits>

#include "absl/strings/str_cat.h"
#include "crypto/openssl_error.h"

namespace opengns::crypto {

absl::Status secureRandom(MutableByteSpan out) {
  // RAND_bytes takes an int length; fill large buffers in pieces.
  size_t done = 0;
  while (done < out.size()) {
    size_t piece = out.size() - done;
    if (piece > static_cast<size_t>(INT_MAX)) piece = INT_MAX;
    if (RAND_bytes(out.data() + done, static_cast<int>(piece)) != 1) {
      return opensslError(absl::StrCat("secure random: RAND_bytes(", piece, " bytes)"));
    }
    done += piece;
  }
  return absl::OkStatus();
}

absl::StatusOr<uint32_t> secureRandomU32() {
  uint8_t bytes[4];
  if (absl::Status s = secureRandom(bytes); !s.ok()) return s;
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i)
    value |= static_cast<uint32_t>(bytes[i]) << (8 * i);
  return value;
}

absl::StatusOr<uint64_t> secureRandomU64() {
  uint8_t bytes[8];
  if (absl::Status s = secureRandom(bytes); !s.ok()) return s;
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i)
    value |= static_cast<uint64_t>(bytes[i]) << (8 * i);
  return value;
}

}  // namespace opengns::crypto
