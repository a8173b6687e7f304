#include "wire/varint.h"

#include "absl/strings/str_cat.h"
#include "wire/snp_constants.h"

namespace opengns::wire {

absl::StatusOr<uint64_t> readVarint(ByteReader& reader, size_t max_bytes, int max_bits,
                                    std::string_view field) {
  const ByteSpan rest = reader.rest();
  uint64_t value = 0;
  for (size_t i = 0; i < max_bytes; ++i) {
    if (i >= rest.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat(std::string(field), ": var-int runs past the end after ", i, " byte(s) (",
                       rest.size(), " byte(s) were left)"));
    }
    const uint8_t byte = rest[i];
    const uint64_t group = byte & kVarintValueMask;
    const int shift = static_cast<int>(7 * i);
    // Value bits this group may still carry in a max_bits-wide field; more is overflow.
    const int room = max_bits - shift;
    if (room <= 0 ? group != 0 : (room < 7 && (group >> room) != 0)) {
      return absl::InvalidArgumentError(absl::StrCat(std::string(field), ": var-int byte ", i,
                                                     " (0x", absl::Hex(byte, absl::kZeroPad2),
                                                     ") overflows ", max_bits, " bits"));
    }
    if (room > 0) value |= group << shift;
    if ((byte & kVarintContinuationBit) == 0) {
      reader.skip(i + 1);
      return value;
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(std::string(field), ": var-int longer than ",
                                                 max_bytes, " bytes (", max_bits, "-bit field)"));
}

absl::StatusOr<uint32_t> readVarint32(ByteReader& reader, std::string_view field) {
  auto value = readVarint(reader, kVarint32MaxBytes, 32, field);
  if (!value.ok()) return value.status();
  return static_cast<uint32_t>(*value);
}

absl::StatusOr<uint64_t> readVarint64(ByteReader& reader, std::string_view field) {
  return readVarint(reader, kVarint64MaxBytes, 64, field);
}

void writeVarint(ByteWriter& writer, uint64_t value) {
  while (value > kVarintValueMask) {
    writer.writeU8(static_cast<uint8_t>((value & kVarintValueMask) | kVarintContinuationBit));
    value >>= 7;
  }
  writer.writeU8(static_cast<uint8_t>(value));
}

size_t varintSize(uint64_t value) {
  size_t size = 1;
  while (value > kVarintValueMask) {
    value >>= 7;
    ++size;
  }
  return size;
}

}  // namespace opengns::wire
