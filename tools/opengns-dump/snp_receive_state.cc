#include "snp_receive_state.h"

#include <algorithm>
#include <variant>

#include "absl/strings/str_cat.h"
#include "wire/reliable_message_header.h"

namespace opengns::tools {

wire::LaneDecodeReferences SnpReceiveState::referencesFor(uint32_t lane_number) const {
  const auto it = lanes_.find(lane_number);
  if (it == lanes_.end()) return {};
  return {it->second.reliable.highestMessageNumber(), it->second.reliable.expectPosition()};
}

SnpReceiveState::Lane& SnpReceiveState::lane(uint32_t lane_number) {
  return lanes_.try_emplace(lane_number, lane_number).first->second;
}

void SnpReceiveState::apply(std::vector<FrameReport>& frames, std::vector<std::string>& errors) {
  for (FrameReport& report : frames) {
    if (const auto* ack = std::get_if<wire::AckFrame>(&report.frame)) {
      report.implicit_acked = wire::implicitAckedRange(*ack, ack_receiver_stop_value_);
      ack_receiver_stop_value_ = std::max(ack_receiver_stop_value_, ack->latest_packet_number);
    } else if (const auto* reliable = std::get_if<wire::ReliableSegmentFrame>(&report.frame)) {
      applyReliable(*reliable, report, errors);
    } else if (const auto* unreliable = std::get_if<wire::UnreliableSegmentFrame>(&report.frame)) {
      applyUnreliable(*unreliable, report);
    }
  }
}

void SnpReceiveState::applyReliable(const wire::ReliableSegmentFrame& segment, FrameReport& report,
                                    std::vector<std::string>& errors) {
  Lane& state = lane(segment.lane);
  const uint64_t next = state.reliable.nextPosition();
  const uint64_t end = segment.stream_position + segment.data.size();
  if (segment.data.empty()) {
    report.note = "empty segment: ignored";
    return;
  }
  if (end <= next) {
    report.note = "retransmission of bytes already delivered";
  } else if (segment.stream_position == next) {
    // The next undelivered byte is always a message boundary: name the message if its
    // whole header is in this segment. A bad header is reported by the receiver below.
    auto parsed =
        wire::parseReliableMessageHeader(segment.data, state.reliable.lastReliableMessageNumber());
    if (parsed.ok() && parsed->has_value()) {
      report.starts_message_number = (*parsed)->header.message_number;
      report.starts_message_size_bytes = (*parsed)->header.payload_size_bytes;
    }
  } else if (segment.stream_position > state.reliable.expectPosition()) {
    report.note = absl::StrCat("leaves a hole: stream bytes [", state.reliable.expectPosition(),
                               ",", segment.stream_position, ") not seen yet");
  }
  const absl::Status status =
      state.reliable.receiveSegment(segment.stream_position, segment.data, report.completed);
  if (!status.ok()) {
    errors.push_back(absl::StrCat("lane ", segment.lane, " reliable stream: ", status.message()));
  }
}

void SnpReceiveState::applyUnreliable(const wire::UnreliableSegmentFrame& segment,
                                      FrameReport& report) {
  Lane& state = lane(segment.lane);
  state.reliable.noteMessageNumber(segment.message_number);
  snp::UnreliableReassembler::Result result = state.unreliable.receiveSegment(
      segment.message_number, segment.offset_bytes, segment.is_last, segment.data);
  using Outcome = snp::UnreliableReassembler::Outcome;
  switch (result.outcome) {
    case Outcome::kDelivered:
      if (result.message) report.completed.push_back(std::move(*result.message));
      break;
    case Outcome::kStored:
      report.note = "piece stored, message not complete yet";
      break;
    case Outcome::kDuplicatePiece:
      report.note = "duplicate piece: ignored";
      break;
    case Outcome::kIgnoredTooLarge:
      report.note =
          "ignored: beyond the receiver's limits (1300 B per segment, 26000 B per message)";
      break;
    case Outcome::kDroppedInconsistent:
      report.note = "pieces disagree on where the message ends: all its pieces dropped";
      break;
    case Outcome::kIgnoredEvicted:
      report.note = "ignored: a piece of a message the 21-piece limit evicted before";
      break;
  }
}

}  // namespace opengns::tools
