// The SNP receive state of one direction, as the receiving endpoint would hold it:
// per lane a reliable stream receiver and an unreliable reassembler (created on demand,
// as the spec requires for any lane 0-255), plus the stop value that the receiver's acks
// are read against. The dump feeds it every decoded frame in capture order, so it sees
// what the real receiver saw (minus packets lost before the capture point).
//
// Memory is bounded by the snp layer's limits: at most 1 MiB buffered per lane stream
// and 20 stored unreliable pieces per lane.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "packet_report.h"
#include "snp/reliable_stream_receiver.h"
#include "snp/unreliable_reassembler.h"
#include "wire/snp_frame_decoder.h"

namespace opengns::tools {

class SnpReceiveState {
 public:
  // What decodeSnpFrames needs to expand truncated numbers on `lane`.
  wire::LaneDecodeReferences referencesFor(uint32_t lane) const;

  // Applies the frames of one packet, in order: fills each frame's notes, acked ranges
  // and completed messages, and appends reassembly errors to `errors`.
  void apply(std::vector<FrameReport>& frames, std::vector<std::string>& errors);

 private:
  struct Lane {
    explicit Lane(uint32_t lane) : reliable(lane), unreliable(lane) {}
    snp::ReliableStreamReceiver reliable;
    snp::UnreliableReassembler unreliable;
  };

  Lane& lane(uint32_t lane_number);
  void applyReliable(const wire::ReliableSegmentFrame& segment, FrameReport& report,
                     std::vector<std::string>& errors);
  void applyUnreliable(const wire::UnreliableSegmentFrame& segment, FrameReport& report);

  std::map<uint32_t, Lane> lanes_;
  // The highest `latest` of the acks seen in this direction so far: the stop value of
  // the endpoint that receives them (snp.md §3.5), below which an ack's implicit final
  // block does not reach.
  uint64_t ack_receiver_stop_value_ = 0;
};

}  // namespace opengns::tools
