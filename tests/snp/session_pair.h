// Test harness: two SnpSessions joined by a transport::SimulatedLink, in virtual time.
//
// Each datagram carries an 8-byte little-endian packet number and the plaintext (no
// crypto and no packet header at this layer; the sessions model the budget themselves).
// The receiving end runs a PacketNumberWindow before its session, as the connection does,
// so duplicated datagrams are dropped there. Every packet a session builds is also
// decoded with the wire decoder on the spot (a failure is a test failure), and its size
// checked against the session's plaintext budget.
//
// Workload: each end has a script of messages (lane, flags, payload) that it sends in
// order as the send buffer allows (a LimitExceeded send is retried at the next pump).
// Every accepted message is remembered by (lane, message number) so that deliveries can
// be checked byte for byte.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "common/bytes.h"
#include "snp/packet_number_window.h"
#include "snp/snp_session.h"
#include "transport/network_simulator.h"
#include "wire/snp_frame_decoder.h"

namespace opengns::snp::testing {

using transport::LinkEnd;
using transport::NetworkConditions;
using transport::SimulatedLink;

// Deterministic payload bytes for a message (seeded by end, lane and an index).
inline Bytes patternBytes(uint64_t seed, size_t size) {
  Bytes bytes(size);
  uint64_t state = seed * 0x9E3779B97F4A7C15ull + 1;
  for (size_t i = 0; i < size; ++i) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    bytes[i] = static_cast<uint8_t>(state);
  }
  return bytes;
}

struct ScriptedMessage {
  uint32_t lane = 0;
  int flags = 0;
  Bytes payload;
};

struct SentRecord {
  Bytes payload;
  bool reliable = false;  // as sent (after the 16,500-byte conversion: see delivered flag)
};

class SessionPair {
 public:
  struct EndState {
    std::unique_ptr<SnpSession> session;
    PacketNumberWindow window{1};
    std::deque<ScriptedMessage> script;
    // (lane, number) -> what was sent
    std::map<std::pair<uint32_t, uint64_t>, SentRecord> sent;
    std::vector<ReceivedMessage> received;
    std::vector<transport::MonotonicUsec> received_at;
    // Hook: called at every pump before sending (tests refill queues here).
    std::function<void(transport::MonotonicUsec now)> on_pump;
    uint64_t packets_built = 0;
    uint64_t decode_checks = 0;
    bool closed = false;
    std::string close_reason;
    ReceiveQueueState app_queue;  // what the receive limits see (tests may set it)
  };

  SessionPair(const SnpConfig& a, const SnpConfig& b, const NetworkConditions& a_to_b,
              const NetworkConditions& b_to_a, uint64_t seed)
      : link_(seed, a_to_b, b_to_a) {
    ends_[0].session = std::make_unique<SnpSession>(a);
    ends_[1].session = std::make_unique<SnpSession>(b);
    ends_[0].window = PacketNumberWindow(initialHighestReceived(b.peer_protocol_version));
    ends_[1].window = PacketNumberWindow(initialHighestReceived(a.peer_protocol_version));
    for (LinkEnd end : {LinkEnd::kA, LinkEnd::kB}) {
      SimulatedLink::Endpoint endpoint;
      endpoint.on_datagram = [this, end](transport::MonotonicUsec now,
                                         const transport::SimulatedDelivery& delivery) {
        onDatagram(end, now, delivery.payload);
      };
      endpoint.next_wake_usec = [this, end]() -> std::optional<transport::MonotonicUsec> {
        const Usec wake = state(end).session->nextWakeTime(link_.nowUsec());
        if (wake == kNever) return std::nullopt;
        return wake;
      };
      endpoint.on_wake = [this, end](transport::MonotonicUsec now) { pump(end, now); };
      link_.setEndpoint(end, std::move(endpoint));
    }
  }

  EndState& state(LinkEnd end) { return ends_[static_cast<size_t>(end)]; }
  SnpSession& session(LinkEnd end) { return *state(end).session; }
  SimulatedLink& link() { return link_; }
  transport::MonotonicUsec now() const { return link_.nowUsec(); }

  void addMessage(LinkEnd end, uint32_t lane, int flags, Bytes payload) {
    state(end).script.push_back(ScriptedMessage{lane, flags, std::move(payload)});
  }

  // Sends what the script allows and every packet the session wants to send now.
  void pump(LinkEnd end, transport::MonotonicUsec now) {
    EndState& s = state(end);
    if (s.closed) return;
    if (s.on_pump) s.on_pump(now);
    while (!s.script.empty()) {
      ScriptedMessage& next = s.script.front();
      Bytes copy = next.payload;
      absl::StatusOr<int64_t> number =
          s.session->sendMessage(now, next.lane, std::move(copy), next.flags);
      if (!number.ok()) {
        if (number.status().code() == absl::StatusCode::kResourceExhausted) break;
        ADD_FAILURE() << "send refused: " << number.status();
        s.script.pop_front();
        continue;
      }
      s.sent[{next.lane, static_cast<uint64_t>(*number)}] =
          SentRecord{std::move(next.payload), (next.flags & kSendReliable) != 0};
      s.script.pop_front();
    }
    sendPackets(end, now);
  }

  void sendPackets(LinkEnd end, transport::MonotonicUsec now) {
    EndState& s = state(end);
    int guard = 0;
    while (s.session->wantsToSend(now)) {
      if (++guard > 10000) {
        ADD_FAILURE() << "session never stops wanting to send";
        return;
      }
      std::optional<OutgoingPacket> packet = s.session->buildPacket(now);
      if (!packet) {
        ADD_FAILURE() << "wantsToSend but no packet";
        return;
      }
      checkDecodes(end, *packet);
      ++s.packets_built;
      Bytes datagram(8);
      for (int i = 0; i < 8; ++i)
        datagram[i] = static_cast<uint8_t>(packet->packet_number >> (8 * i));
      datagram.insert(datagram.end(), packet->plaintext.begin(), packet->plaintext.end());
      link_.send(end, datagram, packet->packet_number);
    }
  }

  // Every packet built must decode with the wire decoder (snp.md §1) and fit the budget.
  void checkDecodes(LinkEnd end, const OutgoingPacket& packet) {
    EndState& s = state(end);
    ++s.decode_checks;
    EXPECT_LE(packet.plaintext.size(), s.session->maxPlaintextBytes());
    wire::SnpDecodeContext context;
    context.packet_number = packet.packet_number;
    context.ack_reference_packet_number =
        state(transport::otherEnd(end)).session->nextPacketNumber();
    absl::StatusOr<std::vector<wire::SnpFrame>> frames =
        wire::decodeSnpFrames(packet.plaintext, context);
    ASSERT_TRUE(frames.ok()) << "packet " << packet.packet_number << ": " << frames.status() << "\n"
                             << toHex(packet.plaintext);
    ASSERT_FALSE(frames->empty());
    EXPECT_TRUE(std::holds_alternative<wire::StopWaitingFrame>(frames->front()));
  }

  void onDatagram(LinkEnd to, transport::MonotonicUsec now, ByteSpan datagram) {
    EndState& s = state(to);
    if (s.closed) return;
    ASSERT_GE(datagram.size(), 8u);
    uint64_t number = 0;
    for (int i = 0; i < 8; ++i)
      number |= uint64_t{datagram[i]} << (8 * i);
    if (s.window.check(number) != PacketNumberWindow::Verdict::kAcceptable) return;
    const size_t before = s.received.size();
    ReceiveOutcome outcome = s.session->receivePacket(now, number, datagram.subspan(8),
                                                      AckUrgency::kNone, s.app_queue, s.received);
    for (size_t i = before; i < s.received.size(); ++i)
      s.received_at.push_back(now);
    if (outcome.action == ReceiveOutcome::Action::kClose) {
      s.closed = true;
      s.close_reason = outcome.debug;
      ADD_FAILURE() << "session closed: " << outcome.debug;
      return;
    }
    EXPECT_TRUE(s.window.markReceived(number).ok());
    pump(to, now);
  }

  // Starts both ends (sends what their scripts allow) and runs until idle.
  bool run(size_t max_steps = SimulatedLink::kDefaultMaxSteps) {
    pump(LinkEnd::kA, now());
    pump(LinkEnd::kB, now());
    return link_.runUntilIdle(max_steps);
  }
  bool runUntil(transport::MonotonicUsec deadline) {
    pump(LinkEnd::kA, now());
    pump(LinkEnd::kB, now());
    return link_.runUntil(deadline);
  }

  // Checks what `to` received against what the other end sent: reliable messages of each
  // lane exactly once, in order, byte-identical, and all of them; unreliable ones at most
  // once and whole. Returns the number of unreliable messages delivered.
  size_t verifyDelivery(LinkEnd to, bool expect_all_reliable = true) {
    const EndState& receiver = state(to);
    const EndState& sender = state(transport::otherEnd(to));
    std::map<uint32_t, uint64_t> last_reliable;  // lane -> number
    std::map<std::pair<uint32_t, uint64_t>, int> seen;
    size_t unreliable = 0;
    for (const ReceivedMessage& message : receiver.received) {
      const auto key = std::make_pair(message.lane, message.message_number);
      auto it = sender.sent.find(key);
      if (it == sender.sent.end()) {
        ADD_FAILURE() << "lane " << message.lane << " message " << message.message_number
                      << " was never sent";
        continue;
      }
      EXPECT_EQ(++seen[key], 1) << "lane " << message.lane << " message " << message.message_number
                                << " delivered twice";
      EXPECT_TRUE(message.data == it->second.payload)
          << "lane " << message.lane << " message " << message.message_number << " differs ("
          << message.data.size() << " vs " << it->second.payload.size() << " bytes)";
      if (message.reliable) {
        EXPECT_GT(message.message_number, last_reliable[message.lane])
            << "lane " << message.lane << " out of order";
        last_reliable[message.lane] = message.message_number;
      } else {
        EXPECT_FALSE(it->second.reliable) << "reliable message delivered as unreliable";
        EXPECT_LE(message.data.size(), kMaxUnreliableMessageBytes);
        ++unreliable;
      }
    }
    if (expect_all_reliable) {
      for (const auto& [key, record] : sender.sent) {
        const bool reliable = record.reliable || record.payload.size() > kMaxUnreliableMessageBytes;
        if (reliable) {
          EXPECT_EQ(seen.count(key), 1u)
              << "reliable lane " << key.first << " message " << key.second << " never arrived";
        }
      }
    }
    return unreliable;
  }

 private:
  SimulatedLink link_;
  EndState ends_[2];
};

}  // namespace opengns::snp::testing
