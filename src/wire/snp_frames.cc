#include "wire/snp_frames.h"

#include <variant>

#include "absl/strings/str_cat.h"
#include "wire/snp_constants.h"

namespace opengns::wire {

PacketRange implicitAckedRange(const AckFrame& ack, uint64_t sender_stop_value) {
  if (sender_stop_value >= ack.implicit_acked_end)
    return {ack.implicit_acked_end, ack.implicit_acked_end};
  return {sender_stop_value, ack.implicit_acked_end};
}

namespace {

struct Describer {
  std::string operator()(const UnreliableSegmentFrame& f) const {
    return absl::StrCat("unreliable lane=", f.lane, " msg=", f.message_number,
                        " offset=", f.offset_bytes, " size=", f.data.size(),
                        f.is_last ? " last" : " more");
  }
  std::string operator()(const ReliableSegmentFrame& f) const {
    return absl::StrCat("reliable lane=", f.lane, " pos=", f.stream_position,
                        " size=", f.data.size());
  }
  std::string operator()(const StopWaitingFrame& f) const {
    return absl::StrCat("stop-waiting stop=", f.stop_packet_number);
  }
  std::string operator()(const AckFrame& f) const {
    std::string text = absl::StrCat("ack latest=", f.latest_packet_number, " delay=", f.delay_raw);
    for (const AckBlock& b : f.blocks) {
      absl::StrAppend(&text, " acked[", b.acked_begin, ",", b.acked_end, ") nacked[",
                      b.nacked_begin, ",", b.nacked_end, ")");
    }
    absl::StrAppend(&text, " implicit<", f.implicit_acked_end);
    return text;
  }
  std::string operator()(const SelectLaneFrame& f) const {
    return absl::StrCat("select-lane lane=", f.lane);
  }
};

// Smallest stop-waiting field width (§1.7) that holds `field`.
uint8_t stopWaitingWidth(uint64_t field) {
  if (field < (uint64_t{1} << 8)) return 1;
  if (field < (uint64_t{1} << 16)) return 2;
  if (field < (uint64_t{1} << 24)) return 3;
  return 8;
}

}  // namespace

std::string describeFrame(const SnpFrame& frame) {
  return std::visit(Describer{}, frame);
}

void applyReferenceEncoding(std::span<SnpFrame> frames, uint64_t packet_number) {
  // Replays the §1.4 context so that each form matches what precedes the frame.
  uint64_t cur_msgnum = 0;
  uint64_t cur_relpos = 0;
  for (size_t i = 0; i < frames.size(); ++i) {
    const bool last = i + 1 == frames.size();
    SnpFrame& frame = frames[i];
    if (auto* u = std::get_if<UnreliableSegmentFrame>(&frame)) {
      if (cur_msgnum == 0) {
        u->number_form = UnreliableNumberForm::kAbsolute32;
      } else if (u->message_number == cur_msgnum + 1) {
        u->number_form = UnreliableNumberForm::kImplicitNext;
      } else {
        u->number_form = UnreliableNumberForm::kVarintDelta;
      }
      u->has_offset = u->offset_bytes != 0;
      u->has_size_byte = !last;
      cur_msgnum = u->message_number;
    } else if (auto* r = std::get_if<ReliableSegmentFrame>(&frame)) {
      if (cur_relpos == 0) {
        r->position_form = ReliablePositionForm::kAbsolute48;
      } else {
        const uint64_t gap = r->stream_position - cur_relpos;
        r->position_form = gap == 0                    ? ReliablePositionForm::kGap0
                           : gap < (uint64_t{1} << 8)  ? ReliablePositionForm::kGap8
                           : gap < (uint64_t{1} << 16) ? ReliablePositionForm::kGap16
                                                       : ReliablePositionForm::kGap32;
      }
      r->has_size_byte = !last;
      cur_relpos = r->stream_position + r->data.size();
      if (cur_msgnum != 0) ++cur_msgnum;
    } else if (auto* s = std::get_if<StopWaitingFrame>(&frame)) {
      if (s->stop_packet_number < packet_number) {
        s->field_width_bytes = stopWaitingWidth(packet_number - s->stop_packet_number - 1);
      }
    } else if (auto* a = std::get_if<AckFrame>(&frame)) {
      a->latest_is_16bit = true;
      a->has_block_count_byte = a->blocks.size() > kAckMaxInlineBlockCount;
    } else if (auto* l = std::get_if<SelectLaneFrame>(&frame)) {
      l->escape_form = l->lane < 1 || l->lane > kMaxInlineSelectLane;
      cur_msgnum = 0;
      cur_relpos = 0;
    }
  }
}

}  // namespace opengns::wire
