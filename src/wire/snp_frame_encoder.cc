#include "wire/snp_frame_encoder.h"

#include <algorithm>
#include <string>
#include <variant>

#include "absl/strings/str_cat.h"
#include "common/byte_writer.h"
#include "wire/snp_constants.h"
#include "wire/varint.h"

namespace opengns::wire {
namespace {

absl::Status encodeError(size_t index, std::string_view frame, std::string_view detail) {
  return absl::InvalidArgumentError(
      absl::StrCat("encoding frame ", index, " (", std::string(frame), "): ", std::string(detail)));
}

void writeLittleEndian(ByteWriter& writer, uint64_t value, size_t width_bytes) {
  for (size_t i = 0; i < width_bytes; ++i)
    writer.writeU8(static_cast<uint8_t>(value >> (8 * i)));
}

bool fitsBytes(uint64_t value, size_t width_bytes) {
  return width_bytes >= 8 || value < (uint64_t{1} << (8 * width_bytes));
}

class FrameEncoder {
 public:
  FrameEncoder(std::span<const SnpFrame> frames, const SnpEncodeContext& context, Bytes& out)
      : frames_(frames), context_(context), writer_(out) {}

  absl::Status run() {
    for (index_ = 0; index_ < frames_.size(); ++index_) {
      absl::Status status =
          std::visit([this](const auto& frame) { return encode(frame); }, frames_[index_]);
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  }

 private:
  bool isLastFrame() const { return index_ + 1 == frames_.size(); }

  // §1.3: the size code goes in the lead byte; returns false if the size cannot be coded.
  absl::Status sizeCode(std::string_view frame, bool has_size_byte, size_t size, uint8_t& code) {
    if (!has_size_byte) {
      if (!isLastFrame()) {
        return encodeError(index_, frame,
                           "size code 7 (data to the end) on a frame that is not the last");
      }
      code = kSegmentSizeCodeToEnd;
      return absl::OkStatus();
    }
    if (size > kSegmentMaxExplicitSizeBytes) {
      return encodeError(index_, frame,
                         absl::StrCat("size ", size, " above the explicit maximum ",
                                      kSegmentMaxExplicitSizeBytes));
    }
    code = static_cast<uint8_t>(size / 256);
    return absl::OkStatus();
  }

  absl::Status checkLane(std::string_view frame, uint32_t lane) {
    if (lane != lane_) {
      return encodeError(index_, frame,
                         absl::StrCat("segment on lane ", lane, " but the current lane is ", lane_,
                                      " (a select-lane frame must come first)"));
    }
    return absl::OkStatus();
  }

  absl::Status encode(const UnreliableSegmentFrame& frame) {
    constexpr std::string_view kFrame = "unreliable segment";
    if (auto status = checkLane(kFrame, frame.lane); !status.ok()) return status;
    if (frame.message_number == 0) return encodeError(index_, kFrame, "message number 0");
    uint8_t lead = kUnreliableSegmentLeadValue;
    if (frame.is_last) lead |= kUnreliableLastSegmentBit;
    if (frame.has_offset) lead |= kUnreliableOffsetPresentBit;
    const bool first = cur_msgnum_ == 0;
    const bool absolute = frame.number_form == UnreliableNumberForm::kAbsolute16 ||
                          frame.number_form == UnreliableNumberForm::kAbsolute32;
    if (first != absolute) {
      return encodeError(index_, kFrame,
                         first ? "first unreliable segment of the context needs an absolute number"
                               : "later unreliable segment needs the implicit or delta form");
    }
    if (!first && frame.message_number < cur_msgnum_) {
      return encodeError(
          index_, kFrame,
          absl::StrCat("message number ", frame.message_number, " below the context's ",
                       cur_msgnum_, " (deltas are unsigned)"));
    }
    if (frame.number_form == UnreliableNumberForm::kImplicitNext &&
        frame.message_number != cur_msgnum_ + 1) {
      return encodeError(index_, kFrame,
                         absl::StrCat("implicit form needs message number ", cur_msgnum_ + 1,
                                      ", got ", frame.message_number));
    }
    if (!frame.has_offset && frame.offset_bytes != 0) {
      return encodeError(index_, kFrame,
                         absl::StrCat("offset ", frame.offset_bytes, " without the offset field"));
    }
    if (frame.number_form == UnreliableNumberForm::kAbsolute32 ||
        frame.number_form == UnreliableNumberForm::kVarintDelta) {
      lead |= kUnreliableNumberFormBit;
    }
    uint8_t code = 0;
    if (auto status = sizeCode(kFrame, frame.has_size_byte, frame.data.size(), code);
        !status.ok()) {
      return status;
    }
    writer_.writeU8(lead | code);
    switch (frame.number_form) {
      case UnreliableNumberForm::kAbsolute16:
        writer_.writeU16(static_cast<uint16_t>(frame.message_number));
        break;
      case UnreliableNumberForm::kAbsolute32:
        writer_.writeU32(static_cast<uint32_t>(frame.message_number));
        break;
      case UnreliableNumberForm::kImplicitNext:
        break;
      case UnreliableNumberForm::kVarintDelta:
        writeVarint(writer_, frame.message_number - cur_msgnum_);
        break;
    }
    if (frame.has_offset) writeVarint(writer_, frame.offset_bytes);
    if (frame.has_size_byte) writer_.writeU8(static_cast<uint8_t>(frame.data.size() & 0xFF));
    writer_.writeBytes(frame.data);
    cur_msgnum_ = frame.message_number;
    return absl::OkStatus();
  }

  absl::Status encode(const ReliableSegmentFrame& frame) {
    constexpr std::string_view kFrame = "reliable segment";
    if (auto status = checkLane(kFrame, frame.lane); !status.ok()) return status;
    if (frame.stream_position < kFirstStreamPosition) {
      return encodeError(index_, kFrame, "stream position 0 (positions start at 1)");
    }
    const bool first = cur_relpos_ == 0;
    uint8_t mm = 0;
    size_t field_bytes = 0;
    uint64_t field = 0;
    switch (frame.position_form) {
      case ReliablePositionForm::kAbsolute24:
        mm = 0, field_bytes = 3;
        break;
      case ReliablePositionForm::kAbsolute32:
        mm = 1, field_bytes = 4;
        break;
      case ReliablePositionForm::kAbsolute48:
        mm = 2, field_bytes = 6;
        break;
      case ReliablePositionForm::kGap0:
        mm = 0, field_bytes = 0;
        break;
      case ReliablePositionForm::kGap8:
        mm = 1, field_bytes = 1;
        break;
      case ReliablePositionForm::kGap16:
        mm = 2, field_bytes = 2;
        break;
      case ReliablePositionForm::kGap32:
        mm = 3, field_bytes = 4;
        break;
    }
    const bool absolute = frame.position_form == ReliablePositionForm::kAbsolute24 ||
                          frame.position_form == ReliablePositionForm::kAbsolute32 ||
                          frame.position_form == ReliablePositionForm::kAbsolute48;
    if (first != absolute) {
      return encodeError(index_, kFrame,
                         first ? "first reliable segment of the context needs an absolute position"
                               : "later reliable segment needs a gap form");
    }
    if (absolute) {
      field = frame.stream_position & ((uint64_t{1} << (8 * field_bytes)) - 1);
    } else {
      if (frame.stream_position < cur_relpos_) {
        return encodeError(index_, kFrame,
                           absl::StrCat("position ", frame.stream_position,
                                        " before the end of the previous segment ", cur_relpos_,
                                        " (gaps are unsigned; start a new context)"));
      }
      field = frame.stream_position - cur_relpos_;
      if (!fitsBytes(field, field_bytes) || (field_bytes == 0 && field != 0)) {
        return encodeError(
            index_, kFrame,
            absl::StrCat("gap ", field, " does not fit in ", field_bytes, " byte(s)"));
      }
    }
    uint8_t code = 0;
    if (auto status = sizeCode(kFrame, frame.has_size_byte, frame.data.size(), code);
        !status.ok()) {
      return status;
    }
    writer_.writeU8(static_cast<uint8_t>(kReliableSegmentLeadValue |
                                         (mm << kReliablePositionWidthShift) | code));
    writeLittleEndian(writer_, field, field_bytes);
    if (frame.has_size_byte) writer_.writeU8(static_cast<uint8_t>(frame.data.size() & 0xFF));
    writer_.writeBytes(frame.data);
    cur_relpos_ = frame.stream_position + frame.data.size();
    if (cur_msgnum_ != 0) ++cur_msgnum_;  // §1.4 quirk, as the decoder applies it
    return absl::OkStatus();
  }

  absl::Status encode(const StopWaitingFrame& frame) {
    constexpr std::string_view kFrame = "stop-waiting";
    const uint64_t packet = context_.packet_number;
    if (frame.stop_packet_number >= packet) {
      return encodeError(index_, kFrame,
                         absl::StrCat("stop value ", frame.stop_packet_number,
                                      " not below the packet number ", packet));
    }
    const uint64_t field = packet - frame.stop_packet_number - 1;
    uint8_t ww = 0;
    switch (frame.field_width_bytes) {
      case 1:
        ww = 0;
        break;
      case 2:
        ww = 1;
        break;
      case 3:
        ww = 2;
        break;
      case 8:
        ww = 3;
        break;
      default:
        return encodeError(
            index_, kFrame,
            absl::StrCat("field width ", frame.field_width_bytes, " (must be 1, 2, 3 or 8)"));
    }
    if (!fitsBytes(field, frame.field_width_bytes)) {
      return encodeError(
          index_, kFrame,
          absl::StrCat("field ", field, " does not fit in ", frame.field_width_bytes, " byte(s)"));
    }
    writer_.writeU8(kStopWaitingLeadValue | ww);
    writeLittleEndian(writer_, field, frame.field_width_bytes);
    return absl::OkStatus();
  }

  // Runs of 8 or more carry their upper bits in a var-int after the block header.
  void writeRunUpper(uint64_t run) {
    if (run >= (uint64_t{1} << kAckBlockRunLowBits))
      writeVarint(writer_, run >> kAckBlockRunLowBits);
  }

  absl::Status encode(const AckFrame& frame) {
    constexpr std::string_view kFrame = "ack frame";
    const size_t count = frame.blocks.size();
    if (count > kAckMaxBlockCount) {
      return encodeError(index_, kFrame,
                         absl::StrCat(count, " blocks, at most ", kAckMaxBlockCount));
    }
    if (!frame.has_block_count_byte && count > kAckMaxInlineBlockCount) {
      return encodeError(index_, kFrame, absl::StrCat(count, " blocks need the block count byte"));
    }
    if (frame.latest_packet_number == UINT64_MAX) {
      return encodeError(index_, kFrame, "latest packet number overflows");
    }
    uint64_t end = frame.latest_packet_number + 1;
    for (size_t i = 0; i < count; ++i) {
      const AckBlock& block = frame.blocks[i];
      if (block.acked_end != end || block.nacked_end != block.acked_begin ||
          block.acked_begin > block.acked_end || block.nacked_begin > block.nacked_end) {
        return encodeError(index_, kFrame,
                           absl::StrCat("block ", i, " [", block.nacked_begin, ", ",
                                        block.nacked_end, ") nacked + [", block.acked_begin, ", ",
                                        block.acked_end, ") acked is not contiguous below ", end));
      }
      const uint64_t ack_run = block.acked_end - block.acked_begin;
      const uint64_t nack_run = block.nacked_end - block.nacked_begin;
      if (ack_run > kAckMaxRunLength || nack_run > kAckMaxRunLength) {
        return encodeError(index_, kFrame,
                           absl::StrCat("block ", i, ": run ", std::max(ack_run, nack_run),
                                        " above the limit ", kAckMaxRunLength));
      }
      end = block.nacked_begin;
    }
    if (frame.implicit_acked_end != end) {
      return encodeError(index_, kFrame,
                         absl::StrCat("implicit block end ", frame.implicit_acked_end,
                                      " does not match the blocks (", end, ")"));
    }
    uint8_t lead = kAckLeadValue;
    if (frame.latest_is_16bit) lead |= kAckLatest16BitBit;
    lead |= frame.has_block_count_byte ? kAckBlockCountExplicit : static_cast<uint8_t>(count);
    writer_.writeU8(lead);
    if (frame.latest_is_16bit) {
      writer_.writeU16(static_cast<uint16_t>(frame.latest_packet_number));
    } else {
      writer_.writeU32(static_cast<uint32_t>(frame.latest_packet_number));
    }
    writer_.writeU16(frame.delay_raw);
    if (frame.has_block_count_byte) writer_.writeU8(static_cast<uint8_t>(count));
    for (const AckBlock& block : frame.blocks) {
      const uint64_t ack_run = block.acked_end - block.acked_begin;
      const uint64_t nack_run = block.nacked_end - block.nacked_begin;
      constexpr uint64_t kLowMask = (uint64_t{1} << kAckBlockRunLowBits) - 1;
      uint8_t header = static_cast<uint8_t>(((ack_run & kLowMask) << kAckBlockAckRunLowShift) |
                                            (nack_run & kLowMask));
      if (ack_run > kLowMask) header |= kAckBlockAckRunVarintBit;
      if (nack_run > kLowMask) header |= kAckBlockNackRunVarintBit;
      writer_.writeU8(header);
      writeRunUpper(ack_run);
      writeRunUpper(nack_run);
    }
    return absl::OkStatus();
  }

  absl::Status encode(const SelectLaneFrame& frame) {
    constexpr std::string_view kFrame = "select-lane";
    if (frame.lane > kMaxLane) {
      return encodeError(index_, kFrame, absl::StrCat("lane ", frame.lane, " above ", kMaxLane));
    }
    if (frame.escape_form) {
      writer_.writeU8(kSelectLaneLeadValue | kSelectLaneEscape);
      writeVarint(writer_, frame.lane);
    } else {
      if (frame.lane < 1 || frame.lane > kMaxInlineSelectLane) {
        return encodeError(index_, kFrame,
                           absl::StrCat("lane ", frame.lane, " needs the escape form"));
      }
      writer_.writeU8(static_cast<uint8_t>(kSelectLaneLeadValue | (frame.lane - 1)));
    }
    lane_ = frame.lane;
    cur_msgnum_ = 0;
    cur_relpos_ = 0;
    return absl::OkStatus();
  }

  std::span<const SnpFrame> frames_;
  const SnpEncodeContext& context_;
  ByteWriter writer_;
  size_t index_ = 0;
  uint32_t lane_ = 0;
  uint64_t cur_msgnum_ = 0;
  uint64_t cur_relpos_ = 0;
};

}  // namespace

absl::Status appendSnpFrames(std::span<const SnpFrame> frames, const SnpEncodeContext& context,
                             Bytes& out) {
  return FrameEncoder(frames, context, out).run();
}

absl::StatusOr<Bytes> encodeSnpFrames(std::span<const SnpFrame> frames,
                                      const SnpEncodeContext& context) {
  Bytes out;
  absl::Status status = appendSnpFrames(frames, context, out);
  if (!status.ok()) return status;
  return out;
}

}  // namespace opengns::wire
