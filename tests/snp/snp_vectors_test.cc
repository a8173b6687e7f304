// Every data packet of the 13 recorded UDP sessions, per direction, through the SNP
// receive path: decode each plaintext into frames (snp.md §1), encode the frames again
// (both in their recorded wire form and in the reference encoder's form) and compare
// with the captured bytes, feed the segments to per-lane ReliableStreamReceiver and
// UnreliableReassembler, and compare the messages they deliver with what the receiving
// application logged (app_messages.json `recv` events; chat_session: the peer's `send`
// events). Ack frames are checked against the capture too: every packet an ack claims
// was received must have been sent (and, in lossy_session, not dropped by the client).
//
// lanes_many_session idx 10 carries the reference's truncated select-lane (snp.md 1.9):
// it must be rejected with an error naming it; the receiver closed there.
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <variant>

#include "recorded_deliveries.h"
#include "snp/reliable_stream_receiver.h"
#include "snp/unreliable_reassembler.h"
#include "support/recorded_session.h"
#include "support/vectors.h"
#include "wire/snp_frame_decoder.h"
#include "wire/snp_frame_encoder.h"
#include "wire/snp_frames.h"

namespace opengns::snp {
namespace {

using nlohmann::json;
namespace vt = opengns::testing;

// The receive side of one direction: per-lane stream receivers and reassemblers.
struct ReceiveSide {
  std::map<uint32_t, ReliableStreamReceiver> streams;
  std::map<uint32_t, UnreliableReassembler> unreliable;
  std::vector<ReceivedMessage> delivered;
  bool closed = false;

  ReliableStreamReceiver& stream(uint32_t lane) {
    return streams.try_emplace(lane, lane).first->second;
  }
  UnreliableReassembler& reassembler(uint32_t lane) {
    return unreliable.try_emplace(lane, lane).first->second;
  }
  wire::LaneDecodeReferences references(uint32_t lane) {
    const ReliableStreamReceiver& s = stream(lane);
    return {s.highestMessageNumber(), s.expectPosition()};
  }
};

struct Stats {
  size_t packets = 0;
  size_t frames = 0;
  std::map<std::string, size_t> by_type;
  size_t messages = 0;
  size_t ack_packets_checked = 0;
};

const char* frameType(const wire::SnpFrame& frame) {
  static const char* kNames[] = {"unreliable", "reliable", "stop-waiting", "ack", "select-lane"};
  return kNames[frame.index()];
}

class SnpVectorsTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SnpVectorsTest, DecodeReencodeAndDeliver) {
  OPENGNS_REQUIRE_SHARED();
  const std::string session = GetParam();
  const json packets_doc = vt::loadJson(vt::vectorsDir() / (session + ".packets.json"));
  const json messages_doc = vt::loadJson(vt::vectorsDir() / (session + ".app_messages.json"));
  ASSERT_TRUE(packets_doc.contains("packets"));

  // lossy_session: server packets the client's fake loss discarded (never processed).
  std::set<uint64_t> client_dropped_s2c;

  std::map<std::string, ReceiveSide> sides;            // by direction of the packets received
  std::map<std::string, std::set<uint64_t>> captured;  // packet numbers sent, by direction
  std::map<std::string, uint64_t> highest_number = {{"c2s", 1}, {"s2c", 1}};
  // Highest `latest` each receiver has processed from the other side's acks: the acked
  // side's S_sender (§3.5), keyed by the direction of the packets carrying the acks.
  std::map<std::string, uint64_t> sender_stop = {{"c2s", 0}, {"s2c", 0}};
  Stats stats;
  bool saw_malformed = false;

  for (const json& packet : packets_doc["packets"]) {
    if (packet["kind"] != "data") continue;
    const size_t index = packet["index"].get<size_t>();
    const std::string dir = packet["direction"].get<std::string>();
    const std::string other = dir == "c2s" ? "s2c" : "c2s";
    const uint64_t number = packet["full_packet_number"].get<uint64_t>();
    SCOPED_TRACE(session + " idx " + std::to_string(index) + " " + dir + " packet " +
                 std::to_string(number));
    const bool dropped_by_receiver =
        dir == "s2c" && packet.value("client_fake_loss_recv_dropped", false);
    if (dropped_by_receiver) client_dropped_s2c.insert(number);
    ASSERT_TRUE(captured[dir].insert(number).second) << "duplicate packet number";

    const Bytes plaintext = vt::recordedPlaintext(packet);
    ReceiveSide& side = sides[dir];
    wire::SnpDecodeContext context;
    context.packet_number = number;
    context.ack_reference_packet_number = highest_number[other] + 1;
    context.lane_references = [&side](uint32_t lane) { return side.references(lane); };
    highest_number[dir] = std::max(highest_number[dir], number);

    auto frames = wire::decodeSnpFrames(plaintext, context);
    if (session == "lanes_many_session" && index == 10) {
      ASSERT_FALSE(frames.ok()) << "the truncated select-lane decoded";
      const std::string message(frames.status().message());
      EXPECT_NE(message.find("truncated select-lane"), std::string::npos) << message;
      EXPECT_NE(message.find("select-lane frame at offset 7 (8f 50"), std::string::npos) << message;
      std::cout << "[ lanes_many_session idx 10 ] rejected: " << message << "\n";
      side.closed = true;  // the reference receiver closed the connection here
      saw_malformed = true;
      continue;
    }
    ASSERT_TRUE(frames.ok()) << frames.status();
    ++stats.packets;
    stats.frames += frames->size();
    for (const auto& frame : *frames)
      ++stats.by_type[frameType(frame)];

    // Re-encode: as decoded, then with the reference encoder's choices.
    auto encoded = wire::encodeSnpFrames(*frames, {number});
    ASSERT_TRUE(encoded.ok()) << encoded.status();
    EXPECT_EQ(toHex(*encoded), toHex(plaintext));
    std::vector<wire::SnpFrame> reference = *frames;
    wire::applyReferenceEncoding(reference, number);
    auto reencoded = wire::encodeSnpFrames(reference, {number});
    ASSERT_TRUE(reencoded.ok()) << reencoded.status();
    EXPECT_EQ(toHex(*reencoded), toHex(plaintext)) << "not in the reference encoder's form";

    if (dropped_by_receiver || side.closed) continue;

    for (const auto& frame : *frames) {
      if (const auto* ack = std::get_if<wire::AckFrame>(&frame)) {
        // Every packet this ack says was received was sent before (and processed).
        auto check = [&](uint64_t begin, uint64_t end) {
          for (uint64_t n = std::max<uint64_t>(begin, 2); n < end; ++n) {
            EXPECT_TRUE(captured[other].count(n)) << "acks unsent packet " << n;
            EXPECT_FALSE(other == "s2c" && client_dropped_s2c.count(n))
                << "acks packet " << n << " that the client dropped";
          }
        };
        for (const wire::AckBlock& block : ack->blocks)
          check(block.acked_begin, block.acked_end);
        const wire::PacketRange implicit = wire::implicitAckedRange(*ack, sender_stop[dir]);
        check(implicit.begin, implicit.end);
        sender_stop[dir] = std::max(sender_stop[dir], ack->latest_packet_number);
        ++stats.ack_packets_checked;
      } else if (const auto* seg = std::get_if<wire::ReliableSegmentFrame>(&frame)) {
        const absl::Status status =
            side.stream(seg->lane).receiveSegment(seg->stream_position, seg->data, side.delivered);
        ASSERT_TRUE(status.ok()) << status;
      } else if (const auto* seg = std::get_if<wire::UnreliableSegmentFrame>(&frame)) {
        side.stream(seg->lane).noteMessageNumber(seg->message_number);
        auto result = side.reassembler(seg->lane).receiveSegment(
            seg->message_number, seg->offset_bytes, seg->is_last, seg->data);
        ASSERT_TRUE(result.outcome == UnreliableReassembler::Outcome::kDelivered ||
                    result.outcome == UnreliableReassembler::Outcome::kStored)
            << "unreliable segment not taken: " << static_cast<int>(result.outcome);
        if (result.message) side.delivered.push_back(*std::move(result.message));
      }
    }
  }
  EXPECT_EQ(saw_malformed, session == "lanes_many_session");

  // Expected deliveries: what the receiving application logged (recorded_deliveries.h).
  for (const std::string dir : {"c2s", "s2c"})
    stats.messages +=
        testing::expectRecordedDeliveries(session, messages_doc, dir, sides[dir].delivered);
  std::string types;
  for (const auto& [type, count] : stats.by_type)
    types += " " + type + "=" + std::to_string(count);
  std::cout << "[ " << session << " ] " << stats.packets << " packets, " << stats.frames
            << " frames (" << types << " ), " << stats.messages << " messages matched, "
            << stats.ack_packets_checked << " acks checked\n";
  EXPECT_GT(stats.messages, 0u);
}

INSTANTIATE_TEST_SUITE_P(AllUdpSessions, SnpVectorsTest,
                         ::testing::ValuesIn(opengns::testing::udpSessionNames()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace opengns::snp
