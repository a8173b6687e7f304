// Typed SNP frames: what a decrypted data-packet plaintext is made of (snp.md §1).
//
// Every frame carries absolute values (message number, stream position, lane, acked and
// nacked packet ranges) so that a consumer needs no per-packet decode context. Next to
// the values, each frame records its wire form (field widths, optional fields present),
// so that encoding a decoded frame list reproduces the plaintext byte for byte;
// applyReferenceEncoding() replaces the recorded forms with the ones the reference
// encoder picks. Segment data is a view into the plaintext it was decoded from: the
// frames must not outlive that buffer.
//
// There is no padding frame in SNP (snp.md §1.10): trailing zero bytes decode as an
// unreliable segment with message number 0, which is an error.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "common/bytes.h"

namespace opengns::wire {

// §1.5 How an unreliable segment gives its message number.
enum class UnreliableNumberForm : uint8_t {
  kAbsolute16,    // first in context, `m`=0: low 16 bits
  kAbsolute32,    // first in context, `m`=1: low 32 bits (the reference's choice)
  kImplicitNext,  // later in context, `m`=0: previous + 1, no field
  kVarintDelta,   // later in context, `m`=1: previous + var-int
};

// §1.6 How a reliable segment gives its stream position (`mm`).
enum class ReliablePositionForm : uint8_t {
  kAbsolute24,  // first in context, mm=00
  kAbsolute32,  // first in context, mm=01
  kAbsolute48,  // first in context, mm=10 (the reference's choice)
  kGap0,        // later, mm=00: starts where the previous segment ended
  kGap8,        // later, mm=01
  kGap16,       // later, mm=10
  kGap32,       // later, mm=11
};

struct UnreliableSegmentFrame {
  uint32_t lane = 0;
  uint64_t message_number = 0;
  uint32_t offset_bytes = 0;  // position of `data` inside the message
  bool is_last = false;       // `e`: this segment ends the message
  ByteSpan data;
  UnreliableNumberForm number_form = UnreliableNumberForm::kAbsolute32;
  bool has_offset = false;     // `o`: the offset var-int is present (even if 0)
  bool has_size_byte = false;  // size code 0-4; false = code 7, data runs to the end
};

struct ReliableSegmentFrame {
  uint32_t lane = 0;
  uint64_t stream_position = 0;  // position of data[0] in the lane's reliable stream
  ByteSpan data;
  ReliablePositionForm position_form = ReliablePositionForm::kAbsolute48;
  bool has_size_byte = false;
};

struct StopWaitingFrame {
  // "You no longer need to report on packets below this number" (§1.7, §3.5).
  uint64_t stop_packet_number = 0;
  uint8_t field_width_bytes = 1;  // 1, 2, 3 or 8
};

struct AckBlock {
  // Half-open packet-number ranges: [acked_begin, acked_end) received, then the
  // older [nacked_begin, nacked_end) not received; nacked_end == acked_begin.
  uint64_t acked_begin = 0;
  uint64_t acked_end = 0;
  uint64_t nacked_begin = 0;
  uint64_t nacked_end = 0;
};

struct AckFrame {
  uint64_t latest_packet_number = 0;
  uint16_t delay_raw = 0;        // units of kAckDelayUnitUsec; kAckDelayNoTiming = no timing
  std::vector<AckBlock> blocks;  // newest first, contiguous downwards from latest
  // After the explicit blocks, every packet from the sender's stop value up to this
  // (exclusive) is acked: the implicit final block (§1.8). Equals the last block's
  // nacked_begin, or latest + 1 with no blocks.
  uint64_t implicit_acked_end = 0;
  bool latest_is_16bit = true;        // `w`
  bool has_block_count_byte = false;  // nnn=7 with a count byte
};

struct SelectLaneFrame {
  uint32_t lane = 0;
  bool escape_form = false;  // 0x8F + var-int (needed for lane 0 and lanes >= 8)
};

using SnpFrame = std::variant<UnreliableSegmentFrame, ReliableSegmentFrame, StopWaitingFrame,
                              AckFrame, SelectLaneFrame>;

// The acked packet numbers of the implicit final block: [stop_value, implicit_acked_end),
// empty if the stop value is not below it. `sender_stop_value` is the ack receiver's
// S_sender (§3.5).
struct PacketRange {
  uint64_t begin = 0;
  uint64_t end = 0;
};
PacketRange implicitAckedRange(const AckFrame& ack, uint64_t sender_stop_value);

// One line per frame, for logs and test failure messages.
std::string describeFrame(const SnpFrame& frame);

// Rewrites every frame's wire form to what the reference encoder writes for the same
// values (snp.md §1.5-1.9, §3.4): 32-bit absolute unreliable numbers, implicit +1 or a
// var-int delta, an offset only when non-zero, 48-bit absolute reliable positions and the
// smallest gap, size code 7 only for a segment that is the last frame, the smallest
// stop-waiting field, 16-bit ack latest with a count byte only above 6 blocks, and the
// one-byte select-lane form for lanes 1-7. `packet_number` is the carrying packet's
// number (the stop-waiting field is relative to it).
void applyReferenceEncoding(std::span<SnpFrame> frames, uint64_t packet_number);

}  // namespace opengns::wire
