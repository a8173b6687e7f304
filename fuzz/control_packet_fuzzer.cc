// Fuzzes the control-packet decoder (udp.md §2): any bytes must decode or fail with a
// Status, never crash; what decodes must re-encode, and decode again to the same
// message (the encoder normalizes padding, so bytes may differ from the input).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "wire/control_packet.h"
#include "wire/udp_constants.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace opengns::wire;
  opengns::ByteSpan input(data, size);
  (void)classifyDatagram(input);
  auto packet = decodeControlPacket(input);
  if (!packet.ok()) return 0;
  (void)describeControlPacket(*packet);
  auto encoded = encodeControlPacket(packet->message);
  if (!encoded.ok()) return 0;  // e.g. a body that would exceed 1300 bytes once padded
  // Protobuf re-serializes non-minimal varints (e.g. in unknown-field tags) minimally,
  // so a tiny plain message may shrink below the 5-byte datagram minimum.
  if (encoded->size() < kMinDatagramSize) return 0;
  auto again = decodeControlPacket(*encoded);
  if (!again.ok() || again->type() != packet->type()) std::abort();
  return 0;
}
