// Receiver-side ack bookkeeping (snp.md §3.1-3.5): which of the peer's packets we have
// received, when acks are due, and the ack frame that reports them.
//
// Why it exists: the peer's retransmissions and RTT depend on our ack frames, and a GNS
// peer expects them in a particular rhythm (§3.2). This class owns that receiver state
// so that the packet assembler only asks "is an ack due?" and "give me an ack frame of
// at most N bytes".
//
// What it guarantees:
//  - Every frame built gives a full account of every packet from the peer's stop value
//    up to its `latest` (§1.8): acked runs are packets received, nacked runs packets not
//    received (or forgotten by a gap merge: at worst the peer resends needlessly).
//  - Frames are in the reference's shape (§3.4): 16-bit `latest`, blocks newest first,
//    at most kMaxAckBlocksPerFrame; when space is short the NEWEST blocks are dropped and
//    `latest` lowered; a gap is nacked only kNackDelayUsec after it was noticed, before
//    that `latest` stays below it.
//  - State: the receiver's stop value, the highest packet received and its arrival, and
//    at most `max_tracked_gaps` gaps (runs of missing numbers above the stop value) in a
//    sorted vector: every operation is O(gaps).
// The packet layer below (PacketNumberWindow) drops duplicate numbers; a duplicate that
// gets here anyway is ignored and counted.
//
// sans-IO, single-threaded: the connection that owns it drives it under its lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "snp/time.h"
#include "wire/snp_frames.h"

namespace opengns::snp {

// §3.3 (LOCAL, reference): how many gaps the receiver tracks; with more, the two oldest
// neighbouring gaps are merged.
inline constexpr size_t kMaxTrackedGaps = 62;
// §1.8 / §3.4 (LOCAL, reference): at most this many blocks per ack frame.
inline constexpr size_t kMaxAckBlocksPerFrame = 64;
// §3.2 (LOCAL, reference): reliable data or an ack request is acked within 50 ms.
inline constexpr Usec kMaxDataAckDelayUsec = 50 * kUsecPerMsec;
// §3.2 (LOCAL, reference): a gap may be nacked 3 ms after it is noticed.
inline constexpr Usec kNackDelayUsec = 3 * kUsecPerMsec;
// §3.2 (LOCAL, reference): the peer's acks with blocks force a packet within this / blocks.
inline constexpr Usec kPeerBlocksFlushBudgetUsec = 250 * kUsecPerMsec;
// §3.2 (LOCAL, reference): a packet not acked for resource reasons flushes acks at
// 2 x (smoothed RTT clamped to [0, 100 ms] + 5 ms).
inline constexpr Usec kRefusedFlushMaxRttUsec = 100 * kUsecPerMsec;
inline constexpr Usec kRefusedFlushRttPadUsec = 5 * kUsecPerMsec;
// §1.8 / §3.4: the largest delay value with timing; longer delays are written as
// wire::kAckDelayNoTiming.
inline constexpr uint16_t kAckDelayMaxRaw = 0xFFFE;

// When a delayed ack goes out (§3.2 is the reference's rule: within 50 ms, whatever the
// rate). `every_packets` > 0 adds "at once after that many packets that asked for an
// ack since the last full ack" (LOCAL, ours: a fast sender's congestion control needs
// acks many times per RTT, not one burst per 50 ms).
struct DelayedAckPolicy {
  Usec max_delay_usec = kMaxDataAckDelayUsec;
  uint32_t every_packets = 0;  // 0 = no count rule (the reference)
};

// How urgently a received packet wants an ack (§3.2).
enum class AckUrgency {
  kNone,       // only unreliable segments, acks, stop-waiting: report with the next packet
  kDelayed,    // reliable data (even a duplicate) or an end-to-end ack request: 50 ms
  kImmediate,  // ACK_REQUEST_IMMEDIATE: send an ack now
};

// Exact encoded size of an ack frame (snp.md §1.8) in the wire form it records: lead
// byte, 16- or 32-bit latest, delay, the count byte if present, and each block's header
// byte plus its var-ints.
size_t encodedAckBlockBytes(uint64_t ack_run, uint64_t nack_run);
size_t encodedAckFrameBytes(const wire::AckFrame& frame);
// §1.8 / §3.4: the delay field for a frame sent at `now` whose `latest` arrived at
// `arrival` (nullopt = unknown): (now - arrival) in 32 us units, 0xFFFF if unknown or
// above 0xFFFE units. A negative elapsed time (clock misuse) gives 0.
uint16_t ackDelayField(std::optional<Usec> arrival, Usec now);

struct AckTrackerCounters {
  uint64_t packets_recorded = 0;    // recorded as received
  uint64_t packets_below_stop = 0;  // received below the stop value: not recorded (§3.3)
  uint64_t duplicates_ignored = 0;  // already recorded (the window should have dropped it)
  uint64_t gaps_merged = 0;         // merges of the two oldest gaps (§3.3)
  uint64_t stop_raises = 0;
  uint64_t stop_lowerings_ignored = 0;  // lowering stop values from older packets (§3.5)
  uint64_t acks_sent = 0;
  uint64_t ack_blocks_sent = 0;
};

class AckTracker {
 public:
  // `initial_highest_received`: initialHighestReceived(peer protocol version) from
  // packet_number_window.h, i.e. 1 for peers >= v10 (the handshake is packet 1, received
  // at an unknown time: the first ack reads latest = 1, delay = 0xFFFF), 0 below (nothing
  // received: no ack frame until the first data packet). `max_tracked_gaps` is LOCAL
  // (default the reference's 62; at least 1).
  explicit AckTracker(uint64_t initial_highest_received = 1,
                      size_t max_tracked_gaps = kMaxTrackedGaps);

  // Records packet `n` (accepted by the replay window, processed without error, not
  // refused) as received at `now`, and schedules an ack by `urgency`. A packet below the
  // stop value is not recorded (§3.3) but its urgency still counts. A new gap below `n`
  // may be nacked kNackDelayUsec from now and makes an ack due then.
  void onPacketReceived(uint64_t n, Usec now, AckUrgency urgency);
  // For the packets received from now on (the default is the reference's rule).
  void setDelayedAckPolicy(const DelayedAckPolicy& policy) { policy_ = policy; }

  // A packet that was processed but not acked for resource reasons (§2.4): schedule an
  // ack flush at 2 x (clamp(smoothed_rtt, 0, 100 ms) + 5 ms) so that the peer hears
  // about the gap soon and resends.
  void onPacketRefused(Usec now, Usec smoothed_rtt_usec);

  // A stop-waiting frame (§1.7, §3.5) carried by packet `carried_by_packet`, to apply
  // before that packet is recorded. The value is clamped to the highest received; a
  // higher value drops every gap wholly below it and cuts a gap that spans it. A lower
  // value is ignored (OK) if it comes in a packet older than the one that last raised
  // it (reordering), else it is an InvalidArgument error (the connection closes, 5002).
  absl::Status onStopWaiting(uint64_t stop, uint64_t carried_by_packet);

  // Makes an ack due within `delay` from now (e.g. the sender side asks for a packet
  // within kPeerBlocksFlushBudgetUsec / blocks when the peer's acks carry blocks).
  // Cleared by the next ack sent.
  void requestAckWithin(Usec now, Usec delay);

  // The ack frame to put in a packet sent at `now`, in at most `max_bytes` bytes (§3.4).
  // nullopt if nothing has been received yet (peer below v10; also while the only
  // packets received lie above a gap from packet 1 that may not be nacked yet) or if
  // even the 5-byte frame does not fit. Does not change state: call onAckSent() once it was sent.
  std::optional<wire::AckFrame> buildAckFrame(Usec now, size_t max_bytes) const;

  // When an ack must go out: kNever if nothing is due. The minimum of the delayed-ack
  // deadline, an explicit request, and the nack time of every gap not yet reported.
  Usec ackDueTime() const;

  // `frame` (from buildAckFrame) was sent at `now`: gaps it nacked need no further
  // report, explicit requests are satisfied, and the delayed-ack deadline is cleared if
  // its `latest` covers every packet that asked for an ack (if `latest` was held below a
  // gap that may not be nacked yet, the deadline moves to that gap's nack time).
  void onAckSent(Usec now, const wire::AckFrame& frame);

  // Highest packet number received (or the initial value).
  uint64_t highestReceived() const { return highest_; }
  // The receiver's stop value from the peer (§3.5); starts at 0.
  uint64_t stopValue() const { return stop_; }
  // What an ack frame would report about `n` (for status and tests): true if n is at or
  // below the highest received and in no tracked gap (numbers below the stop value fall
  // in the implicit block and read as received).
  bool reportsReceived(uint64_t n) const;
  size_t gapCount() const { return gaps_.size(); }
  const AckTrackerCounters& counters() const { return counters_; }

 private:
  // A run [begin, end) of missing numbers; begin - 1 is received (or below the stop).
  struct Gap {
    uint64_t begin = 0;
    uint64_t end = 0;
    // Arrival of packet begin - 1 (the top of the received run below): the delay field
    // when `latest` is that packet. nullopt = unknown.
    std::optional<Usec> arrival_below;
    Usec nack_allowed_at = 0;  // noticed + kNackDelayUsec
    bool reported = false;     // nacked in a frame that was sent
  };

  void recordInGap(size_t index, uint64_t n, Usec now);
  void mergeOldestGaps();
  // Arrival of the top of the received run just below gap `index` + 1 (or of highest_).
  std::optional<Usec> arrivalOfLatest(uint64_t latest) const;

  uint64_t highest_;
  std::optional<Usec> highest_arrival_;  // unknown for the handshake's packet 1
  uint64_t stop_ = 0;
  uint64_t stop_raised_by_packet_ = 0;
  std::vector<Gap> gaps_;  // sorted by begin, disjoint, all above stop_ - 1, below highest_
  size_t max_tracked_gaps_;

  Usec data_ack_deadline_ = kNever;  // from kDelayed / kImmediate packets
  uint64_t data_ack_up_to_ = 0;      // highest packet that asked for that ack
  uint32_t packets_asking_ = 0;      // packets that asked for an ack since the last full ack
  DelayedAckPolicy policy_;
  Usec requested_deadline_ = kNever;  // requestAckWithin / onPacketRefused
  AckTrackerCounters counters_;
};

}  // namespace opengns::snp
