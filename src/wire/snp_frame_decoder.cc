#include "wire/snp_frame_decoder.h"

#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "common/byte_reader.h"
#include "wire/snp_constants.h"
#include "wire/varint.h"

namespace opengns::wire {
namespace {

absl::Status frameError(std::string_view frame, size_t offset, absl::string_view detail) {
  return absl::InvalidArgumentError(
      absl::StrCat(std::string(frame), " at offset ", offset, ": ", detail));
}

std::string hexByte(uint8_t byte) {
  return absl::StrCat("0x", absl::Hex(byte, absl::kZeroPad2));
}

// Reads an N-byte little-endian field (N in 1..8).
bool readLittleEndian(ByteReader& reader, size_t width_bytes, uint64_t& out) {
  ByteSpan bytes;
  if (!reader.readBytes(width_bytes, bytes)) return false;
  out = 0;
  for (size_t i = 0; i < width_bytes; ++i)
    out |= uint64_t{bytes[i]} << (8 * i);
  return true;
}

// Nearest value to `reference` whose low `bits` bits are `low` (ties go down), or
// nullopt if that value would be negative or overflow.
std::optional<uint64_t> expandNearest(uint64_t reference, uint64_t low, int bits) {
  const uint64_t modulus = uint64_t{1} << bits;
  const uint64_t mask = modulus - 1;
  const uint64_t forward = (low - reference) & mask;  // distance upwards, mod 2^bits
  if (forward < modulus / 2) {
    if (reference > UINT64_MAX - forward) return std::nullopt;
    return reference + forward;
  }
  const uint64_t backward = modulus - forward;
  if (backward > reference) return std::nullopt;
  return reference - backward;
}

class FrameDecoder {
 public:
  FrameDecoder(ByteSpan plaintext, const SnpDecodeContext& context)
      : plaintext_(plaintext), reader_(plaintext), context_(context) {}

  absl::StatusOr<std::vector<SnpFrame>> run() {
    std::vector<SnpFrame> frames;
    while (!reader_.empty()) {
      frame_offset_ = reader_.position();
      uint8_t lead = 0;
      reader_.readU8(lead);
      absl::Status status = decodeOne(lead, frames);
      if (!status.ok()) return withSelectLaneHint(std::move(status));
      if (std::holds_alternative<SelectLaneFrame>(frames.back())) {
        frames_since_select_ = 0;
      } else {
        ++frames_since_select_;
      }
    }
    return frames;
  }

 private:
  struct LaneState {
    uint32_t lane = 0;
    LaneDecodeReferences references;
  };

  absl::Status decodeOne(uint8_t lead, std::vector<SnpFrame>& frames) {
    if ((lead & kUnreliableSegmentLeadMask) == kUnreliableSegmentLeadValue) {
      return decodeUnreliable(lead, frames);
    }
    if ((lead & kReliableSegmentLeadMask) == kReliableSegmentLeadValue) {
      return decodeReliable(lead, frames);
    }
    if ((lead & kStopWaitingLeadMask) == kStopWaitingLeadValue) {
      return decodeStopWaiting(lead, frames);
    }
    if ((lead & kSelectLaneLeadMask) == kSelectLaneLeadValue) {
      return decodeSelectLane(lead, frames);
    }
    if ((lead & kAckLeadMask) == kAckLeadValue) return decodeAck(lead, frames);
    return frameError("frame", frame_offset_,
                      absl::StrCat("reserved lead byte ", hexByte(lead), " (snp.md 1.1)"));
  }

  LaneDecodeReferences& laneReferences() {
    for (LaneState& state : lanes_) {
      if (state.lane == lane_) return state.references;
    }
    LaneState state;
    state.lane = lane_;
    if (context_.lane_references) state.references = context_.lane_references(lane_);
    lanes_.push_back(state);
    return lanes_.back().references;
  }

  // §1.3: returns the segment data, reading the size byte if the code asks for one.
  absl::StatusOr<ByteSpan> readSegmentData(std::string_view frame, uint8_t lead,
                                           bool& has_size_byte) {
    const uint8_t code = lead & kSegmentSizeCodeMask;
    size_t size = 0;
    if (code == kSegmentSizeCodeToEnd) {
      has_size_byte = false;
      size = reader_.remaining();
    } else if (code <= kSegmentSizeCodeMaxExplicit) {
      has_size_byte = true;
      uint8_t low = 0;
      if (!reader_.readU8(low)) {
        return frameError(frame, frame_offset_, "size byte runs past the end of the plaintext");
      }
      size = size_t{code} * 256 + low;
    } else {
      return frameError(frame, frame_offset_,
                        absl::StrCat("reserved size code ", code, " in lead byte ", hexByte(lead)));
    }
    ByteSpan data;
    if (!reader_.readBytes(size, data)) {
      return frameError(
          frame, frame_offset_,
          absl::StrCat("size ", size, " declared, ", reader_.remaining(), " byte(s) left"));
    }
    return data;
  }

  absl::Status decodeUnreliable(uint8_t lead, std::vector<SnpFrame>& frames) {
    constexpr std::string_view kFrame = "unreliable segment";
    UnreliableSegmentFrame frame;
    frame.lane = lane_;
    frame.is_last = (lead & kUnreliableLastSegmentBit) != 0;
    const bool m = (lead & kUnreliableNumberFormBit) != 0;
    frame.has_offset = (lead & kUnreliableOffsetPresentBit) != 0;
    LaneDecodeReferences& lane = laneReferences();
    if (cur_msgnum_ == 0) {
      const int bits = m ? 32 : 16;
      frame.number_form = m ? UnreliableNumberForm::kAbsolute32 : UnreliableNumberForm::kAbsolute16;
      uint64_t low = 0;
      if (!readLittleEndian(reader_, size_t(bits / 8), low)) {
        return frameError(kFrame, frame_offset_,
                          absl::StrCat(bits, "-bit message number runs past the end (",
                                       reader_.remaining(), " byte(s) left)"));
      }
      const std::optional<uint64_t> number = expandNearest(lane.highest_message_number, low, bits);
      if (!number || *number == 0) {
        return frameError(kFrame, frame_offset_,
                          absl::StrCat("message number underflow: low ", bits, " bits ", low,
                                       ", highest seen on lane ", lane_, " is ",
                                       lane.highest_message_number, ", result is not positive"));
      }
      frame.message_number = *number;
    } else if (!m) {
      frame.number_form = UnreliableNumberForm::kImplicitNext;
      frame.message_number = cur_msgnum_ + 1;
    } else {
      frame.number_form = UnreliableNumberForm::kVarintDelta;
      auto delta = readVarint64(reader_, "unreliable segment: message number delta");
      if (!delta.ok()) return frameError(kFrame, frame_offset_, delta.status().message());
      if (*delta > UINT64_MAX - cur_msgnum_) {
        return frameError(kFrame, frame_offset_,
                          absl::StrCat("message number delta ", *delta, " after ", cur_msgnum_,
                                       " overflows 64 bits"));
      }
      frame.message_number = cur_msgnum_ + *delta;
    }
    if (frame.has_offset) {
      auto offset = readVarint32(reader_, "unreliable segment: offset");
      if (!offset.ok()) return frameError(kFrame, frame_offset_, offset.status().message());
      frame.offset_bytes = *offset;
    }
    auto data = readSegmentData(kFrame, lead, frame.has_size_byte);
    if (!data.ok()) return data.status();
    frame.data = *data;

    cur_msgnum_ = frame.message_number;
    if (frame.message_number > lane.highest_message_number) {
      lane.highest_message_number = frame.message_number;
    }
    frames.push_back(frame);
    return absl::OkStatus();
  }

  absl::Status decodeReliable(uint8_t lead, std::vector<SnpFrame>& frames) {
    constexpr std::string_view kFrame = "reliable segment";
    ReliableSegmentFrame frame;
    frame.lane = lane_;
    const uint8_t mm = (lead & kReliablePositionWidthMask) >> kReliablePositionWidthShift;
    LaneDecodeReferences& lane = laneReferences();
    if (cur_relpos_ == 0) {
      static constexpr int kBits[] = {24, 32, 48};
      static constexpr ReliablePositionForm kForms[] = {ReliablePositionForm::kAbsolute24,
                                                        ReliablePositionForm::kAbsolute32,
                                                        ReliablePositionForm::kAbsolute48};
      if (mm == kReliablePositionWidthReserved) {
        return frameError(kFrame, frame_offset_,
                          absl::StrCat("reserved position width mm=3 in lead byte ", hexByte(lead),
                                       " on the first reliable segment of the context"));
      }
      const int bits = kBits[mm];
      frame.position_form = kForms[mm];
      uint64_t low = 0;
      if (!readLittleEndian(reader_, size_t(bits / 8), low)) {
        return frameError(kFrame, frame_offset_,
                          absl::StrCat(bits, "-bit stream position runs past the end (",
                                       reader_.remaining(), " byte(s) left)"));
      }
      // §1.6: replace the low bits of `expect`; move up one period if that lands half
      // a period or more below it. Never moved down.
      const uint64_t modulus = uint64_t{1} << bits;
      const uint64_t expect = lane.reliable_expect_position;
      uint64_t candidate = (expect & ~(modulus - 1)) | low;
      if (expect > candidate && expect - candidate >= modulus / 2) candidate += modulus;
      if (candidate == 0) {
        return frameError(kFrame, frame_offset_,
                          absl::StrCat("stream position 0 (low ", bits, " bits ", low,
                                       ", expected near ", expect, "); positions start at 1"));
      }
      frame.stream_position = candidate;
    } else {
      static constexpr size_t kGapBytes[] = {0, 1, 2, 4};
      static constexpr ReliablePositionForm kForms[] = {
          ReliablePositionForm::kGap0, ReliablePositionForm::kGap8, ReliablePositionForm::kGap16,
          ReliablePositionForm::kGap32};
      frame.position_form = kForms[mm];
      uint64_t gap = 0;
      if (!readLittleEndian(reader_, kGapBytes[mm], gap)) {
        return frameError(kFrame, frame_offset_,
                          absl::StrCat(kGapBytes[mm], "-byte position gap runs past the end (",
                                       reader_.remaining(), " byte(s) left)"));
      }
      frame.stream_position = cur_relpos_ + gap;
    }
    auto data = readSegmentData(kFrame, lead, frame.has_size_byte);
    if (!data.ok()) return data.status();
    frame.data = *data;

    cur_relpos_ = frame.stream_position + frame.data.size();
    if (cur_msgnum_ != 0) ++cur_msgnum_;  // §1.4 quirk
    if (cur_relpos_ > lane.reliable_expect_position) lane.reliable_expect_position = cur_relpos_;
    frames.push_back(frame);
    return absl::OkStatus();
  }

  absl::Status decodeStopWaiting(uint8_t lead, std::vector<SnpFrame>& frames) {
    constexpr std::string_view kFrame = "stop-waiting";
    static constexpr uint8_t kWidths[] = {1, 2, 3, 8};
    StopWaitingFrame frame;
    frame.field_width_bytes = kWidths[lead & kStopWaitingWidthMask];
    uint64_t field = 0;
    if (!readLittleEndian(reader_, frame.field_width_bytes, field)) {
      return frameError(kFrame, frame_offset_,
                        absl::StrCat(frame.field_width_bytes, "-byte field runs past the end (",
                                     reader_.remaining(), " byte(s) left)"));
    }
    const uint64_t packet = context_.packet_number;
    if (field >= packet) {
      return frameError(kFrame, frame_offset_,
                        absl::StrCat("field ", field, " in packet ", packet,
                                     " gives a stop value below 0 (needs field + 1 <= packet)"));
    }
    frame.stop_packet_number = packet - field - 1;
    frames.push_back(frame);
    return absl::OkStatus();
  }

  // Reads one run of an ack block: low bits from the header, the rest from a var-int.
  absl::StatusOr<uint64_t> readRun(uint64_t low, bool has_varint, const char* name, size_t block) {
    if (!has_varint) return low;
    auto upper = readVarint64(reader_, absl::StrCat("block ", block, " ", name));
    if (!upper.ok()) return upper.status();
    if (*upper > (kAckMaxRunLength >> kAckBlockRunLowBits)) {
      return absl::InvalidArgumentError(absl::StrCat("block ", block, " ", name, " (", *upper,
                                                     " << 3) above the limit ", kAckMaxRunLength));
    }
    const uint64_t run = (*upper << kAckBlockRunLowBits) | low;
    if (run > kAckMaxRunLength) {
      return absl::InvalidArgumentError(absl::StrCat("block ", block, " ", name, " ", run,
                                                     " above the limit ", kAckMaxRunLength));
    }
    return run;
  }

  absl::Status decodeAck(uint8_t lead, std::vector<SnpFrame>& frames) {
    constexpr std::string_view kFrame = "ack frame";
    AckFrame frame;
    frame.latest_is_16bit = (lead & kAckLatest16BitBit) != 0;
    const int bits = frame.latest_is_16bit ? 16 : 32;
    uint64_t low = 0;
    if (!readLittleEndian(reader_, size_t(bits / 8), low)) {
      return frameError(kFrame, frame_offset_,
                        absl::StrCat(bits, "-bit latest runs past the end (", reader_.remaining(),
                                     " byte(s) left)"));
    }
    const std::optional<uint64_t> latest =
        expandNearest(context_.ack_reference_packet_number, low, bits);
    if (!latest) {
      return frameError(kFrame, frame_offset_,
                        absl::StrCat("latest (low ", bits, " bits ", low, ") expands below 0 near ",
                                     context_.ack_reference_packet_number));
    }
    frame.latest_packet_number = *latest;
    if (!reader_.readU16(frame.delay_raw)) {
      return frameError(
          kFrame, frame_offset_,
          absl::StrCat("delay runs past the end (", reader_.remaining(), " byte(s) left)"));
    }
    size_t count = lead & kAckBlockCountMask;
    if (count == kAckBlockCountExplicit) {
      frame.has_block_count_byte = true;
      uint8_t count_byte = 0;
      if (!reader_.readU8(count_byte)) {
        return frameError(kFrame, frame_offset_, "block count byte runs past the end");
      }
      count = count_byte;
    }
    // Each block takes at least its header byte.
    if (count > reader_.remaining()) {
      return frameError(
          kFrame, frame_offset_,
          absl::StrCat(count, " blocks declared, ", reader_.remaining(), " byte(s) left"));
    }
    uint64_t end = frame.latest_packet_number + 1;
    frame.blocks.reserve(count);
    for (size_t i = 0; i < count; ++i) {
      uint8_t header = 0;
      if (!reader_.readU8(header)) {
        return frameError(kFrame, frame_offset_,
                          absl::StrCat("block ", i, " of ", count, ": header runs past the end"));
      }
      auto ack_run = readRun((header & kAckBlockAckRunLowMask) >> kAckBlockAckRunLowShift,
                             (header & kAckBlockAckRunVarintBit) != 0, "ack run", i);
      if (!ack_run.ok()) return frameError(kFrame, frame_offset_, ack_run.status().message());
      auto nack_run = readRun(header & kAckBlockNackRunLowMask,
                              (header & kAckBlockNackRunVarintBit) != 0, "nack run", i);
      if (!nack_run.ok()) return frameError(kFrame, frame_offset_, nack_run.status().message());
      if (*ack_run + *nack_run > end) {
        return frameError(kFrame, frame_offset_,
                          absl::StrCat("block ", i, ": ack run ", *ack_run, " + nack run ",
                                       *nack_run, " below packet ", end, " go below packet 0"));
      }
      AckBlock block;
      block.acked_end = end;
      block.acked_begin = end - *ack_run;
      block.nacked_end = block.acked_begin;
      block.nacked_begin = block.acked_begin - *nack_run;
      end = block.nacked_begin;
      frame.blocks.push_back(block);
    }
    frame.implicit_acked_end = end;
    frames.push_back(std::move(frame));
    return absl::OkStatus();
  }

  absl::Status decodeSelectLane(uint8_t lead, std::vector<SnpFrame>& frames) {
    constexpr std::string_view kFrame = "select-lane";
    SelectLaneFrame frame;
    const uint8_t code = lead & kSelectLaneInlineMask;
    if (code == kSelectLaneEscape) {
      frame.escape_form = true;
      auto lane = readVarint32(reader_, "select-lane: lane var-int");
      if (!lane.ok()) {
        return frameError(kFrame, frame_offset_,
                          absl::StrCat(lane.status().message(), truncatedSelectLaneNote()));
      }
      if (*lane > kMaxLane) {
        return frameError(
            kFrame, frame_offset_,
            absl::StrCat("lane ", *lane, " above ", kMaxLane, truncatedSelectLaneNote()));
      }
      frame.lane = *lane;
      escape_select_offset_ = frame_offset_;
    } else {
      frame.lane = uint32_t{code} + 1;
      escape_select_offset_.reset();
    }
    // §1.9: a select-lane frame resets the context, even for the current lane.
    lane_ = frame.lane;
    cur_msgnum_ = 0;
    cur_relpos_ = 0;
    frames.push_back(frame);
    return absl::OkStatus();
  }

  static std::string truncatedSelectLaneNote() {
    return " (the reference writes select-lane for lanes >= 8 truncated: 0x8f without the "
           "lane var-int's last byte, snp.md 1.9)";
  }

  // An error in the first frame after an escape-form select-lane is how the reference's
  // truncated select-lane shows (snp.md 1.9, lanes_many_session idx 10): say so.
  absl::Status withSelectLaneHint(absl::Status status) {
    if (!escape_select_offset_ || frames_since_select_ > 0) return status;
    const size_t at = *escape_select_offset_;
    const size_t varint_bytes = frame_offset_ - at - 1;
    const ByteSpan lane_bytes = plaintext_.subspan(at + 1, varint_bytes);
    std::string lane_hex;
    for (uint8_t b : lane_bytes)
      absl::StrAppend(&lane_hex, " ", absl::Hex(b, absl::kZeroPad2));
    return absl::InvalidArgumentError(absl::StrCat(
        status.message(), "; follows the select-lane frame at offset ", at, " (8f", lane_hex,
        " = lane ", lane_,
        "), which matches the reference's truncated select-lane for lanes >= 8: 0x8f without "
        "the lane var-int's last byte, so a segment's lead byte was read as the lane "
        "(snp.md 1.9)"));
  }

  ByteSpan plaintext_;
  ByteReader reader_;
  const SnpDecodeContext& context_;
  size_t frame_offset_ = 0;
  uint32_t lane_ = 0;
  uint64_t cur_msgnum_ = 0;
  uint64_t cur_relpos_ = 0;
  std::vector<LaneState> lanes_;
  std::optional<size_t> escape_select_offset_;
  size_t frames_since_select_ = 0;
};

}  // namespace

absl::StatusOr<std::vector<SnpFrame>> decodeSnpFrames(ByteSpan plaintext,
                                                      const SnpDecodeContext& context) {
  return FrameDecoder(plaintext, context).run();
}

}  // namespace opengns::wire
