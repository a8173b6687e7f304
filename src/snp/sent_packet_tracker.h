// Sender-side bookkeeping of one connection's data packets (snp.md §3.5-§3.7, §4): which
// packet carried which reliable stream ranges, what the peer's ack frames say about each
// packet, when a packet counts as lost, the RTT the acks measure, and the stop value
// (S_sender) our stop-waiting frames advertise.
//
// Loss detection (LOCAL, §4.2; ours is stricter about evidence and faster than the
// reference's RTO of 3 x RTT + 60 ms):
//  - Reordering threshold (RACK-like, RFC 9002 §6.1): an unacked packet sent before an
//    acked one is lost once it is older than max(SRTT, latest RTT) + a reordering window
//    (1/8 of that RTT, widened each time a loss turns out spurious; at least 1 ms), or
//    once 3 later packets are acked (the packet threshold, turned off after the first
//    spurious loss, as RACK does). A nack alone never declares a loss: a GNS receiver
//    nacks a gap after only 3 ms, and lossy_session shows it nacking packets it then
//    received (s2c packets 19 and 35, held back by its 10 ms receive reordering). A
//    GNS ack frame accounts for every packet up to its `latest` (§1.8), so in practice
//    the packets this rule looks at are exactly the nacked ones.
//  - RTO: a packet that carried reliable ranges and is still unacked rtt().rto() after
//    it was sent is lost (checked in send order). Packets without reliable data
//    never time out: a GNS peer schedules no ack for them (§3.2), so silence proves
//    nothing; they are acked or nacked with the peer's next ack, or forgotten (counted
//    as expired, not lost) once older than the record retention below.
//  - Nothing else: no probes, no resends of packets that were not judged lost.
//
// Stop value: the reference advertises S_sender = the highest `latest` processed, which
// makes a nacked packet's later arrival unreportable. We advertise
// min(highest latest, the oldest packet still in flight, the oldest packet lost by the
// reordering threshold less than one RTO ago), never lowered: the peer keeps reporting
// those packets, so a reordered packet gets acked late, which cancels its resends and
// widens the reordering window. The value is never above the highest `latest` processed
// (interop note §3.5). The implicit final block of an ack frame is read from the stop
// value (never below anything we advertised, so always at or above the peer's).
//
// Ranges: each packet's reliable ranges are reported to the AckSink once per fate:
// onRangeAcked when the packet is acked (also when it was lost before: a late ack, §4.2),
// onRangeLost when it is judged lost. The same range may be in several packets (resends
// keep stream positions, §4.1), so the owner of the stream must treat an ack of an
// already acked range as a no-op, drop an acked range from its resend queue (the copy
// already resent is then redundant: the peer drops it), and ignore the loss of a range
// that is acked or already queued. The tracker keeps no per-range state.
//
// Memory: records live in a ring indexed by packet number (numbers are dense), O(1)
// amortized per packet, with no allocation in steady state. A resolved packet is dropped
// once everything older is; a lost one is kept for late acks until it is older than
// max(2 x RTO (+1 s before any RTT sample), age of the newest RTT sample capped at 3 s)
// (§4.2). Not thread-safe (one connection, one thread); sans-IO (time comes in `now`).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "snp/rtt_estimator.h"
#include "snp/time.h"
#include "wire/snp_frames.h"

namespace opengns::snp {

// A range of one lane's reliable stream placed in a packet: positions [begin, end).
struct SentRange {
  uint32_t lane = 0;
  uint64_t begin = 0;
  uint64_t end = 0;
  friend bool operator==(const SentRange&, const SentRange&) = default;
};

// Why a packet was judged lost (see the file comment).
enum class LossReason : uint8_t {
  kTimeThreshold,    // older than the reordering window, with a later packet acked
  kPacketThreshold,  // 3 or more later packets acked
  kRto,              // carried reliable data, no ack within the RTO
};
const char* lossReasonName(LossReason reason);

// Receives the fates the tracker decides. Called synchronously from onAckFrame() and
// detectLosses(), on the connection's thread; the sink must not call back into the
// tracker. Order inside one call: per acked packet onPacketAcked and its range acks, the
// RTT sample, onBytesAcked, then range losses and onBytesLost.
class AckSink {
 public:
  virtual ~AckSink() = default;
  // A packet carrying `range` was acked (possibly again, or after it was judged lost).
  virtual void onRangeAcked(const SentRange& range) = 0;
  // A packet carrying `range` was judged lost: resend it unless it is acked or queued.
  virtual void onRangeLost(const SentRange& range) = 0;
  // A new RTT sample (already fed to the tracker's own RttEstimator).
  virtual void onRttSample(Usec rtt_usec) = 0;
  // UDP bytes of packets that left flight because an ack frame acked them (once per
  // frame, only packets that were still in flight).
  virtual void onBytesAcked(uint64_t bytes, Usec now) = 0;
  // UDP bytes of packets judged lost in one call (once per call, if any).
  virtual void onBytesLost(uint64_t bytes, Usec now) = 0;
  // Every packet judged lost, before its ranges are reported. For logs and tests.
  virtual void onPacketLost(uint64_t /*packet_number*/, LossReason /*reason*/) {}
  // Every packet newly acked by a frame received at `now` (in flight, or judged lost
  // before: a late ack), before its ranges are reported. The delivery-rate estimator of
  // the congestion controller needs each one (congestion_controller.h).
  virtual void onPacketAcked(uint64_t /*packet_number*/, Usec /*now*/) {}
};

// Numbers for the connection's status and logs. Monotonic counts since creation.
struct SentPacketCounters {
  uint64_t packets_sent = 0;
  uint64_t bytes_sent = 0;      // UDP payload bytes (§8.1)
  uint64_t packets_acked = 0;   // acked while in flight
  uint64_t packets_nacked = 0;  // in flight and named in a nack run (first time)
  uint64_t packets_lost = 0;    // judged lost, all reasons
  uint64_t lost_by_time_threshold = 0;
  uint64_t lost_by_packet_threshold = 0;
  uint64_t lost_by_rto = 0;
  uint64_t lost_with_reliable_data = 0;    // retransmit-worthy: their ranges were reported lost
  uint64_t late_acks = 0;                  // acked after being judged lost
  uint64_t spurious_threshold_losses = 0;  // late acks of packets lost by a threshold
  uint64_t packets_expired = 0;            // never acked, no reliable data, forgotten (not lost)
  uint64_t rtt_samples = 0;
  uint64_t rtt_samples_rejected = 0;       // outside §3.7's sanity range
  uint64_t ack_frames_ignored_unsent = 0;  // `latest` >= our next packet number
};

class SentPacketTracker {
 public:
  // The fate of one packet number, for tests and diagnostics.
  enum class PacketState : uint8_t {
    kUnknown,   // never sent, acked, or forgotten
    kInFlight,  // sent, no fate yet (possibly nacked)
    kLost,      // judged lost, record kept for a late ack
  };

  // Packet reorder threshold of the packet-count rule (RFC 9002's kPacketThreshold).
  static constexpr uint64_t kPacketThreshold = 3;
  // Floor of the reordering window (timer granularity).
  static constexpr Usec kMinReorderWindowUsec = 1 * kUsecPerMsec;
  // The reordering window is (RTT / 8) x this, starting at 1 and raised by one per
  // spurious threshold loss up to the maximum (= one whole RTT), as RACK does.
  static constexpr int kMaxReorderWindowEighths = 8;

  // `peer_protocol_version` decides the first data packet number (§3.1): 2 when the
  // handshake counts as packet 1 (peer >= 10), else 1.
  explicit SentPacketTracker(uint32_t peer_protocol_version,
                             Usec min_rtt_window_usec = kDefaultMinRttWindowUsec);

  // The number the next data packet must carry.
  uint64_t nextPacketNumber() const { return next_number_; }

  // Records packet `number` (must be nextPacketNumber(); a larger one leaves the skipped
  // numbers unknown) sent at `now` with `udp_bytes` of UDP payload (everything that
  // counts against the rate, §8.1) and the reliable stream ranges placed in it (empty for
  // ack-only or unreliable-only packets). Every data packet goes in (§4.1).
  void onPacketSent(uint64_t number, Usec now, uint32_t udp_bytes,
                    std::span<const SentRange> ranges);

  // The stop value (S_sender) to write in the next stop-waiting frame: never lowered,
  // never above the highest `latest` processed (see the file comment). 0 until the first
  // ack frame.
  uint64_t stopValue() const { return stop_value_; }
  // Reports a stop value that went out in a packet if it was not stopValue() (a test
  // replaying another sender's packets). Raises stopValue() to it, so the implicit block
  // of later acks is read from a base at or above what the peer may hold. A value above
  // the highest `latest` processed breaks the §3.5 rule and is reported as a bug.
  void onStopValueSent(uint64_t stop_value);
  // The highest `latest` of any ack frame processed (the reference's S_sender).
  uint64_t highestLatestProcessed() const { return highest_latest_; }

  // True if the frame acks a packet we never sent (`latest` >= nextPacketNumber()): the
  // reference drops the whole packet carrying it without error (§1.8), so the connection
  // should check this before processing any frame of the packet.
  bool acksUnsentPacket(const wire::AckFrame& ack) const;

  // Processes one ack frame (§3.6) received at `now`: acked runs and the implicit final
  // block (from stopValue()) ack their packets, nack runs mark theirs, `latest` gives an
  // RTT sample (§3.7), then the reordering threshold runs. Numbers we have no record of
  // (never sent, acked before, forgotten) are ignored. A frame that acksUnsentPacket()
  // is ignored entirely (OK, nothing changes). InvalidArgument only for a frame whose
  // blocks are not contiguous from `latest` down (the decoder never produces one).
  absl::Status onAckFrame(const wire::AckFrame& ack, Usec now, AckSink& sink);

  // Runs the timers at `now`: the reordering threshold and the RTO. Call it at
  // nextWakeTime() (calling it earlier or more often is harmless).
  void detectLosses(Usec now, AckSink& sink);
  // When detectLosses() has something to do next; kNever when nothing is in flight.
  Usec nextWakeTime() const;

  // UDP bytes / packets sent with reliable ranges and not yet acked or lost: what the
  // congestion window limits. Ack-only and unreliable-only packets are tracked (their
  // acks give RTT and delivery-rate samples, their nacks count) but stay out of it: a GNS
  // peer never acks them by themselves (§3.2), so with only unreliable data flowing
  // their acks may never come, and a window that counted them would close for good (it
  // did: 64-byte unreliable floods ran at a few hundred messages per second). They are
  // paced like everything else, and a lost one reports no lost bytes.
  uint64_t bytesInFlight() const { return bytes_in_flight_; }
  uint64_t packetsInFlight() const { return packets_in_flight_; }
  // Packets with a record (in flight, lost but kept, or resolved but not yet dropped).
  size_t trackedPacketCount() const { return ring_size_; }

  const RttEstimator& rtt() const { return rtt_; }
  // An RTT sample measured outside the ack frames (the handshake's timestamps, udp.md
  // §3.4), fed to rtt() like an ack's sample (not counted in counters().rtt_samples).
  void onExternalRttSample(Usec rtt_usec, Usec now) { rtt_.onSample(rtt_usec, now); }
  const SentPacketCounters& counters() const { return counters_; }
  PacketState stateOf(uint64_t packet_number) const;
  // The current reordering window (the part added to the RTT by the time threshold).
  Usec reorderWindow() const;

 private:
  enum class State : uint8_t { kNone, kInFlight, kLost, kAcked };
  struct Record {
    Usec sent_time = 0;
    Usec lost_time = 0;
    uint32_t udp_bytes = 0;
    State state = State::kNone;
    bool nacked = false;
    bool in_window = false;  // counted in bytesInFlight(): it carried reliable ranges
    LossReason loss_reason = LossReason::kRto;
    std::vector<SentRange> ranges;  // capacity reused when the slot is recycled
  };
  // Per-frame accumulation while processing an ack.
  struct AckScratch {
    uint64_t latest = 0;
    Usec latest_sent_time = kNever;  // set if `latest` was acked by this frame
    uint64_t newly_acked_bytes = 0;
    Usec now = 0;  // when the frame was received
  };

  bool hasRecord(uint64_t number) const {
    return number >= base_number_ && number < base_number_ + ring_size_;
  }
  Record& at(uint64_t number);
  const Record& at(uint64_t number) const;
  Record& pushBack();
  void popFront();

  void ackRange(uint64_t begin, uint64_t end, AckScratch& scratch, AckSink& sink);
  void nackRange(uint64_t begin, uint64_t end);
  // Marks a packet lost, reports it; returns its UDP bytes.
  uint64_t declareLost(uint64_t number, LossReason reason, Usec now, AckSink& sink);
  uint64_t detectThresholdLosses(Usec now, AckSink& sink);
  uint64_t detectRtoLosses(Usec now, AckSink& sink);
  Usec lossDelay() const;
  Usec recordRetention(Usec now) const;
  // First number >= from that is in flight (and, if `reliable_only`, carried reliable
  // ranges); next_number_ if none.
  uint64_t firstInFlight(uint64_t from, bool reliable_only) const;
  void advanceCursors();
  void updateStopValue(Usec now);
  void prune(Usec now);

  uint64_t next_number_;
  RttEstimator rtt_;
  SentPacketCounters counters_;

  // Ring of records: slot (head_ + (n - base_number_)) & (ring_.size() - 1) holds packet
  // n for n in [base_number_, base_number_ + ring_size_). ring_.size() is a power of two.
  std::vector<Record> ring_;
  size_t head_ = 0;
  size_t ring_size_ = 0;
  uint64_t base_number_;

  // Lowest packet number that may still be in flight (every lower one is resolved).
  uint64_t cursor_;
  uint64_t bytes_in_flight_ = 0;
  uint64_t packets_in_flight_ = 0;

  uint64_t stop_value_ = 0;
  uint64_t highest_latest_ = 0;
  bool has_largest_acked_ = false;
  uint64_t largest_acked_ = 0;  // highest packet number acked (in flight or lost before)
  // Lowest packet number that may still need an RTO: every lower one is resolved or
  // carried no reliable data.
  uint64_t rto_cursor_;

  int reorder_window_eighths_ = 1;
  bool packet_threshold_enabled_ = true;
};

}  // namespace opengns::snp
