// NetworkSimulator and SimulatedLink; see network_simulator.h for the model and guarantees.
//
// Pipeline of one submitted datagram (config.md §1.4.7 fixes lag, then jitter, then
// reordering; where loss, the limiter and duplication sit is our choice):
//   loss -> rate limiter (departure time) -> + lag -> + jitter, kept in order
//        -> + reorder delay -> duplicate copy a random 0..dup_time_max later.
// Loss comes first so a lost datagram uses no bandwidth; duplication comes last so both
// copies are the same bytes the path carried.
#include "transport/network_simulator.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace opengns::transport {
namespace {

constexpr int64_t kUsecPerSec = 1'000'000;
constexpr int64_t kMaxRateBytesPerSec = int64_t{1} << 40;
constexpr int64_t kMaxBurstBytes = int64_t{1} << 32;
constexpr int64_t kMaxQueueBytes = int64_t{1} << 40;
// Token cost is capped so that bytes * 10^6 stays far inside int64 for absurd sizes.
constexpr int64_t kMaxTokenCostBytes = int64_t{1} << 32;

// Documented ranges of the options (config.md §1.4.7).
constexpr int32_t kMaxOptionDelayMs = 5000;
constexpr float kMaxOptionJitterAvgMs = 2000;
constexpr int32_t kMaxOptionRateBytesPerSec = 1073741824;
constexpr int32_t kMaxOptionBurstBytes = 1048576;

double clampPercent(double percent) {
  if (!(percent > 0.0)) return 0.0;  // also NaN
  return percent > 100.0 ? 100.0 : percent;
}

int64_t clampInt(int64_t value, int64_t max) {
  return std::clamp<int64_t>(value, 0, max);
}

MonotonicUsec satAdd(MonotonicUsec a, MonotonicUsec b) {
  // b is never negative here.
  if (a > std::numeric_limits<MonotonicUsec>::max() - b) {
    return std::numeric_limits<MonotonicUsec>::max();
  }
  return a + b;
}

// Float milliseconds (clamped to [0, max_ms], NaN = 0) to microseconds.
MonotonicUsec floatMsToUsec(float ms, float max_ms) {
  if (!(ms > 0.0f)) return 0;
  const double clamped = ms > max_ms ? max_ms : ms;
  return static_cast<MonotonicUsec>(std::llround(clamped * 1000.0));
}

MonotonicUsec intMsToUsec(int32_t ms, int32_t max_ms) {
  return static_cast<MonotonicUsec>(std::clamp(ms, 0, max_ms)) * 1000;
}

// Each impairment gets its own stream, derived from the one seed.
uint64_t streamSeed(uint64_t seed, uint64_t stream) {
  uint64_t state = seed ^ (stream * 0xd1342543de82ef95);
  return splitMix64(state);
}

}  // namespace

bool NetworkConditions::impairs() const {
  return loss_percent > 0 || lag_usec > 0 ||
         (jitter_avg_usec > 0 && jitter_max_usec > 0 && jitter_percent > 0) ||
         (reorder_percent > 0 && reorder_time_usec > 0) || dup_percent > 0 ||
         rate_limit_bytes_per_sec > 0;
}

NetworkConditions networkConditionsFromOptions(const FakeNetworkOptions& options) {
  NetworkConditions conditions;
  conditions.loss_percent = clampPercent(options.packet_loss_percent);
  conditions.lag_usec = intMsToUsec(options.packet_lag_ms, kMaxOptionDelayMs);
  conditions.reorder_percent = clampPercent(options.packet_reorder_percent);
  conditions.reorder_time_usec = intMsToUsec(options.packet_reorder_time_ms, kMaxOptionDelayMs);
  conditions.dup_percent = clampPercent(options.packet_dup_percent);
  conditions.dup_time_max_usec = intMsToUsec(options.packet_dup_time_max_ms, kMaxOptionDelayMs);
  conditions.jitter_avg_usec = floatMsToUsec(options.packet_jitter_avg_ms, kMaxOptionJitterAvgMs);
  conditions.jitter_max_usec = floatMsToUsec(options.packet_jitter_max_ms, kMaxOptionDelayMs);
  conditions.jitter_percent = clampPercent(options.packet_jitter_percent);
  conditions.rate_limit_bytes_per_sec =
      std::clamp(options.rate_limit_bytes_per_sec, 0, kMaxOptionRateBytesPerSec);
  conditions.rate_limit_burst_bytes =
      std::clamp(options.rate_limit_burst_bytes, 0, kMaxOptionBurstBytes);
  conditions.rate_limit_queue_bytes = 0;  // the documented limiter polices
  return conditions;
}

NetworkSimulator::NetworkSimulator(uint64_t seed, const NetworkConditions& conditions)
    : loss_random_(streamSeed(seed, 1)),
      jitter_random_(streamSeed(seed, 2)),
      reorder_random_(streamSeed(seed, 3)),
      dup_random_(streamSeed(seed, 4)),
      latest_now_usec_(std::numeric_limits<MonotonicUsec>::min()),
      last_in_order_usec_(std::numeric_limits<MonotonicUsec>::min()) {
  setConditions(conditions);
}

void NetworkSimulator::setConditions(const NetworkConditions& requested) {
  const bool limiter_was_on = conditions_.rate_limit_bytes_per_sec > 0;
  NetworkConditions c = requested;
  c.loss_percent = clampPercent(c.loss_percent);
  c.lag_usec = clampInt(c.lag_usec, kMaxSimulatedDelayUsec);
  c.jitter_avg_usec = clampInt(c.jitter_avg_usec, kMaxSimulatedDelayUsec);
  c.jitter_max_usec = clampInt(c.jitter_max_usec, kMaxSimulatedDelayUsec);
  c.jitter_percent = clampPercent(c.jitter_percent);
  c.reorder_percent = clampPercent(c.reorder_percent);
  c.reorder_time_usec = clampInt(c.reorder_time_usec, kMaxSimulatedDelayUsec);
  c.dup_percent = clampPercent(c.dup_percent);
  c.dup_time_max_usec = clampInt(c.dup_time_max_usec, kMaxSimulatedDelayUsec);
  c.rate_limit_bytes_per_sec = clampInt(c.rate_limit_bytes_per_sec, kMaxRateBytesPerSec);
  c.rate_limit_burst_bytes = clampInt(c.rate_limit_burst_bytes, kMaxBurstBytes);
  c.rate_limit_queue_bytes = clampInt(c.rate_limit_queue_bytes, kMaxQueueBytes);
  conditions_ = c;
  impairs_ = c.impairs();
  loss_chance_ = PercentChance(c.loss_percent);
  jitter_chance_ = PercentChance(c.jitter_avg_usec > 0 ? c.jitter_percent : 0.0);
  reorder_chance_ = PercentChance(c.reorder_time_usec > 0 ? c.reorder_percent : 0.0);
  dup_chance_ = PercentChance(c.dup_percent);

  const int64_t cap_scaled = c.rate_limit_burst_bytes * kUsecPerSec;
  if (c.rate_limit_bytes_per_sec > 0 && !limiter_was_on) {
    // A limiter switched on starts with a full bucket and an empty queue.
    bucket_scaled_ = cap_scaled;
    bucket_time_usec_ = latest_now_usec_;
    shaper_queue_.clear();
    shaper_queue_bytes_ = 0;
  } else if (bucket_scaled_ > cap_scaled) {
    bucket_scaled_ = cap_scaled;  // a smaller burst takes effect at once
  }
}

void NetworkSimulator::refillBucket(MonotonicUsec until_usec) {
  if (until_usec <= bucket_time_usec_) return;
  const uint64_t rate = static_cast<uint64_t>(conditions_.rate_limit_bytes_per_sec);  // > 0
  const int64_t cap_scaled = conditions_.rate_limit_burst_bytes * kUsecPerSec;
  // Unsigned: the span between two int64 times always fits (the bucket may still carry the
  // "never" time it was created with).
  const uint64_t elapsed_usec =
      static_cast<uint64_t>(until_usec) - static_cast<uint64_t>(bucket_time_usec_);
  const int64_t missing_scaled = cap_scaled - bucket_scaled_;
  // Compare before multiplying: elapsed * rate may not fit in 64 bits.
  if (missing_scaled <= 0 || elapsed_usec >= static_cast<uint64_t>(missing_scaled) / rate + 1) {
    bucket_scaled_ = cap_scaled;
  } else {
    bucket_scaled_ += static_cast<int64_t>(elapsed_usec * rate);  // < missing_scaled
  }
  bucket_time_usec_ = until_usec;
}

std::optional<MonotonicUsec> NetworkSimulator::rateLimitDeparture(MonotonicUsec now_usec,
                                                                  size_t bytes) {
  const int64_t rate = conditions_.rate_limit_bytes_per_sec;
  // The bucket's clock may be ahead of now: the last queued datagram leaves in the future.
  const MonotonicUsec start_usec = std::max(now_usec, bucket_time_usec_);
  refillBucket(start_usec);
  MonotonicUsec departure_usec = start_usec;
  int64_t wait_usec = 0;
  if (bucket_scaled_ < 0) {
    wait_usec = (-bucket_scaled_ + rate - 1) / rate;
    departure_usec = satAdd(start_usec, wait_usec);
  }
  if (departure_usec > now_usec) {
    // It would have to wait for tokens: queue it if the shaper has room, else drop it.
    while (!shaper_queue_.empty() && shaper_queue_.front().first <= now_usec) {
      shaper_queue_bytes_ -= static_cast<int64_t>(shaper_queue_.front().second);
      shaper_queue_.pop_front();
    }
    if (shaper_queue_bytes_ + static_cast<int64_t>(bytes) > conditions_.rate_limit_queue_bytes ||
        conditions_.rate_limit_queue_bytes == 0) {
      return std::nullopt;
    }
    shaper_queue_.emplace_back(departure_usec, bytes);
    shaper_queue_bytes_ += static_cast<int64_t>(bytes);
    ++stats_.rate_limit_delayed_datagrams;
  }
  if (wait_usec > 0) {
    // Back to >= 0 (at most one microsecond of tokens over, clipped at the burst).
    bucket_scaled_ = std::min(bucket_scaled_ + wait_usec * rate,
                              conditions_.rate_limit_burst_bytes * kUsecPerSec);
    bucket_time_usec_ = departure_usec;
  }
  const int64_t cost_bytes = std::min(static_cast<int64_t>(bytes), kMaxTokenCostBytes);
  bucket_scaled_ -= cost_bytes * kUsecPerSec;
  return departure_usec;
}

uint32_t NetworkSimulator::acquireSlot() {
  if (!free_slots_.empty()) {
    const uint32_t slot = free_slots_.back();
    free_slots_.pop_back();
    return slot;
  }
  slots_.emplace_back();
  return static_cast<uint32_t>(slots_.size() - 1);
}

void NetworkSimulator::schedule(MonotonicUsec deliver_usec, uint32_t slot, bool duplicate) {
  heap_.push_back(Entry{deliver_usec, next_sequence_++, slot, duplicate});
  std::push_heap(heap_.begin(), heap_.end(), Later{});
  stats_.queued_bytes += slots_[slot].bytes.size();
  stats_.peak_queued_datagrams = std::max<uint64_t>(stats_.peak_queued_datagrams, heap_.size());
}

SubmitOutcome NetworkSimulator::submit(MonotonicUsec now_usec, ByteSpan datagram, uint64_t tag) {
  now_usec = std::max(now_usec, latest_now_usec_);
  latest_now_usec_ = now_usec;
  ++stats_.submitted_datagrams;
  stats_.submitted_bytes += datagram.size();

  // Every stream advances by the same number of draws whatever happens to the datagram.
  const bool lost = loss_random_.chance(loss_chance_);
  const bool jittered = jitter_random_.chance(jitter_chance_);
  const uint64_t jitter_bits = jitter_random_.next();
  const bool reordered = reorder_random_.chance(reorder_chance_);
  const bool duplicated = dup_random_.chance(dup_chance_);
  const uint64_t dup_delay_usec =
      dup_random_.uniformUpTo(static_cast<uint64_t>(conditions_.dup_time_max_usec));

  if (lost) {
    ++stats_.dropped_loss_datagrams;
    stats_.dropped_bytes += datagram.size();
    return SubmitOutcome::kDroppedLoss;
  }
  MonotonicUsec departure_usec = now_usec;
  if (conditions_.rate_limit_bytes_per_sec > 0) {
    const std::optional<MonotonicUsec> departure = rateLimitDeparture(now_usec, datagram.size());
    if (!departure) {
      ++stats_.dropped_rate_limit_datagrams;
      stats_.dropped_bytes += datagram.size();
      return SubmitOutcome::kDroppedRateLimit;
    }
    departure_usec = *departure;
  }

  MonotonicUsec in_order_usec = satAdd(departure_usec, conditions_.lag_usec);
  if (jittered) {
    const uint64_t jitter_usec = SimRandom::exponentialFromBits(
        jitter_bits, static_cast<uint64_t>(conditions_.jitter_avg_usec),
        static_cast<uint64_t>(conditions_.jitter_max_usec));
    if (jitter_usec > 0) {
      in_order_usec = satAdd(in_order_usec, static_cast<MonotonicUsec>(jitter_usec));
      ++stats_.jittered_datagrams;
    }
  }
  // Lag and jitter change the delay, never the order: wait behind the previous datagram.
  in_order_usec = std::max(in_order_usec, last_in_order_usec_);
  last_in_order_usec_ = in_order_usec;

  MonotonicUsec deliver_usec = in_order_usec;
  if (reordered) {
    deliver_usec = satAdd(deliver_usec, conditions_.reorder_time_usec);
    ++stats_.reordered_datagrams;
  }

  const uint32_t slot = acquireSlot();
  {
    Slot& stored = slots_[slot];
    stored.bytes.assign(datagram.begin(), datagram.end());
    stored.tag = tag;
    stored.submit_usec = now_usec;
  }
  schedule(deliver_usec, slot, /*duplicate=*/false);
  if (!duplicated) return SubmitOutcome::kScheduled;

  const uint32_t copy = acquireSlot();
  // Both references stay valid: a deque does not move its elements on emplace_back.
  const Slot& original = slots_[slot];
  Slot& duplicate = slots_[copy];
  duplicate.bytes.assign(original.bytes.begin(), original.bytes.end());
  duplicate.tag = tag;
  duplicate.submit_usec = now_usec;
  schedule(satAdd(deliver_usec, static_cast<MonotonicUsec>(dup_delay_usec)), copy,
           /*duplicate=*/true);
  ++stats_.duplicated_datagrams;
  return SubmitOutcome::kDuplicated;
}

size_t NetworkSimulator::deliverDue(MonotonicUsec now_usec, DeliverFn deliver) {
  size_t delivered = 0;
  while (!heap_.empty() && heap_.front().deliver_usec <= now_usec) {
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    const Entry entry = heap_.back();
    heap_.pop_back();
    // The slot is not on the free list until the callback returns, so a submit() from the
    // callback cannot overwrite it, and the deque keeps its address.
    Slot& slot = slots_[entry.slot];
    stats_.queued_bytes -= slot.bytes.size();
    ++stats_.delivered_datagrams;
    stats_.delivered_bytes += slot.bytes.size();
    ++delivered;
    deliver(SimulatedDelivery{ByteSpan(slot.bytes), slot.tag, slot.submit_usec, entry.deliver_usec,
                              entry.duplicate});
    slot.bytes.clear();  // keeps the capacity for the next datagram
    free_slots_.push_back(entry.slot);
  }
  return delivered;
}

std::optional<MonotonicUsec> NetworkSimulator::nextDeliveryTime() const {
  if (heap_.empty()) return std::nullopt;
  return heap_.front().deliver_usec;
}

size_t NetworkSimulator::discardAll() {
  const size_t discarded = heap_.size();
  for (const Entry& entry : heap_) {
    slots_[entry.slot].bytes.clear();
    free_slots_.push_back(entry.slot);
  }
  heap_.clear();
  stats_.queued_bytes = 0;
  stats_.discarded_datagrams += discarded;
  shaper_queue_.clear();
  shaper_queue_bytes_ = 0;
  return discarded;
}

NetworkSimulator::Stats NetworkSimulator::stats() const {
  Stats stats = stats_;
  stats.queued_datagrams = heap_.size();
  return stats;
}

// ---------------------------------------------------------------------------------------------

SimulatedLink::SimulatedLink(uint64_t seed, const NetworkConditions& a_to_b,
                             const NetworkConditions& b_to_a, MonotonicUsec start_usec)
    : now_usec_(start_usec),
      paths_{NetworkSimulator(streamSeed(seed, 101), a_to_b),
             NetworkSimulator(streamSeed(seed, 102), b_to_a)} {}

void SimulatedLink::setEndpoint(LinkEnd end, Endpoint endpoint) {
  endpoints_[index(end)] = std::move(endpoint);
}

SubmitOutcome SimulatedLink::send(LinkEnd from, ByteSpan datagram, uint64_t tag) {
  return path(from).submit(now_usec_, datagram, tag);
}

std::optional<MonotonicUsec> SimulatedLink::wakeOf(LinkEnd end) const {
  const Endpoint& endpoint = endpoints_[index(end)];
  // A timer nobody handles would be due forever; it is not an event.
  if (!endpoint.next_wake_usec || !endpoint.on_wake) return std::nullopt;
  return endpoint.next_wake_usec();
}

std::optional<MonotonicUsec> SimulatedLink::nextEventUsec() const {
  std::optional<MonotonicUsec> next;
  auto consider = [&next](std::optional<MonotonicUsec> candidate) {
    if (candidate && (!next || *candidate < *next)) next = candidate;
  };
  consider(paths_[0].nextDeliveryTime());
  consider(paths_[1].nextDeliveryTime());
  consider(wakeOf(LinkEnd::kA));
  consider(wakeOf(LinkEnd::kB));
  if (next && *next < now_usec_) next = now_usec_;  // overdue events happen now
  return next;
}

bool SimulatedLink::step() {
  const std::optional<MonotonicUsec> next = nextEventUsec();
  if (!next) return false;
  now_usec_ = *next;
  for (LinkEnd from : {LinkEnd::kA, LinkEnd::kB}) {
    Endpoint& receiver = endpoints_[index(otherEnd(from))];
    path(from).deliverDue(now_usec_, [&](const SimulatedDelivery& delivery) {
      if (receiver.on_datagram) receiver.on_datagram(now_usec_, delivery);
    });
  }
  for (LinkEnd end : {LinkEnd::kA, LinkEnd::kB}) {
    const std::optional<MonotonicUsec> wake = wakeOf(end);
    Endpoint& endpoint = endpoints_[index(end)];
    if (wake && *wake <= now_usec_) endpoint.on_wake(now_usec_);
  }
  return true;
}

bool SimulatedLink::runUntilIdle(size_t max_steps) {
  for (size_t steps = 0; steps < max_steps; ++steps) {
    if (!step()) return true;
  }
  return !nextEventUsec().has_value();
}

bool SimulatedLink::runUntil(MonotonicUsec deadline_usec, size_t max_steps) {
  for (size_t steps = 0;; ++steps) {
    const std::optional<MonotonicUsec> next = nextEventUsec();
    if (!next || *next > deadline_usec) break;
    if (steps == max_steps) return false;
    step();
  }
  now_usec_ = std::max(now_usec_, deadline_usec);
  return true;
}

}  // namespace opengns::transport
