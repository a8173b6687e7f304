// Every recorded UDP session of ../shared/vectors replayed into two SnpSessions, the whole
// receive path of our engine (snp_vectors_test.cc drives the receive parts one by one):
// one session receives the client's packets as the server did, the other the server's as
// the client did, each packet at its capture time and with its recorded plaintext,
// unchanged. Acks in those packets name packet numbers of the other direction, so each
// session also "sends" that direction: when the capture shows the peer's packet N, the
// session builds its own packets up to number N (stop-waiting and ack only; they go
// nowhere). Checked:
//   - every packet is accepted (Acked), except lanes_many_session idx 10, the reference's
//     truncated select-lane for lane 8 (snp.md 1.9), which must close the connection;
//     packets the client's fake loss discarded in lossy_session are not fed to it;
//   - the messages delivered are exactly the ones the receiving application logged, per
//     lane, in order (lossy_session: acks with blocks and retransmissions; lanes_session:
//     the reference's lane scheduling; fragment_session: up to 512 KiB);
//   - every packet our sessions built decodes with the wire decoder, and its ack frame
//     acks only packets that session really processed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "common/log.h"
#include "recorded_deliveries.h"
#include "snp/snp_session.h"
#include "support/recorded_session.h"
#include "support/vectors.h"
#include "wire/snp_frame_decoder.h"
#include "wire/snp_frames.h"

namespace opengns::snp {
namespace {

using nlohmann::json;
namespace vt = opengns::testing;

// Sessions whose crypt info negotiated AES-256-GCM (vectors README): the tag counts in
// the packet budget; nothing else differs for the SNP layer.
bool encrypted(const std::string& session) {
  return session == "encrypted_session" || session == "chat_session";
}

// One end of the recorded connection, played by an SnpSession: it receives the packets of
// `receive_dir` and builds its own packets in the other direction.
struct Side {
  explicit Side(const SnpConfig& config) : session(config) {}

  SnpSession session;
  std::vector<ReceivedMessage> delivered;
  std::set<uint64_t> processed;  // peer packet numbers fed to the session
  uint64_t peer_stop = 0;        // highest stop-waiting value the peer sent us
  uint64_t highest_built = 1;    // our packets: data starts at 2 (protocol >= 10)
  bool closed = false;
  size_t built = 0;
  size_t acks_checked = 0;

  // Builds our packets up to `number`, the one the capture shows now.
  void buildUpTo(Usec now, uint64_t number) {
    BuildOptions options;
    options.allow_data = false;
    while (highest_built < number) {
      std::optional<OutgoingPacket> packet = session.buildPacket(now, options);
      ASSERT_TRUE(packet.has_value()) << "no packet built for number " << highest_built + 1;
      ASSERT_EQ(packet->packet_number, highest_built + 1);
      highest_built = packet->packet_number;
      ++built;
      checkBuilt(*packet);
    }
  }

  // Our packet decodes, and its ack names only packets we processed.
  void checkBuilt(const OutgoingPacket& packet) {
    wire::SnpDecodeContext context;
    context.packet_number = packet.packet_number;
    context.ack_reference_packet_number = processed.empty() ? 2 : *processed.rbegin() + 1;
    absl::StatusOr<std::vector<wire::SnpFrame>> frames =
        wire::decodeSnpFrames(packet.plaintext, context);
    ASSERT_TRUE(frames.ok()) << "our packet " << packet.packet_number << ": " << frames.status();
    for (const wire::SnpFrame& frame : *frames) {
      const auto* ack = std::get_if<wire::AckFrame>(&frame);
      if (ack == nullptr) continue;
      auto expectProcessed = [&](uint64_t begin, uint64_t end) {
        for (uint64_t n = std::max<uint64_t>(begin, 2); n < end; ++n) {
          EXPECT_TRUE(processed.count(n))
              << "our packet " << packet.packet_number << " acks " << n << ", never processed";
        }
      };
      expectProcessed(ack->latest_packet_number, ack->latest_packet_number + 1);
      for (const wire::AckBlock& block : ack->blocks)
        expectProcessed(block.acked_begin, block.acked_end);
      const wire::PacketRange implicit = wire::implicitAckedRange(*ack, peer_stop);
      expectProcessed(implicit.begin, implicit.end);
      ++acks_checked;
    }
  }

  void noteStopWaiting(ByteSpan plaintext, uint64_t number) {
    wire::SnpDecodeContext context;
    context.packet_number = number;
    context.ack_reference_packet_number = highest_built + 1;
    // Without the lanes' receive state, later segment positions may decode differently;
    // the stop-waiting frame does not depend on them.
    absl::StatusOr<std::vector<wire::SnpFrame>> frames = wire::decodeSnpFrames(plaintext, context);
    if (!frames.ok()) return;  // the session reports it
    for (const wire::SnpFrame& frame : *frames) {
      if (const auto* stop = std::get_if<wire::StopWaitingFrame>(&frame))
        peer_stop = std::max(peer_stop, stop->stop_packet_number);
    }
  }
};

class SnpSessionVectorsTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SnpSessionVectorsTest, RecordedPacketsYieldTheRecordedMessages) {
  OPENGNS_REQUIRE_SHARED();
  const uint64_t bugs_before = bugCount();
  const std::string session_name = GetParam();
  const json packets_doc = vt::loadJson(vt::vectorsDir() / (session_name + ".packets.json"));
  const json messages_doc = vt::loadJson(vt::vectorsDir() / (session_name + ".app_messages.json"));

  SnpConfig config;
  config.cipher_tag_bytes = encrypted(session_name) ? kAesGcmTagBytes : 0;
  // The server side receives c2s and builds s2c; the client side the reverse.
  std::map<std::string, Side> sides;
  sides.try_emplace("c2s", config);
  sides.try_emplace("s2c", config);

  double t0 = -1;
  Usec now = 0;
  size_t accepted = 0;
  bool saw_malformed = false;
  for (const json& packet : packets_doc["packets"]) {
    if (packet["kind"] != "data") continue;
    const size_t index = packet["index"].get<size_t>();
    const std::string dir = packet["direction"].get<std::string>();
    const uint64_t number = packet["full_packet_number"].get<uint64_t>();
    SCOPED_TRACE(session_name + " idx " + std::to_string(index) + " " + dir + " packet " +
                 std::to_string(number));
    const double t = packet["t_pcap"].get<double>();
    if (t0 < 0) t0 = t;
    now = std::max(now, static_cast<Usec>(std::llround((t - t0) * 1e6)) + kUsecPerSec);

    // The sender of this packet is the other side's session: it "sends" up to `number`.
    Side& sender = sides.at(dir == "c2s" ? "s2c" : "c2s");
    if (!sender.closed) sender.buildUpTo(now, number);
    if (::testing::Test::HasFatalFailure()) return;

    Side& receiver = sides.at(dir);
    if (receiver.closed) continue;
    if (dir == "s2c" && packet.value("client_fake_loss_recv_dropped", false)) continue;
    const Bytes plaintext = vt::recordedPlaintext(packet);
    receiver.noteStopWaiting(plaintext, number);
    const ReceiveOutcome outcome = receiver.session.receivePacket(
        now, number, plaintext, AckUrgency::kNone, ReceiveQueueState{}, receiver.delivered);
    if (session_name == "lanes_many_session" && index == 10) {
      EXPECT_EQ(outcome.action, ReceiveOutcome::Action::kClose);
      EXPECT_EQ(outcome.end_reason, ConnectionEnd::kMiscInternalError);
      EXPECT_NE(outcome.debug.find("truncated select-lane"), std::string::npos) << outcome.debug;
      receiver.closed = true;  // the reference receiver closed the connection here too
      saw_malformed = true;
      continue;
    }
    ASSERT_EQ(outcome.action, ReceiveOutcome::Action::kAcked) << outcome.debug;
    receiver.processed.insert(number);
    ++accepted;
  }
  EXPECT_EQ(saw_malformed, session_name == "lanes_many_session");
  // One last ack each way: it must still name only packets that were processed.
  for (auto& [dir, side] : sides) {
    if (!side.closed) side.buildUpTo(now, side.highest_built + 1);
  }

  size_t compared = 0;
  for (const std::string dir : {"c2s", "s2c"})
    compared +=
        testing::expectRecordedDeliveries(session_name, messages_doc, dir, sides.at(dir).delivered);
  EXPECT_GT(compared, 0u);
  EXPECT_GT(sides.at("c2s").acks_checked + sides.at("s2c").acks_checked, 0u);
  // Nothing the peer sent is left half-assembled in a reliable stream.
  for (auto& [dir, side] : sides) {
    if (side.closed) continue;
    EXPECT_EQ(side.session.memoryUsage().recv_stream_buffered_bytes, 0u) << dir;
  }
  EXPECT_EQ(bugCount(), bugs_before);
  std::cout << "[ " << session_name << " ] " << accepted << " packets accepted, " << compared
            << " messages matched, " << sides.at("s2c").built + sides.at("c2s").built
            << " packets built and decoded\n";
}

INSTANTIATE_TEST_SUITE_P(AllUdpSessions, SnpSessionVectorsTest,
                         ::testing::ValuesIn(opengns::testing::udpSessionNames()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace opengns::snp
