// Decodes a whole decrypted SNP plaintext into typed frames (snp.md §1), applying the
// per-packet decode context of §1.4 exactly: the current lane (reset by select-lane),
// message-number and stream-position deltas relative to earlier segments of the same
// packet and lane context, the "+1 after each reliable segment" quirk, truncated absolute
// numbers expanded against the receiving lane's state, and stop-waiting and ack fields
// relative to packet numbers.
//
// Guarantees: never reads outside the plaintext; any malformed input gives an
// InvalidArgument error naming the frame (by byte offset), the field and the value;
// the whole packet is rejected then (the reference closes the connection, §1.1).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/status/statusor.h"
#include "common/bytes.h"
#include "wire/snp_frames.h"

namespace opengns::wire {

// What the receiver knows about one lane before this packet; truncated absolute fields
// are expanded against it (§1.5, §1.6).
struct LaneDecodeReferences {
  // Highest message number seen on the lane so far, reliable or unreliable (0 = none).
  uint64_t highest_message_number = 0;
  // One past the highest reliable-stream byte received on the lane (1 on a fresh lane).
  uint64_t reliable_expect_position = 1;
};

struct SnpDecodeContext {
  // Full number of the packet carrying the plaintext (stop-waiting is relative to it).
  uint64_t packet_number = 0;
  // The receiving side's own next packet number: an ack's truncated `latest` is expanded
  // to the nearest value with the same low bits (§1.8). A result at or above it (an ack
  // for a packet never sent) is not a decode error: the reference drops the whole packet
  // silently, which is the caller's decision.
  uint64_t ack_reference_packet_number = 0;
  // Per-lane state of the receiver; empty = every lane is fresh. Segments decoded
  // earlier in the same packet are accounted for by the decoder itself (their stream
  // ends and unreliable numbers; not the numbers of reliable messages they complete,
  // which only the stream receiver knows and which matter only to a 16-bit absolute
  // unreliable number more than 32768 away, a form the reference never sends).
  std::function<LaneDecodeReferences(uint32_t lane)> lane_references;
};

absl::StatusOr<std::vector<SnpFrame>> decodeSnpFrames(ByteSpan plaintext,
                                                      const SnpDecodeContext& context);

}  // namespace opengns::wire
