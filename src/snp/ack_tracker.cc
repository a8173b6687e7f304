#include "snp/ack_tracker.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "wire/snp_constants.h"
#include "wire/varint.h"

namespace opengns::snp {
namespace {

// §1.8: lead byte + 16-bit latest + delay; the smallest ack frame (no blocks).
constexpr size_t kAckLeadBytes = 1;
constexpr size_t kAckDelayBytes = 2;
constexpr size_t kMinAckFrameBytes = kAckLeadBytes + 2 + kAckDelayBytes;

// Bytes a run adds after the block header: runs of 8 or more carry (run >> 3) as a
// var-int (§1.8).
size_t runVarintBytes(uint64_t run) {
  return run >> wire::kAckBlockRunLowBits ? wire::varintSize(run >> wire::kAckBlockRunLowBits) : 0;
}

}  // namespace

size_t encodedAckBlockBytes(uint64_t ack_run, uint64_t nack_run) {
  return 1 + runVarintBytes(ack_run) + runVarintBytes(nack_run);
}

size_t encodedAckFrameBytes(const wire::AckFrame& frame) {
  size_t bytes = kAckLeadBytes + (frame.latest_is_16bit ? 2 : 4) + kAckDelayBytes;
  if (frame.has_block_count_byte) ++bytes;
  for (const wire::AckBlock& block : frame.blocks) {
    bytes += encodedAckBlockBytes(block.acked_end - block.acked_begin,
                                  block.nacked_end - block.nacked_begin);
  }
  return bytes;
}

uint16_t ackDelayField(std::optional<Usec> arrival, Usec now) {
  if (!arrival) return wire::kAckDelayNoTiming;
  const Usec elapsed_usec = now - *arrival;
  if (elapsed_usec <= 0) return 0;
  const Usec units = elapsed_usec / wire::kAckDelayUnitUsec;
  if (units > kAckDelayMaxRaw) return wire::kAckDelayNoTiming;
  return static_cast<uint16_t>(units);
}

AckTracker::AckTracker(uint64_t initial_highest_received, size_t max_tracked_gaps)
    : highest_(initial_highest_received), max_tracked_gaps_(std::max<size_t>(max_tracked_gaps, 1)) {
  gaps_.reserve(max_tracked_gaps_ + 1);
}

void AckTracker::onPacketReceived(uint64_t n, Usec now, AckUrgency urgency) {
  if (urgency != AckUrgency::kNone) {
    ++packets_asking_;
    const bool now_by_count =
        policy_.every_packets != 0 && packets_asking_ >= policy_.every_packets;
    const Usec deadline =
        urgency == AckUrgency::kImmediate || now_by_count ? now : now + policy_.max_delay_usec;
    data_ack_up_to_ = data_ack_deadline_ == kNever ? n : std::max(data_ack_up_to_, n);
    data_ack_deadline_ = std::min(data_ack_deadline_, deadline);
  }
  if (n < stop_) {
    // §3.3: the peer no longer wants reports on it; its data was still used.
    ++counters_.packets_below_stop;
    return;
  }
  if (n > highest_) {
    if (n > highest_ + 1) {
      // stop_ <= highest_ always (onStopWaiting clamps), so the gap lies above stop_.
      gaps_.push_back(Gap{highest_ + 1, n, highest_arrival_, now + kNackDelayUsec, false});
      if (gaps_.size() > max_tracked_gaps_) mergeOldestGaps();
    }
    highest_ = n;
    highest_arrival_ = now;
    ++counters_.packets_recorded;
    return;
  }
  // At or below the highest: it fills (part of) a gap, or it is a duplicate.
  auto after = std::upper_bound(gaps_.begin(), gaps_.end(), n,
                                [](uint64_t value, const Gap& gap) { return value < gap.begin; });
  if (after != gaps_.begin()) {
    const size_t index = static_cast<size_t>(after - gaps_.begin()) - 1;
    if (n < gaps_[index].end) {
      recordInGap(index, n, now);
      ++counters_.packets_recorded;
      return;
    }
  }
  ++counters_.duplicates_ignored;
}

void AckTracker::recordInGap(size_t index, uint64_t n, Usec now) {
  Gap& gap = gaps_[index];
  if (gap.begin == n && gap.end == n + 1) {
    gaps_.erase(gaps_.begin() + static_cast<std::ptrdiff_t>(index));
  } else if (gap.begin == n) {
    // n is now the top of the run below the rest of the gap.
    gap.begin = n + 1;
    gap.arrival_below = now;
  } else if (gap.end == n + 1) {
    gap.end = n;
  } else {
    // Split: the upper part inherits the gap's nack time and report state.
    Gap upper = gap;
    upper.begin = n + 1;
    upper.arrival_below = now;
    gap.end = n;
    gaps_.insert(gaps_.begin() + static_cast<std::ptrdiff_t>(index) + 1, upper);
    if (gaps_.size() > max_tracked_gaps_) mergeOldestGaps();
  }
}

void AckTracker::mergeOldestGaps() {
  // §3.3: the received packets between the two oldest gaps become "not received". Safe:
  // at worst the peer resends what we had.
  Gap& oldest = gaps_[0];
  const Gap& next = gaps_[1];
  oldest.end = next.end;
  oldest.nack_allowed_at = std::min(oldest.nack_allowed_at, next.nack_allowed_at);
  oldest.reported = oldest.reported && next.reported;
  gaps_.erase(gaps_.begin() + 1);
  ++counters_.gaps_merged;
}

void AckTracker::onPacketRefused(Usec now, Usec smoothed_rtt_usec) {
  const Usec rtt_usec = std::clamp<Usec>(smoothed_rtt_usec, 0, kRefusedFlushMaxRttUsec);
  requestAckWithin(now, 2 * (rtt_usec + kRefusedFlushRttPadUsec));
}

absl::Status AckTracker::onStopWaiting(uint64_t stop, uint64_t carried_by_packet) {
  // §1.7: a stop value above what we have received is clamped to it.
  stop = std::min(stop, highest_);
  if (stop < stop_) {
    if (carried_by_packet < stop_raised_by_packet_) {
      ++counters_.stop_lowerings_ignored;  // a reordered older packet
      return absl::OkStatus();
    }
    return absl::InvalidArgumentError(
        absl::StrCat("stop-waiting: packet ", carried_by_packet, " lowers the stop value from ",
                     stop_, " (set by packet ", stop_raised_by_packet_, ") to ", stop));
  }
  if (stop == stop_) return absl::OkStatus();
  stop_ = stop;
  stop_raised_by_packet_ = carried_by_packet;
  ++counters_.stop_raises;
  // §3.5: drop gaps wholly below the stop value; cut the one that spans it.
  auto first_kept =
      std::find_if(gaps_.begin(), gaps_.end(), [stop](const Gap& gap) { return gap.end > stop; });
  gaps_.erase(gaps_.begin(), first_kept);
  if (!gaps_.empty() && gaps_.front().begin < stop) {
    gaps_.front().begin = stop;
    gaps_.front().arrival_below.reset();  // stop - 1 was never received
  }
  return absl::OkStatus();
}

void AckTracker::requestAckWithin(Usec now, Usec delay) {
  requested_deadline_ = std::min(requested_deadline_, now + std::max<Usec>(delay, 0));
}

std::optional<Usec> AckTracker::arrivalOfLatest(uint64_t latest) const {
  if (latest == highest_) return highest_arrival_;
  auto it = std::lower_bound(gaps_.begin(), gaps_.end(), latest + 1,
                             [](const Gap& gap, uint64_t value) { return gap.begin < value; });
  if (it != gaps_.end() && it->begin == latest + 1) return it->arrival_below;
  return std::nullopt;
}

std::optional<wire::AckFrame> AckTracker::buildAckFrame(Usec now, size_t max_bytes) const {
  if (highest_ == 0) return std::nullopt;  // nothing received yet (peer below v10, §3.1)
  if (max_bytes < kMinAckFrameBytes) return std::nullopt;

  // A gap may not be nacked before its nack time (§3.2); `latest` stays below the oldest
  // such gap. Nack times never decrease from older to newer gaps, so every gap below it
  // may be nacked.
  uint64_t latest_limit = highest_;
  size_t usable = gaps_.size();
  for (size_t i = 0; i < gaps_.size(); ++i) {
    if (gaps_[i].nack_allowed_at > now) {
      latest_limit = gaps_[i].begin - 1;
      usable = i;
      break;
    }
  }
  // Top of the received run just above gap i.
  auto topAbove = [&](size_t i) { return i + 1 < usable ? gaps_[i + 1].begin - 1 : latest_limit; };

  // Keep the OLDEST blocks that fit (§3.4: the newest are dropped, `latest` lowered).
  // Block sizes do not depend on how many are kept, so the size grows with the count.
  size_t kept = 0;
  size_t bytes = kMinAckFrameBytes;
  while (kept < usable && kept < kMaxAckBlocksPerFrame) {
    const Gap& gap = gaps_[kept];
    size_t next_bytes =
        bytes + encodedAckBlockBytes(topAbove(kept) + 1 - gap.end, gap.end - gap.begin);
    if (kept + 1 == wire::kAckMaxInlineBlockCount + 1) ++next_bytes;  // the count byte
    if (next_bytes > max_bytes) break;
    bytes = next_bytes;
    ++kept;
  }

  const uint64_t latest = kept == usable ? latest_limit : gaps_[kept].begin - 1;
  // Below v10 packet 0 is not a packet: with only a gap from 1 up, nothing can be said.
  if (latest == 0) return std::nullopt;
  wire::AckFrame frame;
  frame.latest_is_16bit = true;  // the reference's form; required below peer v13 (§1.8)
  frame.latest_packet_number = latest;
  frame.delay_raw = ackDelayField(arrivalOfLatest(frame.latest_packet_number), now);
  frame.has_block_count_byte = kept > wire::kAckMaxInlineBlockCount;
  frame.blocks.reserve(kept);
  for (size_t i = kept; i-- > 0;) {
    const Gap& gap = gaps_[i];
    frame.blocks.push_back(wire::AckBlock{gap.end, topAbove(i) + 1, gap.begin, gap.end});
  }
  frame.implicit_acked_end = kept > 0 ? gaps_[0].begin : frame.latest_packet_number + 1;
  return frame;
}

Usec AckTracker::ackDueTime() const {
  Usec due = std::min(data_ack_deadline_, requested_deadline_);
  for (const Gap& gap : gaps_) {
    if (!gap.reported) due = std::min(due, gap.nack_allowed_at);
  }
  return due;
}

void AckTracker::onAckSent(Usec now, const wire::AckFrame& frame) {
  const uint64_t latest = frame.latest_packet_number;
  for (Gap& gap : gaps_) {
    if (gap.end <= latest + 1 && gap.begin >= frame.implicit_acked_end) gap.reported = true;
  }
  if (latest >= data_ack_up_to_) {
    data_ack_deadline_ = kNever;
    packets_asking_ = 0;
  } else if (data_ack_deadline_ != kNever) {
    // `latest` was held below the packets that asked for an ack. If a gap that may not
    // be nacked yet held it, the full ack can go when that gap may be nacked; otherwise
    // (space) it is still due.
    auto it = std::lower_bound(gaps_.begin(), gaps_.end(), latest + 1,
                               [](const Gap& gap, uint64_t value) { return gap.begin < value; });
    if (it != gaps_.end() && it->begin == latest + 1 && it->nack_allowed_at > now) {
      data_ack_deadline_ = std::max(data_ack_deadline_, it->nack_allowed_at);
    }
  }
  requested_deadline_ = kNever;
  ++counters_.acks_sent;
  counters_.ack_blocks_sent += frame.blocks.size();
}

bool AckTracker::reportsReceived(uint64_t n) const {
  if (highest_ == 0 || n > highest_) return false;
  if (n < stop_) return true;
  auto after = std::upper_bound(gaps_.begin(), gaps_.end(), n,
                                [](uint64_t value, const Gap& gap) { return value < gap.begin; });
  return after == gaps_.begin() || n >= std::prev(after)->end;
}

}  // namespace opengns::snp
