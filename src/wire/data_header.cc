// See data_header.h. Layout and receiver rules: udp.md §4.1-4.3.
#include "wire/data_header.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/byte_reader.h"
#include "common/byte_writer.h"
#include "wire/udp_constants.h"

namespace opengns::wire {
namespace {

// A varint of at most 32 significant bits has at most 5 bytes.
constexpr size_t kMaxVarint32Bytes = 5;

// The stats blob length is a protobuf-style varint (unsigned 32-bit). Non-minimal
// encodings are accepted, as protobuf does; values over 32 bits are not.
absl::Status readVarint32(ByteReader& reader, uint32_t& out) {
  uint64_t value = 0;
  for (size_t i = 0; i < kMaxVarint32Bytes; ++i) {
    uint8_t byte = 0;
    if (!reader.readU8(byte)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "data packet: inline stats length varint runs off the end after ", i, " bytes"));
    }
    value |= static_cast<uint64_t>(byte & 0x7F) << (7 * i);
    if ((byte & 0x80) == 0) {
      if (value > UINT32_MAX) break;
      out = static_cast<uint32_t>(value);
      return absl::OkStatus();
    }
  }
  return absl::InvalidArgumentError(
      "data packet: inline stats length varint is longer than 32 bits");
}

void writeVarint32(ByteWriter& writer, uint32_t value) {
  while (value >= 0x80) {
    writer.writeU8(static_cast<uint8_t>(value | 0x80));
    value >>= 7;
  }
  writer.writeU8(static_cast<uint8_t>(value));
}

size_t varint32Size(uint32_t value) {
  size_t size = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++size;
  }
  return size;
}

}  // namespace

absl::StatusOr<DataPacketView> decodeDataPacket(ByteSpan datagram) {
  if (datagram.size() < kDataHeaderSize) {
    return absl::InvalidArgumentError(absl::StrCat("data packet: ", datagram.size(),
                                                   " bytes, shorter than the ", kDataHeaderSize,
                                                   "-byte header"));
  }
  if (datagram.size() > kMaxDatagramReceiveSize) {
    return absl::InvalidArgumentError(absl::StrCat("data packet: ", datagram.size(),
                                                   " bytes, over the ", kMaxDatagramReceiveSize,
                                                   "-byte receive limit"));
  }
  DataPacketView view;
  ByteReader reader(datagram);
  // The three fixed fields cannot fail: at least 7 bytes.
  reader.readU8(view.flags);
  reader.readU32(view.header.to_connection_id);
  reader.readU16(view.header.wire_packet_number);
  if ((view.flags & kDataPacketMarker) == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "data packet: flag byte 0x", absl::Hex(view.flags, absl::kZeroPad2), " lacks bit 0x80"));
  }

  if ((view.flags & kDataFlagInlineStats) != 0) {
    uint32_t blob_len = 0;
    if (absl::Status status = readVarint32(reader, blob_len); !status.ok()) return status;
    ByteSpan blob;
    if (!reader.readBytes(blob_len, blob)) {
      return absl::InvalidArgumentError(absl::StrCat("data packet: inline stats length ", blob_len,
                                                     " exceeds the ", reader.remaining(),
                                                     " bytes left"));
    }
    UdpStats stats;
    // blob_len <= kMaxDatagramReceiveSize here, so the int conversion is exact.
    if (!stats.ParseFromArray(blob.data(), static_cast<int>(blob.size()))) {
      return absl::InvalidArgumentError(
          absl::StrCat("data packet: inline stats blob of ", blob.size(), " bytes does not parse"));
    }
    view.header.inline_stats_blob = blob;
    view.inline_stats = std::move(stats);
  }

  if ((view.flags & kDataFlagTimeSincePrevious) != 0) {
    uint16_t value = 0;
    if (!reader.readU16(value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("data packet: time-since-previous flag set but only ", reader.remaining(),
                       " bytes left, need ", kTimeSincePreviousFieldSize));
    }
    view.header.time_since_previous_16usec = value;
  }

  view.chunk_offset = reader.position();
  view.chunk = reader.rest();
  return view;
}

size_t encodedDataHeaderSize(const DataHeader& header) {
  size_t size = kDataHeaderSize;
  if (header.inline_stats_blob) {
    const size_t blob_len = header.inline_stats_blob->size();
    size += varint32Size(static_cast<uint32_t>(blob_len)) + blob_len;
  }
  if (header.time_since_previous_16usec) size += kTimeSincePreviousFieldSize;
  return size;
}

absl::Status encodeDataHeader(const DataHeader& header, Bytes& out) {
  uint8_t flags = kDataPacketMarker;
  if (header.inline_stats_blob) {
    if (header.inline_stats_blob->empty()) {
      return absl::InvalidArgumentError(
          "data packet: empty inline stats blob; leave flag 0x01 clear instead");
    }
    if (header.inline_stats_blob->size() > kMaxUdpPayloadSize) {
      return absl::InvalidArgumentError(
          absl::StrCat("data packet: inline stats blob of ", header.inline_stats_blob->size(),
                       " bytes exceeds the ", kMaxUdpPayloadSize, "-byte datagram maximum"));
    }
    flags |= kDataFlagInlineStats;
  }
  if (header.time_since_previous_16usec) flags |= kDataFlagTimeSincePrevious;

  ByteWriter writer(out);
  writer.writeU8(flags);
  writer.writeU32(header.to_connection_id);
  writer.writeU16(header.wire_packet_number);
  if (header.inline_stats_blob) {
    writeVarint32(writer, static_cast<uint32_t>(header.inline_stats_blob->size()));
    writer.writeBytes(*header.inline_stats_blob);
  }
  if (header.time_since_previous_16usec) writer.writeU16(*header.time_since_previous_16usec);
  return absl::OkStatus();
}

absl::StatusOr<Bytes> encodeDataPacket(const DataHeader& header, ByteSpan chunk) {
  const size_t header_size = encodedDataHeaderSize(header);
  if (header_size + chunk.size() > kMaxUdpPayloadSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("data packet: header of ", header_size, " bytes + chunk of ", chunk.size(),
                     " bytes exceed the ", kMaxUdpPayloadSize, "-byte datagram maximum"));
  }
  Bytes out;
  out.reserve(header_size + chunk.size());
  if (absl::Status status = encodeDataHeader(header, out); !status.ok()) return status;
  ByteWriter(out).writeBytes(chunk);
  return out;
}

uint16_t timeSincePreviousField(uint64_t gap_usec) {
  const uint64_t value = gap_usec >> kTimeSincePreviousUnitShift;
  return value > UINT16_MAX ? UINT16_MAX : static_cast<uint16_t>(value);
}

}  // namespace opengns::wire
