#include "snp/packet_assembler.h"

#include <algorithm>
#include <utility>

#include "common/log.h"
#include "wire/snp_constants.h"
#include "wire/snp_frame_encoder.h"
#include "wire/varint.h"

namespace opengns::snp {
namespace {

constexpr size_t kLeadByteBytes = 1;

// §1.7: the smallest stop-waiting field that holds `field`.
size_t stopWaitingFieldBytes(uint64_t field) {
  if (field < (uint64_t{1} << 8)) return 1;
  if (field < (uint64_t{1} << 16)) return 2;
  if (field < (uint64_t{1} << 24)) return 3;
  return 8;
}

// What a segment costs in the budget (see the header: one size byte unless it was cut to
// fill the budget).
size_t segmentCost(const OutgoingSegment& segment) {
  return segment.header_bytes + static_cast<size_t>(segment.dataBytes()) +
         (segment.fills_budget ? 0 : 1);
}

}  // namespace

size_t stopWaitingFrameBytes(uint64_t packet_number, uint64_t stop_value) {
  const uint64_t field = packet_number > stop_value ? packet_number - stop_value - 1 : 0;
  return kLeadByteBytes + stopWaitingFieldBytes(field);
}

size_t selectLaneFrameBytes(uint32_t lane) {
  if (lane >= 1 && lane <= wire::kMaxInlineSelectLane) return kLeadByteBytes;
  return kLeadByteBytes + wire::varintSize(lane);
}

PacketAssembler::LaneGroup* PacketAssembler::groupOf(uint32_t lane) {
  if (lane >= group_index_.size() || group_index_[lane] < 0) return nullptr;
  return &groups_[static_cast<size_t>(group_index_[lane])];
}

PacketAssembler::LaneGroup& PacketAssembler::openGroup(uint32_t lane) {
  if (LaneGroup* group = groupOf(lane)) return *group;
  if (group_count_ == groups_.size()) groups_.emplace_back();
  LaneGroup& group = groups_[group_count_];
  group.lane = lane;
  group.context = SegmentContext{};
  group.segments.clear();
  group_index_[lane] = static_cast<int>(group_count_);
  ++group_count_;
  if (lane == 0 && group_count_ > 1) {
    // Lane 0's group is written first, where the packet's context already is lane 0 (no
    // select-lane frame): move it to the front, keeping the others in order of first use.
    std::rotate(groups_.begin(), groups_.begin() + static_cast<std::ptrdiff_t>(group_count_ - 1),
                groups_.begin() + static_cast<std::ptrdiff_t>(group_count_));
    for (size_t g = 0; g < group_count_; ++g)
      group_index_[groups_[g].lane] = static_cast<int>(g);
    return groups_[0];
  }
  return group;
}

size_t PacketAssembler::roomFor(uint32_t lane, size_t budget) const {
  // Lane 0's group is written first, where the packet's context already is lane 0.
  const bool has_group = lane < group_index_.size() && group_index_[lane] >= 0;
  const size_t select_bytes = has_group || lane == 0 ? 0 : selectLaneFrameBytes(lane);
  return budget > select_bytes ? budget - select_bytes : 0;
}

void PacketAssembler::place(uint32_t lane, OutgoingSegment segment, size_t& budget) {
  const bool new_group = groupOf(lane) == nullptr;
  const size_t select_bytes = new_group && lane != 0 ? selectLaneFrameBytes(lane) : 0;
  LaneGroup& group = openGroup(lane);
  const size_t cost = select_bytes + segmentCost(segment);
  if (cost > budget) {
    OPENGNS_BUG("packet assembler: lane ", lane, " segment of ", cost, " bytes over budget ",
                budget);
  }
  budget -= std::min(cost, budget);
  group.context.noteSegment(segment);
  group.segments.push_back(std::move(segment));
}

void PacketAssembler::addResends(std::span<const std::unique_ptr<SendLane>> lanes, size_t& budget,
                                 bool& closed) {
  // §4.3: resends first, whatever the lane priorities; lanes in number order, each lane's
  // in stream order (the stream keeps its resend queue sorted).
  for (uint32_t lane = 0; lane < lanes.size() && !closed; ++lane) {
    SendLane& send_lane = *lanes[lane];
    while (send_lane.stream().pendingResend()) {
      if (budget <= kMinResendRoomBytes) {
        closed = true;
        break;
      }
      LaneGroup* group = groupOf(lane);
      const SegmentContext context = group != nullptr ? group->context : SegmentContext{};
      std::optional<OutgoingSegment> segment = send_lane.nextResend(roomFor(lane, budget), context);
      if (!segment) {
        closed = true;  // as the reference: no new data after a resend that did not fit
        break;
      }
      const bool fills = segment->fills_budget;
      place(lane, std::move(*segment), budget);
      if (fills) {
        closed = true;
        break;
      }
    }
  }
}

void PacketAssembler::addNewData(std::span<const std::unique_ptr<SendLane>> lanes,
                                 LaneScheduler& scheduler, size_t& budget, bool closed) {
  while (!closed && budget > kMinNewDataRoomBytes) {
    const std::optional<uint32_t> picked = scheduler.pickLane();
    if (!picked) break;
    const uint32_t lane = *picked;
    if (lane >= lanes.size()) {
      OPENGNS_BUG("packet assembler: scheduler picked lane ", lane, " of ", lanes.size());
      break;
    }
    LaneGroup* group = groupOf(lane);
    const SegmentContext context = group != nullptr ? group->context : SegmentContext{};
    std::optional<OutgoingSegment> segment =
        lanes[lane]->nextSegment(roomFor(lane, budget), context);
    // Nothing fits (or the rare §1.4 "+1" case of send_lane.h): the packet is closed, as
    // the reference does when the next message does not fit.
    if (!segment) break;
    scheduler.onPlaced(lane, segment->scheduled_bytes, segment->messages_completed);
    closed = segment->fills_budget;
    place(lane, std::move(*segment), budget);
  }
}

bool PacketAssembler::encode(const PacketAssemblyInput& input,
                             std::span<const std::unique_ptr<SendLane>> lanes,
                             AssembledPacket& packet) {
  frames_.clear();
  frames_.push_back(wire::StopWaitingFrame{input.stop_value, 1});
  if (packet.ack) frames_.push_back(*packet.ack);

  // Reliable data is copied out of the streams into one buffer sized up front, so the
  // spans the frames hold stay valid.
  size_t reliable_total = 0;
  for (size_t g = 0; g < group_count_; ++g) {
    for (const OutgoingSegment& segment : groups_[g].segments) {
      if (segment.reliable) reliable_total += static_cast<size_t>(segment.dataBytes());
    }
  }
  reliable_bytes_.resize(reliable_total);
  size_t reliable_used = 0;

  for (size_t g = 0; g < group_count_; ++g) {
    const LaneGroup& group = groups_[g];
    if (group.lane != 0) frames_.push_back(wire::SelectLaneFrame{group.lane, false});
    for (const OutgoingSegment& segment : group.segments) {
      if (segment.reliable) {
        const size_t size = static_cast<size_t>(segment.dataBytes());
        MutableByteSpan out(reliable_bytes_.data() + reliable_used, size);
        if (!lanes[group.lane]->stream().copyBytes(segment.stream_begin, segment.stream_end, out)) {
          OPENGNS_BUG("packet assembler: lane ", group.lane, " stream bytes [",
                      segment.stream_begin, ", ", segment.stream_end, ") not held");
          return false;
        }
        wire::ReliableSegmentFrame frame;
        frame.lane = group.lane;
        frame.stream_position = segment.stream_begin;
        frame.data = ByteSpan(out.data(), out.size());
        frames_.push_back(frame);
        reliable_used += size;
      } else {
        wire::UnreliableSegmentFrame frame;
        frame.lane = group.lane;
        frame.message_number = segment.message_number;
        frame.offset_bytes = segment.offset_bytes;
        frame.is_last = segment.is_last;
        frame.data = segment.data;
        frames_.push_back(frame);
      }
    }
  }
  wire::applyReferenceEncoding(frames_, input.packet_number);
  packet.plaintext.clear();
  packet.plaintext.reserve(input.max_plaintext_bytes);
  const absl::Status status =
      wire::appendSnpFrames(frames_, wire::SnpEncodeContext{input.packet_number}, packet.plaintext);
  if (!status.ok()) {
    OPENGNS_BUG("packet assembler: packet ", input.packet_number,
                " does not encode: ", status.message());
    return false;
  }
  if (packet.plaintext.size() > input.max_plaintext_bytes) {
    OPENGNS_BUG("packet assembler: packet ", input.packet_number, " is ", packet.plaintext.size(),
                " bytes, budget ", input.max_plaintext_bytes);
    return false;
  }
  return true;
}

AssembledPacket PacketAssembler::assemble(Usec now, const PacketAssemblyInput& input,
                                          std::span<const std::unique_ptr<SendLane>> lanes,
                                          LaneScheduler& scheduler) {
  AssembledPacket packet;
  packet.packet_number = input.packet_number;
  packet.stop_value = input.stop_value;
  group_count_ = 0;
  group_index_.assign(lanes.size(), -1);

  size_t budget = input.max_plaintext_bytes;
  const size_t stop_bytes = stopWaitingFrameBytes(input.packet_number, input.stop_value);
  budget -= std::min(budget, stop_bytes);
  if (input.acks != nullptr) {
    // The whole frame is sized before any data (ours: the reference reserves room for
    // three blocks and fills in more after the data). Ack frames are at most a few
    // hundred bytes (62 gaps), and prompt, complete acks are what the peer's loss
    // recovery runs on.
    packet.ack = input.acks->buildAckFrame(now, budget);
    if (packet.ack) budget -= std::min(budget, encodedAckFrameBytes(*packet.ack));
  }
  if (input.allow_data) {
    bool closed = false;
    addResends(lanes, budget, closed);
    addNewData(lanes, scheduler, budget, closed);
  }

  bool encoded = encode(input, lanes, packet);
  if (!encoded) {
    // A bug (logged): send control frames only, and give the reliable ranges back to
    // their streams so they go out again; unreliable data is lost.
    for (size_t g = 0; g < group_count_; ++g) {
      for (const OutgoingSegment& segment : groups_[g].segments) {
        if (segment.reliable) {
          lanes[groups_[g].lane]->stream().onLost(segment.stream_begin, segment.stream_end);
        }
      }
      lanes[groups_[g].lane]->releasePlacedPayloads();
    }
    group_count_ = 0;
    encoded = encode(input, lanes, packet);
    if (!encoded) packet.plaintext.clear();
  }

  for (size_t g = 0; g < group_count_; ++g) {
    const LaneGroup& group = groups_[g];
    for (const OutgoingSegment& segment : group.segments) {
      if (segment.reliable) {
        packet.ranges.push_back(SentRange{group.lane, segment.stream_begin, segment.stream_end});
        ++packet.reliable_segments;
        (segment.is_resend ? packet.reliable_resent_bytes : packet.reliable_new_bytes) +=
            segment.dataBytes();
      } else {
        ++packet.unreliable_segments;
        packet.unreliable_bytes += segment.dataBytes();
      }
    }
    lanes[group.lane]->releasePlacedPayloads();
  }
  packet.lane_groups = group_count_;
  return packet;
}

}  // namespace opengns::snp
