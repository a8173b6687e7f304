// Builds the plaintext of one outgoing data packet (snp.md §8.3): stop-waiting, the ack
// frame, queued resends, then new data picked by lane priority and fair queueing, with
// the segments grouped by lane behind select-lane frames.
//
// Why it exists: the packet layout has rules of its own, separate from the bookkeeping
// of the session: control frames first (a size-code-7 segment must be the last frame,
// §1.3), one segment context per lane group (§1.4), reliable segments of a lane in
// increasing stream order (unsigned gaps, §1.6), resends before new data (§4.3), and the
// plaintext budget (§5.1) never exceeded.
//
// What it guarantees for every packet it returns:
//  - the plaintext decodes with wire::decodeSnpFrames (it is written by the wire encoder
//    in the reference encoder's forms: wire::applyReferenceEncoding) and is at most
//    `max_plaintext_bytes` long;
//  - frame order: stop-waiting (always), the ack frame (when the ack tracker has one that
//    fits; its blocks are sized before any data so acks are never crowded out), lane 0's
//    segments, then each other lane's segments behind one select-lane frame (the full
//    var-int form for lanes 0 and 8-255, never the reference's truncated one, §1.9);
//  - within a lane: resends first, in stream order, then new data in queue order; the
//    last frame of the packet uses size code 7, every other segment an explicit size;
//  - `ranges` lists every reliable stream range the plaintext carries (for
//    SentPacketTracker::onPacketSent): nothing more, nothing less.
// Budget accounting: a segment costs its header, one size byte and its data, except one
// cut to fill the budget exactly (OutgoingSegment::fills_budget, no size byte). Only one
// frame is written without a size byte (the last); if the segment cut to fill the budget
// ends up before another lane's group, it gains the size byte that the (then last)
// segment loses, so the total is the same.
//
// Policy (LOCAL, ours where it differs from the reference): a resend is re-cut to the
// room left rather than ending the packet when it does not fit whole; after a maximum-size
// reliable segment the packet is still filled with other data; data placement ignores
// Nagle deadlines (whether a packet goes out is the session's decision; once it does, it
// takes whatever is queued).
//
// Not thread-safe; owned by SnpSession, called under the connection's lock. The
// assembler keeps scratch buffers between calls so that steady state does not allocate.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "common/bytes.h"
#include "snp/ack_tracker.h"
#include "snp/lane_scheduler.h"
#include "snp/send_lane.h"
#include "snp/sent_packet_tracker.h"
#include "snp/time.h"
#include "wire/snp_frames.h"

namespace opengns::snp {

// §8.3: new data is added while more than this many bytes are left; resends while more
// than kMinResendRoomBytes are left.
inline constexpr size_t kMinNewDataRoomBytes = 4;
inline constexpr size_t kMinResendRoomBytes = 2;

// Bytes of the stop-waiting frame (§1.7) carrying `stop_value` in packet `packet_number`:
// lead byte plus the smallest field (1, 2, 3 or 8 bytes).
size_t stopWaitingFrameBytes(uint64_t packet_number, uint64_t stop_value);
// Bytes of the select-lane frame (§1.9) we write for `lane`: 1 for lanes 1-7, else the
// escape byte plus the full var-int.
size_t selectLaneFrameBytes(uint32_t lane);

struct PacketAssemblyInput {
  uint64_t packet_number = 0;
  size_t max_plaintext_bytes = 0;
  // S_sender for the stop-waiting frame; must be below packet_number.
  uint64_t stop_value = 0;
  // Source of the ack frame; nullptr: no ack frame.
  const AckTracker* acks = nullptr;
  // False: stop-waiting and ack only (not connected, or the congestion window is full).
  bool allow_data = true;
};

struct AssembledPacket {
  uint64_t packet_number = 0;
  Bytes plaintext;
  std::vector<SentRange> ranges;      // reliable ranges placed, resends included
  std::optional<wire::AckFrame> ack;  // the ack frame written (AckTracker::onAckSent)
  uint64_t stop_value = 0;
  size_t reliable_segments = 0;
  size_t unreliable_segments = 0;
  size_t lane_groups = 0;  // lanes with segments in the packet
  uint64_t reliable_new_bytes = 0;
  uint64_t reliable_resent_bytes = 0;
  uint64_t unreliable_bytes = 0;

  bool carriesData() const { return reliable_segments + unreliable_segments != 0; }
  bool carriesReliableData() const { return reliable_segments != 0; }
};

class PacketAssembler {
 public:
  // `lanes[i]` is lane i's send side (non-null); `scheduler` is configured for
  // lanes.size() lanes and has been told of every queued message (onQueued). The
  // assembler takes segments from the lanes and reports new data to the scheduler
  // (onPlaced). The bytes of unreliable segments are released from the lanes once the
  // plaintext is written.
  AssembledPacket assemble(Usec now, const PacketAssemblyInput& input,
                           std::span<const std::unique_ptr<SendLane>> lanes,
                           LaneScheduler& scheduler);

 private:
  struct LaneGroup {
    uint32_t lane = 0;
    SegmentContext context;
    std::vector<OutgoingSegment> segments;
  };

  // The group of `lane`, or nullptr if the lane has no segment in this packet yet.
  LaneGroup* groupOf(uint32_t lane);
  LaneGroup& openGroup(uint32_t lane);
  // Room for a segment of `lane` once its select-lane frame (if the group is new) is paid.
  size_t roomFor(uint32_t lane, size_t budget) const;
  void place(uint32_t lane, OutgoingSegment segment, size_t& budget);
  void addResends(std::span<const std::unique_ptr<SendLane>> lanes, size_t& budget, bool& closed);
  void addNewData(std::span<const std::unique_ptr<SendLane>> lanes, LaneScheduler& scheduler,
                  size_t& budget, bool closed);
  // Writes the frames into packet.plaintext; false (and nothing written) on an encoder
  // error, which is a bug.
  bool encode(const PacketAssemblyInput& input, std::span<const std::unique_ptr<SendLane>> lanes,
              AssembledPacket& packet);

  std::vector<LaneGroup> groups_;  // in order of first use; reused between packets
  size_t group_count_ = 0;         // groups_[0, group_count_) are in use
  std::vector<int> group_index_;   // lane -> index in groups_, -1 if none
  std::vector<wire::SnpFrame> frames_;
  Bytes reliable_bytes_;  // the reliable segments' data, copied from the streams
};

}  // namespace opengns::snp
