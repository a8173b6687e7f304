// Byte-buffer vocabulary shared by every layer: spans for borrowed bytes,
// vectors for owned ones, and hex conversion for logs, tools and tests.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace opengns {

using ByteSpan = std::span<const uint8_t>;
using MutableByteSpan = std::span<uint8_t>;
using Bytes = std::vector<uint8_t>;

// Lower-case hex, two digits per byte, no separators.
std::string toHex(ByteSpan bytes);

// Parses hex (either case, no separators, even length).
absl::StatusOr<Bytes> fromHex(std::string_view hex);

inline ByteSpan asBytes(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

}  // namespace opengns
