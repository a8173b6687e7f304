// The var-int of snp.md §1.2: unsigned LEB128 (7 value bits per byte, least significant
// group first, bit 7 = another byte follows). The decoder never reads past the input,
// never reads more than the target width allows (5 bytes for 32-bit fields, 10 for
// 64-bit ones) and rejects values that overflow the target width; the encoder always
// writes the shortest form. Errors name the field being decoded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/byte_reader.h"
#include "common/byte_writer.h"

namespace opengns::wire {

// Reads a var-int of at most `max_bytes` bytes whose value must fit in `max_bits` bits.
// On success the reader moves past it; on failure it does not move.
absl::StatusOr<uint64_t> readVarint(ByteReader& reader, size_t max_bytes, int max_bits,
                                    std::string_view field);
// The two widths used on the wire: 32-bit fields (5 bytes) and 64-bit fields (10 bytes).
absl::StatusOr<uint32_t> readVarint32(ByteReader& reader, std::string_view field);
absl::StatusOr<uint64_t> readVarint64(ByteReader& reader, std::string_view field);

// Appends the shortest encoding of `value`.
void writeVarint(ByteWriter& writer, uint64_t value);
// Number of bytes writeVarint() produces for `value` (1-10).
size_t varintSize(uint64_t value);

}  // namespace opengns::wire
