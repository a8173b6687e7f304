// Test double of the connection's DataPlane: a tiny reliable-message protocol with just
// enough behaviour to exercise the state machine (acks on request, retransmission,
// pending reliable data for Linger, a fatal frame). Not SNP: its plaintext format is
//   'F' | u8 ack count | ack count x u64 acked packet number
//       | u8 message count | per message: u64 id, u8 reliable, u16 length, bytes
// (little-endian). A message whose payload is "FATAL" makes the receiver fail (5002).
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/byte_reader.h"
#include "common/byte_writer.h"
#include "connection/data_plane.h"

namespace opengns::connection::testing_util {

inline constexpr snp::Usec kFakeDelayedAckUsec = 50 * snp::kUsecPerMsec;
inline constexpr snp::Usec kFakeRetransmitUsec = 100 * snp::kUsecPerMsec;

class FakeDataPlane : public DataPlane {
 public:
  struct Stats {
    int packets_received = 0;
    int packets_built = 0;
  };
  FakeDataPlane(Stats* stats, uint64_t first_packet_number)
      : stats_(stats), next_packet_number_(first_packet_number) {}

  absl::StatusOr<int64_t> sendMessage(snp::Usec /*now*/, ByteSpan payload, int send_flags,
                                      int /*lane*/) override {
    Outgoing m;
    m.id = ++next_id_;
    m.reliable = (send_flags & kSendReliable) != 0;
    m.data.assign(payload.begin(), payload.end());
    queue_.push_back(std::move(m));
    return static_cast<int64_t>(next_id_);
  }

  DataPlaneReceiveResult receivePacket(snp::Usec now, uint64_t packet_number, ByteSpan plaintext,
                                       snp::AckUrgency urgency,
                                       std::vector<snp::ReceivedMessage>& delivered) override {
    ++stats_->packets_received;
    DataPlaneReceiveResult fatal{DataPlaneReceiveResult::Kind::kFatal, 5002, "fake: bad frame"};
    ByteReader r(plaintext);
    uint8_t magic = 0, acks = 0, count = 0;
    if (!r.readU8(magic) || magic != 'F' || !r.readU8(acks)) return fatal;
    for (int i = 0; i < acks; ++i) {
      uint64_t pn = 0;
      if (!r.readU64(pn)) return fatal;
      in_flight_.erase(pn);
    }
    if (!r.readU8(count)) return fatal;
    bool carried_reliable = false;
    for (int i = 0; i < count; ++i) {
      uint64_t id = 0;
      uint8_t reliable = 0;
      uint16_t len = 0;
      ByteSpan bytes;
      if (!r.readU64(id) || !r.readU8(reliable) || !r.readU16(len) || !r.readBytes(len, bytes)) {
        return fatal;
      }
      std::string text(bytes.begin(), bytes.end());
      if (text == "FATAL") return {DataPlaneReceiveResult::Kind::kFatal, 5002, "fake: FATAL frame"};
      if (reliable) {
        carried_reliable = true;
        if (!seen_reliable_.insert(id).second) continue;  // duplicate
      }
      snp::ReceivedMessage m;
      m.message_number = id;
      m.reliable = reliable != 0;
      m.data.assign(bytes.begin(), bytes.end());
      delivered.push_back(std::move(m));
    }
    to_ack_.push_back(packet_number);
    if (urgency == snp::AckUrgency::kImmediate) {
      ack_due_ = now;
    } else if (urgency == snp::AckUrgency::kDelayed || carried_reliable) {
      ack_due_ = std::min(ack_due_.value_or(snp::kNever), now + kFakeDelayedAckUsec);
    }
    return {};
  }

  bool wantsToSend(snp::Usec now) override {
    requeueExpired(now);
    return !queue_.empty() || (ack_due_ && *ack_due_ <= now);
  }

  std::optional<BuiltPacket> buildPacket(snp::Usec now, size_t max_plaintext_bytes,
                                         size_t /*stats_total_bytes*/, bool must_send) override {
    if (!wantsToSend(now) && !must_send) return std::nullopt;
    ++stats_->packets_built;
    BuiltPacket packet;
    const uint64_t packet_number = next_packet_number_++;
    packet.packet_number = packet_number;
    ByteWriter w(packet.plaintext);
    w.writeU8('F');
    const size_t acks = std::min<size_t>(to_ack_.size(), 32);
    w.writeU8(static_cast<uint8_t>(acks));
    for (size_t i = 0; i < acks; ++i)
      w.writeU64(to_ack_[i]);
    to_ack_.erase(to_ack_.begin(), to_ack_.begin() + static_cast<std::ptrdiff_t>(acks));
    if (to_ack_.empty()) ack_due_.reset();
    const size_t count_offset = packet.plaintext.size();
    w.writeU8(0);
    uint8_t count = 0;
    while (!queue_.empty() && count < 255) {
      const Outgoing& m = queue_.front();
      if (packet.plaintext.size() + 11 + m.data.size() > max_plaintext_bytes) break;
      w.writeU64(m.id);
      w.writeU8(m.reliable ? 1 : 0);
      w.writeU16(static_cast<uint16_t>(m.data.size()));
      w.writeBytes(m.data);
      ++count;
      if (m.reliable) {
        packet.carries_reliable = true;
        InFlight& f = in_flight_[packet_number];
        f.sent_at = now;
        f.messages.push_back(m);
      }
      queue_.pop_front();
    }
    packet.plaintext[count_offset] = count;
    return packet;
  }

  snp::Usec nextWakeTime(snp::Usec /*now*/) override {
    snp::Usec wake = ack_due_.value_or(snp::kNever);
    if (!queue_.empty()) return 0;
    for (const auto& [pn, f] : in_flight_)
      wake = std::min(wake, f.sent_at + kFakeRetransmitUsec);
    return wake;
  }

  bool hasPendingReliableData(snp::Usec /*now*/) override {
    if (!in_flight_.empty()) return true;
    return std::any_of(queue_.begin(), queue_.end(), [](const Outgoing& m) { return m.reliable; });
  }
  void discardUnreliableQueue() override {
    std::erase_if(queue_, [](const Outgoing& m) { return !m.reliable; });
  }
  std::optional<snp::Usec> smoothedRttUsec(snp::Usec /*now*/) override { return std::nullopt; }
  void onHandshakeRttSample(snp::Usec /*now*/, snp::Usec rtt_usec) override {
    last_rtt_sample_ = rtt_usec;
  }

 private:
  struct Outgoing {
    uint64_t id = 0;
    bool reliable = false;
    Bytes data;
  };
  struct InFlight {
    snp::Usec sent_at = 0;
    std::vector<Outgoing> messages;
  };

  void requeueExpired(snp::Usec now) {
    for (auto it = in_flight_.begin(); it != in_flight_.end();) {
      if (now >= it->second.sent_at + kFakeRetransmitUsec) {
        for (Outgoing& m : it->second.messages)
          queue_.push_front(std::move(m));
        it = in_flight_.erase(it);
      } else {
        ++it;
      }
    }
  }

  Stats* stats_;
  uint64_t next_packet_number_;
  uint64_t next_id_ = 0;
  std::deque<Outgoing> queue_;
  std::map<uint64_t, InFlight> in_flight_;
  std::set<uint64_t> seen_reliable_;
  std::vector<uint64_t> to_ack_;
  std::optional<snp::Usec> ack_due_;
  std::optional<snp::Usec> last_rtt_sample_;
};

}  // namespace opengns::connection::testing_util
