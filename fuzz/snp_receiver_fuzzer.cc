// Fuzzes the receive path behind the frame decoder across many packets: the input is
// split into plaintexts (each prefixed by a two-byte little-endian length), decoded with the lanes'
// running state, and every segment is fed to the per-lane reliable stream receiver and
// unreliable reassembler. Whatever arrives, reassembly must stay within its limits and
// never crash; a failed stream stays failed.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <variant>
#include <vector>

#include "snp/reliable_stream_receiver.h"
#include "snp/unreliable_reassembler.h"
#include "wire/snp_frame_decoder.h"

namespace {

struct Lane {
  explicit Lane(uint32_t id) : stream(id), unreliable(id) {}
  opengns::snp::ReliableStreamReceiver stream;
  opengns::snp::UnreliableReassembler unreliable;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace opengns;
  std::map<uint32_t, std::unique_ptr<Lane>> lanes;
  auto lane = [&](uint32_t id) -> Lane& {
    auto& slot = lanes[id];
    if (!slot) slot = std::make_unique<Lane>(id);
    return *slot;
  };
  std::vector<snp::ReceivedMessage> delivered;
  uint64_t packet_number = 2;
  for (size_t pos = 0; pos < size; ++packet_number) {
    if (size - pos < 2) break;
    size_t len = data[pos] | size_t{data[pos + 1]} << 8;
    pos += 2;
    if (len > size - pos) len = size - pos;
    ByteSpan plaintext(data + pos, len);
    pos += len;
    wire::SnpDecodeContext context;
    context.packet_number = packet_number;
    context.ack_reference_packet_number = packet_number;
    context.lane_references = [&](uint32_t id) {
      Lane& l = lane(id);
      return wire::LaneDecodeReferences{l.stream.highestMessageNumber(), l.stream.expectPosition()};
    };
    auto frames = wire::decodeSnpFrames(plaintext, context);
    if (!frames.ok()) continue;
    for (const wire::SnpFrame& frame : *frames) {
      if (const auto* r = std::get_if<wire::ReliableSegmentFrame>(&frame)) {
        (void)lane(r->lane).stream.receiveSegment(r->stream_position, r->data, delivered);
      } else if (const auto* u = std::get_if<wire::UnreliableSegmentFrame>(&frame)) {
        Lane& l = lane(u->lane);
        l.stream.noteMessageNumber(u->message_number);
        (void)l.unreliable.receiveSegment(u->message_number, u->offset_bytes, u->is_last, u->data);
      }
    }
    delivered.clear();
  }
  return 0;
}
