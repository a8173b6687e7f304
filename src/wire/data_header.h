// The clear-text header of a UDP data packet (udp.md §4.1-4.3):
//
//   flags (1) | to_connection_id (u32 LE) | packet number low 16 bits (u16 LE)
//   [flags & 0x01: varint N, then N bytes of the inline stats blob (udp.md §2.9, §4.2)]
//   [flags & 0x02: time since previous data packet, u16 LE in 16 us units (udp.md §4.3)]
//   chunk: the encrypted SNP payload, to the end of the datagram
//
// Nothing here is authenticated (AES-GCM runs with empty associated data): treat the
// stats blob as an untrusted hint. Decoding never reads outside the datagram and never
// aborts; it checks the framing and that the stats blob parses (a blob that does not
// parse drops the whole datagram, WIRE). Encoding sets bit 0x80 and the two flag bits
// from what is present, and refuses a datagram over kMaxUdpPayloadSize.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "common/bytes.h"
#include "opengns_stats.pb.h"

namespace opengns::wire {

// The header fields a sender chooses. The stats blob is borrowed: it must outlive the
// call that encodes it (or the decoded packet it came from).
struct DataHeader {
  uint32_t to_connection_id = 0;    // the recipient's connection ID
  uint16_t wire_packet_number = 0;  // low 16 bits of the full packet number (udp.md §4.4)
  // Serialized UdpStats (without its varint length); nullopt = flag 0x01 clear.
  std::optional<ByteSpan> inline_stats_blob;
  // Raw field value in units of 16 us (= usec >> 4); nullopt = flag 0x02 clear.
  std::optional<uint16_t> time_since_previous_16usec;
};

// A decoded data packet; spans point into the datagram that was decoded.
struct DataPacketView {
  uint8_t flags = 0;  // the lead byte as received (bit 0x80 set; bits 2-6 kept, not interpreted)
  DataHeader header;
  std::optional<UdpStats> inline_stats;  // parsed blob, present iff flags & 0x01
  size_t chunk_offset = 0;               // offset of the chunk in the datagram
  ByteSpan chunk;  // ciphertext + tag (AES-GCM) or plaintext (NULL); may be empty
};

// Decodes the header of a datagram whose lead byte has the top bit set. Errors: under
// 7 bytes, over kMaxDatagramReceiveSize, top bit clear, stats varint running off the end
// or over 32 bits, stats length past the end, stats blob not parsing, flag 0x02 with
// fewer than 2 bytes left.
absl::StatusOr<DataPacketView> decodeDataPacket(ByteSpan datagram);

// Size of the header that encodeDataHeader() writes for `header`.
size_t encodedDataHeaderSize(const DataHeader& header);

// Appends the header (everything before the chunk) to `out`. Errors: an empty stats
// blob (GNS never writes N = 0: leave the flag clear instead).
absl::Status encodeDataHeader(const DataHeader& header, Bytes& out);

// The whole datagram: header then chunk. Errors: those of encodeDataHeader, or a
// datagram over kMaxUdpPayloadSize.
absl::StatusOr<Bytes> encodeDataPacket(const DataHeader& header, ByteSpan chunk);

// Microseconds from the raw field value (value x 16), and the field value for a gap
// (usec >> 4, saturating at 0xFFFF; GNS only sends gaps up to 250 ms, which fit).
inline uint32_t timeSincePreviousUsec(uint16_t field_16usec) {
  return static_cast<uint32_t>(field_16usec) << 4;
}
uint16_t timeSincePreviousField(uint64_t gap_usec);

}  // namespace opengns::wire
