// Fuzzes the data-packet header decoder (udp.md §4.1-4.3), including the inline stats
// blob it parses: any bytes must decode or fail with a Status, never crash or read
// past the datagram; a decoded header re-encodes to at most as many bytes (the decoder
// accepts a non-minimal stats-length varint, the encoder writes the minimal one).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "wire/data_header.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace opengns::wire;
  opengns::ByteSpan input(data, size);
  auto packet = decodeDataPacket(input);
  if (!packet.ok()) return 0;
  if (packet->chunk_offset > size) std::abort();
  opengns::Bytes header;
  if (!encodeDataHeader(packet->header, header).ok()) return 0;
  if (header.size() > packet->chunk_offset) std::abort();
  return 0;
}
