#include "wire/reliable_message_header.h"

#include "absl/strings/str_cat.h"
#include "common/byte_reader.h"
#include "wire/snp_constants.h"
#include "wire/varint.h"

namespace opengns::wire {
namespace {

// Reads a var-int, reporting "incomplete" (nullopt) when it runs off the end of the
// available bytes, as opposed to an error for a var-int that can never be valid.
absl::StatusOr<std::optional<uint64_t>> readVarintOrIncomplete(ByteReader& reader,
                                                               std::string_view field) {
  const ByteSpan rest = reader.rest();
  size_t length = 0;
  while (length < rest.size() && length < kVarint64MaxBytes &&
         (rest[length] & kVarintContinuationBit) != 0) {
    ++length;
  }
  if (length == rest.size() && length < kVarint64MaxBytes) return std::nullopt;
  auto value = readVarint64(reader, field);
  if (!value.ok()) return value.status();
  return *value;
}

}  // namespace

ReliableMessageHeader canonicalReliableMessageHeader(uint64_t message_number,
                                                     uint64_t previous_message_number,
                                                     uint32_t payload_size_bytes) {
  ReliableMessageHeader header;
  header.message_number = message_number;
  header.payload_size_bytes = payload_size_bytes;
  header.has_number_delta = message_number != previous_message_number + 1;
  header.has_size_varint = payload_size_bytes > kReliableHeaderSizeLowMask;
  return header;
}

absl::StatusOr<std::optional<ParsedReliableMessageHeader>> parseReliableMessageHeader(
    ByteSpan stream_bytes, uint64_t previous_message_number) {
  ByteReader reader(stream_bytes);
  uint8_t lead = 0;
  if (!reader.readU8(lead)) return std::nullopt;
  if ((lead & kReliableHeaderReservedBit) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("reliable message header: reserved bit 7 set in lead byte 0x",
                     absl::Hex(lead, absl::kZeroPad2)));
  }
  ParsedReliableMessageHeader parsed;
  ReliableMessageHeader& header = parsed.header;
  header.has_number_delta = (lead & kReliableHeaderNumberDeltaBit) != 0;
  header.has_size_varint = (lead & kReliableHeaderSizeVarintBit) != 0;

  parsed.number_delta = 1;
  if (header.has_number_delta) {
    auto delta = readVarintOrIncomplete(reader, "reliable message header: message number delta");
    if (!delta.ok()) return delta.status();
    if (!delta->has_value()) return std::nullopt;
    parsed.number_delta = **delta;
  }
  if (parsed.number_delta > UINT64_MAX - previous_message_number) {
    return absl::InvalidArgumentError(absl::StrCat("reliable message header: message number delta ",
                                                   parsed.number_delta, " after ",
                                                   previous_message_number, " overflows 64 bits"));
  }
  header.message_number = previous_message_number + parsed.number_delta;

  uint64_t size = lead & kReliableHeaderSizeLowMask;
  if (header.has_size_varint) {
    auto upper = readVarintOrIncomplete(reader, "reliable message header: size");
    if (!upper.ok()) return upper.status();
    if (!upper->has_value()) return std::nullopt;
    if (**upper > kReliableHeaderMaxSizeVarint) {
      return absl::InvalidArgumentError(absl::StrCat("reliable message header: size var-int ",
                                                     **upper, " above the limit ",
                                                     kReliableHeaderMaxSizeVarint));
    }
    size |= **upper << kReliableHeaderSizeLowBits;
  }
  header.payload_size_bytes = static_cast<uint32_t>(size);
  parsed.header_size_bytes = reader.position();
  return parsed;
}

absl::StatusOr<ParsedReliableMessageHeader> decodeReliableMessageHeader(
    ByteSpan bytes, uint64_t previous_message_number) {
  auto parsed = parseReliableMessageHeader(bytes, previous_message_number);
  if (!parsed.ok()) return parsed.status();
  if (!parsed->has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "reliable message header: truncated (", bytes.size(), " byte(s) are not a whole header)"));
  }
  return **parsed;
}

absl::Status encodeReliableMessageHeader(const ReliableMessageHeader& header,
                                         uint64_t previous_message_number, ByteWriter& writer) {
  if (header.message_number < previous_message_number) {
    return absl::InvalidArgumentError(
        absl::StrCat("reliable message header: message number ", header.message_number,
                     " is below the previous reliable number ", previous_message_number));
  }
  const uint64_t delta = header.message_number - previous_message_number;
  if (!header.has_number_delta && delta != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("reliable message header: message number ", header.message_number,
                     " needs a delta field (previous ", previous_message_number, ")"));
  }
  if (!header.has_size_varint && header.payload_size_bytes > kReliableHeaderSizeLowMask) {
    return absl::InvalidArgumentError(absl::StrCat(
        "reliable message header: size ", header.payload_size_bytes, " needs the size var-int"));
  }
  uint8_t lead = static_cast<uint8_t>(header.payload_size_bytes & kReliableHeaderSizeLowMask);
  if (header.has_number_delta) lead |= kReliableHeaderNumberDeltaBit;
  if (header.has_size_varint) lead |= kReliableHeaderSizeVarintBit;
  writer.writeU8(lead);
  if (header.has_number_delta) writeVarint(writer, delta);
  if (header.has_size_varint) {
    writeVarint(writer, header.payload_size_bytes >> kReliableHeaderSizeLowBits);
  }
  return absl::OkStatus();
}

size_t reliableMessageHeaderSize(const ReliableMessageHeader& header,
                                 uint64_t previous_message_number) {
  size_t size = 1;
  if (header.has_number_delta) size += varintSize(header.message_number - previous_message_number);
  if (header.has_size_varint) {
    size += varintSize(header.payload_size_bytes >> kReliableHeaderSizeLowBits);
  }
  return size;
}

}  // namespace opengns::wire
