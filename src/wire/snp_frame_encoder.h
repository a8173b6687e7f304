// Encodes typed SNP frames into a plaintext (snp.md §1), following the same per-packet
// context rules as the decoder (§1.4), in the wire form each frame records. Decoding a
// plaintext and encoding the frames again gives the same bytes, except for var-ints that
// were not written in their shortest form (the encoder always writes the shortest).
//
// The encoder checks that each frame can be written as asked and is consistent with the
// context: segments on the lane selected so far, deltas and gaps that are not negative
// and fit their field, size code 7 only on the last frame, acked ranges that are
// contiguous downwards from `latest`. Violations are InvalidArgument errors.
#pragma once

#include <cstdint>
#include <span>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/bytes.h"
#include "wire/snp_frames.h"

namespace opengns::wire {

struct SnpEncodeContext {
  uint64_t packet_number = 0;  // number of the packet that will carry the plaintext
};

absl::StatusOr<Bytes> encodeSnpFrames(std::span<const SnpFrame> frames,
                                      const SnpEncodeContext& context);
// Appends to `out`; on error `out` may hold a partial plaintext.
absl::Status appendSnpFrames(std::span<const SnpFrame> frames, const SnpEncodeContext& context,
                             Bytes& out);

}  // namespace opengns::wire
