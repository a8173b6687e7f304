// The header in front of every reliable message inside a lane's reliable stream
// (snp.md §2.3): one byte `0mDsssss`, then an optional message-number delta var-int,
// then the optional upper size bits var-int, then the payload. The message number is
// coded relative to the previous reliable message number of the lane (0 at start).
//
// parseReliableMessageHeader() is for stream reassembly: it says "need more bytes"
// (nullopt) when the header is cut short, and errors only on bytes that can never become
// a valid header. decodeReliableMessageHeader() treats a short input as an error. The
// receiver limits of §2.3 (delta, distance above the highest number, size) are checked by
// snp::ReliableStreamReceiver, which knows the lane state; this codec checks the format.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/byte_writer.h"
#include "common/bytes.h"

namespace opengns::wire {

struct ReliableMessageHeader {
  uint64_t message_number = 0;
  uint32_t payload_size_bytes = 0;  // payload only, without the header
  // Wire form. The canonical encoder writes the delta only when it is not 1 and the size
  // var-int only when the size needs more than 5 bits; a decoder must accept both forms.
  bool has_number_delta = false;  // bit 6 (`m`)
  bool has_size_varint = false;   // bit 5 (`D`)
};

struct ParsedReliableMessageHeader {
  ReliableMessageHeader header;
  uint64_t number_delta = 0;  // message_number - previous reliable message number
  size_t header_size_bytes = 0;
};

// The header with the reference encoder's (shortest) wire form.
ReliableMessageHeader canonicalReliableMessageHeader(uint64_t message_number,
                                                     uint64_t previous_message_number,
                                                     uint32_t payload_size_bytes);

// Parses the header at the front of `stream_bytes`. nullopt: the header is not complete
// yet. Error: bit 7 set, a var-int overflow, or a message number that overflows 64 bits.
absl::StatusOr<std::optional<ParsedReliableMessageHeader>> parseReliableMessageHeader(
    ByteSpan stream_bytes, uint64_t previous_message_number);

// As parseReliableMessageHeader(), but a truncated header is an error too.
absl::StatusOr<ParsedReliableMessageHeader> decodeReliableMessageHeader(
    ByteSpan bytes, uint64_t previous_message_number);

// Appends the header. Fails if the number is below the previous one, or if the chosen
// form cannot carry the values (delta != 1 without `m`, size >= 32 without `D`).
absl::Status encodeReliableMessageHeader(const ReliableMessageHeader& header,
                                         uint64_t previous_message_number, ByteWriter& writer);

// Size in bytes that encodeReliableMessageHeader() writes for a valid header.
size_t reliableMessageHeaderSize(const ReliableMessageHeader& header,
                                 uint64_t previous_message_number);

}  // namespace opengns::wire
