// Fuzzes the SNP frame decoder (snp.md §1) on one plaintext: any bytes must decode or
// fail with a Status, never crash or read out of bounds. A decoded frame list must
// encode again, and the encoding must decode to the same number of frames.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "wire/snp_frame_decoder.h"
#include "wire/snp_frame_encoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace opengns::wire;
  opengns::ByteSpan input(data, size);
  SnpDecodeContext context;
  context.packet_number = 1000;
  context.ack_reference_packet_number = 1200;
  auto frames = decodeSnpFrames(input, context);
  if (!frames.ok()) return 0;
  for (const SnpFrame& frame : *frames)
    (void)describeFrame(frame);
  auto encoded = encodeSnpFrames(*frames, SnpEncodeContext{context.packet_number});
  if (!encoded.ok()) std::abort();  // what decodes must be encodable
  auto again = decodeSnpFrames(*encoded, context);
  if (!again.ok() || again->size() != frames->size()) std::abort();
  return 0;
}
