#include "snp/sent_packet_tracker.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "wire/snp_constants.h"
#include "wire/udp_constants.h"

namespace opengns::snp {

namespace {

// Below protocol 10 the handshake does not count as a packet (§3.1).
constexpr uint64_t kFirstDataPacketNumberBeforeV10 = 1;
// Smallest ring, and the largest forward jump of packet numbers onPacketSent() fills in
// (numbers are dense; a bigger jump is a caller bug).
constexpr size_t kInitialRingCapacity = 64;
constexpr uint64_t kMaxSkippedPacketNumbers = 1 << 16;
// §4.2 record retention: +1 s while there is no RTT sample; sample age capped at 3 s.
constexpr Usec kRetentionNoSampleExtraUsec = 1 * kUsecPerSec;
constexpr Usec kRetentionMaxSampleAgeUsec = 3 * kUsecPerSec;

uint64_t firstDataPacketNumber(uint32_t peer_protocol_version) {
  return peer_protocol_version >= wire::kMinVersionPacketNumbersStartAt2
             ? wire::kFirstDataPacketNumber
             : kFirstDataPacketNumberBeforeV10;
}

// The decoder builds blocks contiguous downwards from `latest` (§1.8); anything else
// would make the per-packet walk meaningless.
absl::Status checkAckShape(const wire::AckFrame& ack) {
  uint64_t end = ack.latest_packet_number + 1;
  for (size_t i = 0; i < ack.blocks.size(); ++i) {
    const wire::AckBlock& b = ack.blocks[i];
    if (b.acked_end != end || b.acked_begin > b.acked_end || b.nacked_end != b.acked_begin ||
        b.nacked_begin > b.nacked_end) {
      return absl::InvalidArgumentError(
          absl::StrCat("ack frame (latest ", ack.latest_packet_number, "): block ", i,
                       " covers acked [", b.acked_begin, ", ", b.acked_end, ") nacked [",
                       b.nacked_begin, ", ", b.nacked_end, "), not contiguous below ", end));
    }
    end = b.nacked_begin;
  }
  if (ack.implicit_acked_end != end) {
    return absl::InvalidArgumentError(absl::StrCat("ack frame (latest ", ack.latest_packet_number,
                                                   "): implicit_acked_end ", ack.implicit_acked_end,
                                                   " is not where the blocks end (", end, ")"));
  }
  return absl::OkStatus();
}

}  // namespace

const char* lossReasonName(LossReason reason) {
  switch (reason) {
    case LossReason::kTimeThreshold:
      return "time threshold";
    case LossReason::kPacketThreshold:
      return "packet threshold";
    case LossReason::kRto:
      return "RTO";
  }
  return "?";
}

SentPacketTracker::SentPacketTracker(uint32_t peer_protocol_version, Usec min_rtt_window_usec)
    : next_number_(firstDataPacketNumber(peer_protocol_version)),
      rtt_(min_rtt_window_usec),
      ring_(kInitialRingCapacity),
      base_number_(next_number_),
      cursor_(next_number_),
      rto_cursor_(next_number_) {}

// --- ring ---

SentPacketTracker::Record& SentPacketTracker::at(uint64_t number) {
  return ring_[(head_ + static_cast<size_t>(number - base_number_)) & (ring_.size() - 1)];
}

const SentPacketTracker::Record& SentPacketTracker::at(uint64_t number) const {
  return ring_[(head_ + static_cast<size_t>(number - base_number_)) & (ring_.size() - 1)];
}

SentPacketTracker::Record& SentPacketTracker::pushBack() {
  if (ring_size_ == ring_.size()) {
    std::vector<Record> bigger(ring_.size() * 2);
    for (size_t i = 0; i < ring_size_; ++i)
      bigger[i] = std::move(ring_[(head_ + i) & (ring_.size() - 1)]);
    ring_ = std::move(bigger);
    head_ = 0;
  }
  ++ring_size_;
  Record& record = at(base_number_ + ring_size_ - 1);
  record.sent_time = 0;
  record.lost_time = 0;
  record.udp_bytes = 0;
  record.state = State::kNone;
  record.nacked = false;
  record.loss_reason = LossReason::kRto;
  record.ranges.clear();  // keeps the capacity of the slot's previous packet
  return record;
}

void SentPacketTracker::popFront() {
  ring_[head_].ranges.clear();
  ring_[head_].state = State::kNone;
  head_ = (head_ + 1) & (ring_.size() - 1);
  ++base_number_;
  --ring_size_;
}

// --- sending ---

void SentPacketTracker::onPacketSent(uint64_t number, Usec now, uint32_t udp_bytes,
                                     std::span<const SentRange> ranges) {
  if (number < next_number_) {
    OPENGNS_BUG("sent packet tracker: packet ", number, " recorded out of order (next is ",
                next_number_, "); ignored");
    return;
  }
  if (number - next_number_ > kMaxSkippedPacketNumbers) {
    if (ring_size_ != 0) {
      OPENGNS_BUG("sent packet tracker: packet ", number, " skips ", number - next_number_,
                  " numbers while packets are tracked; ignored");
      return;
    }
    base_number_ = cursor_ = rto_cursor_ = next_number_ = number;
  }
  while (next_number_ < number) {  // numbers the caller used for nothing stay unknown
    pushBack().sent_time = now;
    ++next_number_;
  }
  Record& record = pushBack();
  record.sent_time = now;
  record.udp_bytes = udp_bytes;
  record.state = State::kInFlight;
  record.ranges.assign(ranges.begin(), ranges.end());
  record.in_window = !ranges.empty();
  ++next_number_;
  if (record.in_window) {
    bytes_in_flight_ += udp_bytes;
    ++packets_in_flight_;
  }
  ++counters_.packets_sent;
  counters_.bytes_sent += udp_bytes;
  advanceCursors();
  prune(now);
}

void SentPacketTracker::onStopValueSent(uint64_t stop_value) {
  if (stop_value > highest_latest_) {
    OPENGNS_BUG("sent packet tracker: stop value ", stop_value,
                " went out above the highest ack latest processed (", highest_latest_, ")");
  }
  stop_value_ = std::max(stop_value_, stop_value);
}

// --- acks ---

bool SentPacketTracker::acksUnsentPacket(const wire::AckFrame& ack) const {
  return ack.latest_packet_number >= next_number_;
}

absl::Status SentPacketTracker::onAckFrame(const wire::AckFrame& ack, Usec now, AckSink& sink) {
  if (acksUnsentPacket(ack)) {
    ++counters_.ack_frames_ignored_unsent;
    return absl::OkStatus();
  }
  if (absl::Status shape = checkAckShape(ack); !shape.ok()) return shape;

  AckScratch scratch;
  scratch.latest = ack.latest_packet_number;
  scratch.now = now;
  for (const wire::AckBlock& block : ack.blocks) {
    ackRange(block.acked_begin, block.acked_end, scratch, sink);
    nackRange(block.nacked_begin, block.nacked_end);
  }
  // The implicit final block starts at our stop value: at or above every stop value we
  // sent, so at or above the peer's, which is where its full account starts (§1.8, §3.5).
  const wire::PacketRange implicit = wire::implicitAckedRange(ack, stop_value_);
  ackRange(implicit.begin, implicit.end, scratch, sink);
  highest_latest_ = std::max(highest_latest_, ack.latest_packet_number);

  if (scratch.latest_sent_time != kNever) {
    const std::optional<Usec> sample =
        rttSampleFromAck(scratch.latest_sent_time, now, ack.delay_raw);
    if (sample) {
      rtt_.onSample(*sample, now);
      ++counters_.rtt_samples;
      sink.onRttSample(*sample);
    } else if (ack.delay_raw != wire::kAckDelayNoTiming) {
      ++counters_.rtt_samples_rejected;
    }
  }
  if (scratch.newly_acked_bytes != 0) sink.onBytesAcked(scratch.newly_acked_bytes, now);

  const uint64_t lost_bytes = detectThresholdLosses(now, sink);
  if (lost_bytes != 0) sink.onBytesLost(lost_bytes, now);
  updateStopValue(now);
  prune(now);
  return absl::OkStatus();
}

void SentPacketTracker::ackRange(uint64_t begin, uint64_t end, AckScratch& scratch, AckSink& sink) {
  begin = std::max(begin, base_number_);
  end = std::min(end, next_number_);
  for (uint64_t number = begin; number < end; ++number) {
    Record& record = at(number);
    if (record.state == State::kInFlight) {
      if (record.in_window) {
        bytes_in_flight_ -= record.udp_bytes;
        --packets_in_flight_;
        scratch.newly_acked_bytes += record.udp_bytes;
      }
      ++counters_.packets_acked;
    } else if (record.state == State::kLost) {
      // §4.2: a late ack still cancels resends (the sink drops queued ranges) and gives
      // an RTT sample. Lost by a threshold means our reordering window was too small.
      ++counters_.late_acks;
      if (record.loss_reason != LossReason::kRto) {
        ++counters_.spurious_threshold_losses;
        reorder_window_eighths_ = std::min(reorder_window_eighths_ + 1, kMaxReorderWindowEighths);
        packet_threshold_enabled_ = false;
      }
    } else {
      continue;  // never sent, or acked before
    }
    record.state = State::kAcked;
    sink.onPacketAcked(number, scratch.now);
    if (number == scratch.latest) scratch.latest_sent_time = record.sent_time;
    if (!has_largest_acked_ || number > largest_acked_) largest_acked_ = number;
    has_largest_acked_ = true;
    for (const SentRange& range : record.ranges)
      sink.onRangeAcked(range);
    record.ranges.clear();
  }
}

void SentPacketTracker::nackRange(uint64_t begin, uint64_t end) {
  begin = std::max(begin, base_number_);
  end = std::min(end, next_number_);
  for (uint64_t number = begin; number < end; ++number) {
    Record& record = at(number);
    if (record.state == State::kInFlight && !record.nacked) {
      record.nacked = true;
      ++counters_.packets_nacked;
    }
  }
}

// --- loss ---

Usec SentPacketTracker::reorderWindow() const {
  const Usec rtt = std::max(rtt_.smoothed(), rtt_.latest());
  return std::max(kMinReorderWindowUsec, rtt * reorder_window_eighths_ / 8);
}

Usec SentPacketTracker::lossDelay() const {
  return std::max(rtt_.smoothed(), rtt_.latest()) + reorderWindow();
}

uint64_t SentPacketTracker::declareLost(uint64_t number, LossReason reason, Usec now,
                                        AckSink& sink) {
  Record& record = at(number);
  record.state = State::kLost;
  record.loss_reason = reason;
  record.lost_time = now;
  ++counters_.packets_lost;
  switch (reason) {
    case LossReason::kTimeThreshold:
      ++counters_.lost_by_time_threshold;
      break;
    case LossReason::kPacketThreshold:
      ++counters_.lost_by_packet_threshold;
      break;
    case LossReason::kRto:
      ++counters_.lost_by_rto;
      break;
  }
  if (!record.ranges.empty()) ++counters_.lost_with_reliable_data;
  sink.onPacketLost(number, reason);
  for (const SentRange& range : record.ranges)
    sink.onRangeLost(range);  // kept: a late ack reports them acked
  if (!record.in_window) return 0;
  bytes_in_flight_ -= record.udp_bytes;
  --packets_in_flight_;
  return record.udp_bytes;
}

uint64_t SentPacketTracker::detectThresholdLosses(Usec now, AckSink& sink) {
  if (!has_largest_acked_) return 0;
  advanceCursors();
  const Usec loss_delay = lossDelay();
  uint64_t lost_bytes = 0;
  // Send times grow with the number, and so does the distance to largest_acked_ shrink:
  // once neither rule holds for a packet, it holds for no later one.
  for (uint64_t number = cursor_; number < largest_acked_; ++number) {
    const Record& record = at(number);
    if (record.state != State::kInFlight) continue;
    if (packet_threshold_enabled_ && largest_acked_ - number >= kPacketThreshold) {
      lost_bytes += declareLost(number, LossReason::kPacketThreshold, now, sink);
    } else if (now - record.sent_time >= loss_delay) {
      lost_bytes += declareLost(number, LossReason::kTimeThreshold, now, sink);
    } else {
      break;
    }
  }
  return lost_bytes;
}

uint64_t SentPacketTracker::detectRtoLosses(Usec now, AckSink& sink) {
  advanceCursors();
  const Usec rto = rtt_.rto();
  uint64_t lost_bytes = 0;
  while (rto_cursor_ < next_number_) {
    const Record& record = at(rto_cursor_);
    if (now - record.sent_time < rto) break;
    lost_bytes += declareLost(rto_cursor_, LossReason::kRto, now, sink);
    rto_cursor_ = firstInFlight(rto_cursor_ + 1, /*reliable_only=*/true);
  }
  return lost_bytes;
}

void SentPacketTracker::detectLosses(Usec now, AckSink& sink) {
  uint64_t lost_bytes = detectThresholdLosses(now, sink);
  lost_bytes += detectRtoLosses(now, sink);
  if (lost_bytes != 0) sink.onBytesLost(lost_bytes, now);
  updateStopValue(now);
  prune(now);
}

Usec SentPacketTracker::nextWakeTime() const {
  Usec wake = kNever;
  const uint64_t oldest = firstInFlight(cursor_, /*reliable_only=*/false);
  if (has_largest_acked_ && oldest < largest_acked_)
    wake = std::min(wake, at(oldest).sent_time + lossDelay());
  const uint64_t oldest_reliable = firstInFlight(rto_cursor_, /*reliable_only=*/true);
  if (oldest_reliable < next_number_)
    wake = std::min(wake, at(oldest_reliable).sent_time + rtt_.rto());
  return wake;
}

// --- bookkeeping ---

uint64_t SentPacketTracker::firstInFlight(uint64_t from, bool reliable_only) const {
  for (uint64_t number = std::max(from, base_number_); number < next_number_; ++number) {
    const Record& record = at(number);
    if (record.state == State::kInFlight && (!reliable_only || !record.ranges.empty()))
      return number;
  }
  return next_number_;
}

void SentPacketTracker::advanceCursors() {
  // Both only move forward, past packets whose state can no longer change to "in flight":
  // amortized O(1) per packet.
  cursor_ = firstInFlight(cursor_, /*reliable_only=*/false);
  rto_cursor_ = firstInFlight(rto_cursor_, /*reliable_only=*/true);
}

void SentPacketTracker::updateStopValue(Usec now) {
  advanceCursors();
  // Every packet up to highest_latest_ has a fate except those still in flight (nacked,
  // waiting for the reordering threshold) and those lost by a threshold less than an RTO
  // ago (a late ack may still come): keep the peer reporting on them.
  uint64_t candidate = std::min(highest_latest_, cursor_);
  const Usec hold_usec = rtt_.rto();
  for (uint64_t number = std::max(stop_value_, base_number_); number < candidate; ++number) {
    const Record& record = at(number);
    if (record.state == State::kLost && record.loss_reason != LossReason::kRto &&
        now - record.lost_time < hold_usec) {
      candidate = number;
      break;
    }
  }
  stop_value_ = std::max(stop_value_, candidate);
}

Usec SentPacketTracker::recordRetention(Usec now) const {
  Usec retention = 2 * rtt_.rto();
  Usec sample_age = 0;
  if (rtt_.hasSample()) {
    sample_age = std::min(now - rtt_.latestSampleTime(), kRetentionMaxSampleAgeUsec);
  } else {
    retention += kRetentionNoSampleExtraUsec;
  }
  return std::max(retention, sample_age);
}

void SentPacketTracker::prune(Usec now) {
  const Usec retention = recordRetention(now);
  while (ring_size_ != 0) {
    Record& record = at(base_number_);
    const bool old = now - record.sent_time > retention;
    if (record.state == State::kInFlight) {
      // Only a packet without reliable data can be forgotten unresolved: it never times
      // out (see the header) and was never counted in the window.
      if (record.in_window || !old) break;
      ++counters_.packets_expired;
    } else if (record.state == State::kLost && !old) {
      break;
    }
    popFront();
  }
  advanceCursors();
}

SentPacketTracker::PacketState SentPacketTracker::stateOf(uint64_t packet_number) const {
  if (!hasRecord(packet_number)) return PacketState::kUnknown;
  switch (at(packet_number).state) {
    case State::kInFlight:
      return PacketState::kInFlight;
    case State::kLost:
      return PacketState::kLost;
    default:
      return PacketState::kUnknown;
  }
}

}  // namespace opengns::snp
