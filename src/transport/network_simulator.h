// NetworkSimulator: one direction of an impaired network path (loss, lag, jitter, reordering,
// duplication, rate limit), and SimulatedLink, two of them joined into a test harness.
//
// Why it exists: STYLE.md asks for one deterministic simulator with two uses. The unit tests
// of protocol code run it in virtual time (SimulatedLink), and the transport runs it in real
// time behind the user-facing fake-network options (config.md §1.4.7, ids 2-8, 26-28, 42-45,
// 53-58; lifecycle.md §9.2: loopback socket pairs get them too), one simulator per socket
// and direction. It is sans-IO: every call takes the current monotonic time, and
// nextDeliveryTime() says when to call back. No clock, socket or thread in here.
//
// Guarantees:
// - Deterministic: the same seed, conditions and calls give the same delivery trace on every
//   platform (integer-only randomness, sim_random.h). Each impairment draws from its own
//   random stream, a fixed number of draws per submitted datagram, so for instance turning
//   duplication on does not change which datagrams are lost.
// - Delivery order is (delivery time, submission order): datagrams due at the same instant
//   come out in the order they were submitted.
// - Lag, jitter and rate limiting never reorder; only the reorder knob (and duplicates)
//   make a datagram arrive after one submitted later. Changing conditions never drops or
//   reschedules a datagram already accepted.
// Threading: a plain object; one thread at a time (the caller locks if it shares one).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "common/bytes.h"
#include "transport/sim_random.h"

namespace opengns::transport {

// A monotonic time in microseconds (virtual in tests, the service clock in production).
using MonotonicUsec = int64_t;

// Longest delay any single knob may add, usec (one hour). The documented options stop at
// 5 s; the cap only keeps time arithmetic far from overflow.
inline constexpr MonotonicUsec kMaxSimulatedDelayUsec = 3'600'000'000;

// The documented fake-network options of ONE direction, in the documented units (config.md
// §1.4.7). The api layer fills one for the send side (the *_Send ids) and one for the
// receive side (the *_Recv ids); reorder time and dup time-max are shared by both sides.
// Defaults are the documented defaults.
struct FakeNetworkOptions {
  float packet_loss_percent = 0;           // FakePacketLoss_Send/_Recv (2/3), 0..100
  int32_t packet_lag_ms = 0;               // FakePacketLag_Send/_Recv (4/5), 0..5000
  float packet_reorder_percent = 0;        // FakePacketReorder_Send/_Recv (6/7), 0..100
  int32_t packet_reorder_time_ms = 15;     // FakePacketReorder_Time (8), 0..5000
  float packet_dup_percent = 0;            // FakePacketDup_Send/_Recv (26/27), 0..100
  int32_t packet_dup_time_max_ms = 10;     // FakePacketDup_TimeMax (28), 0..5000
  float packet_jitter_avg_ms = 0;          // FakePacketJitter_*_Avg (53/56), 0..2000
  float packet_jitter_max_ms = 100;        // FakePacketJitter_*_Max (54/57), 0..5000
  float packet_jitter_percent = 75;        // FakePacketJitter_*_Pct (55/58), 0..100
  int32_t rate_limit_bytes_per_sec = 0;    // FakeRateLimit_*_Rate (42/44), 0..2^30
  int32_t rate_limit_burst_bytes = 16384;  // FakeRateLimit_*_Burst (43/45), 0..2^20
};

// What the simulator applies, in simulator units. Every default means "no impairment";
// the parameters that only matter once a percentage or rate is set carry the documented
// defaults. Out-of-range values are clamped when the conditions are installed (NaN
// percentages count as 0, negative times and sizes as 0).
struct NetworkConditions {
  // Percent of submitted datagrams silently dropped. 0..100, default 0.
  double loss_percent = 0;

  // Fixed delay added to every datagram, usec. 0..kMaxSimulatedDelayUsec, default 0.
  MonotonicUsec lag_usec = 0;

  // Jitter: each datagram, with probability jitter_percent, gets an extra delay drawn from an
  // exponential distribution with mean jitter_avg_usec, capped at jitter_max_usec; the others
  // get none. Jitter keeps order: a datagram never overtakes one submitted before it (it waits
  // behind it instead), so jitter alone only bunches datagrams up.
  MonotonicUsec jitter_avg_usec = 0;        // 0 disables jitter; default 0
  MonotonicUsec jitter_max_usec = 100'000;  // cap on one jitter value; default 100 ms
  double jitter_percent = 75;               // 0..100, default 75

  // Reordering: with probability reorder_percent a datagram is held reorder_time_usec longer
  // than its in-order delivery time, so datagrams submitted after it can overtake it.
  double reorder_percent = 0;                // 0..100, default 0
  MonotonicUsec reorder_time_usec = 15'000;  // default 15 ms

  // Duplication: with probability dup_percent a second, byte-identical copy is delivered a
  // uniformly random 0..dup_time_max_usec after the original.
  double dup_percent = 0;                    // 0..100, default 0
  MonotonicUsec dup_time_max_usec = 10'000;  // default 10 ms

  // Token bucket on payload bytes: refills at rate_limit_bytes_per_sec up to
  // rate_limit_burst_bytes. A datagram may leave when the bucket is not negative, and then
  // takes its size out of it (so a datagram larger than the burst still passes, and the
  // long-run rate is exactly the configured one). 0 = limiter off (default).
  int64_t rate_limit_bytes_per_sec = 0;    // 0..2^40
  int64_t rate_limit_burst_bytes = 16384;  // 0..2^32, default 16384

  // OUR EXTENSION (not a documented option): bytes that may wait for tokens. 0 (default,
  // the documented options' behaviour) polices: a datagram that finds the bucket negative
  // is dropped. Above 0 the limiter shapes: such datagrams wait in a FIFO queue of at most
  // this many bytes until the bucket allows them, and a datagram that does not fit is
  // dropped (tail drop), like a router's bottleneck buffer. 0..2^40.
  int64_t rate_limit_queue_bytes = 0;

  // True if any knob changes what or when datagrams are delivered.
  bool impairs() const;
};

// Converts the documented options (clamped to their documented ranges) to conditions.
NetworkConditions networkConditionsFromOptions(const FakeNetworkOptions& options);

// One datagram coming out of the simulator.
struct SimulatedDelivery {
  ByteSpan payload;                // valid only during the callback
  uint64_t tag = 0;                // as given to submit()
  MonotonicUsec submit_usec = 0;   // when it was submitted
  MonotonicUsec deliver_usec = 0;  // its scheduled delivery time (<= now of deliverDue)
  bool duplicate = false;          // true for the extra copy made by duplication
};

enum class SubmitOutcome : uint8_t {
  kScheduled,         // one copy will be delivered
  kDuplicated,        // two copies will be delivered
  kDroppedLoss,       // dropped by loss_percent
  kDroppedRateLimit,  // dropped by the rate limiter (police, or queue full)
};

class NetworkSimulator {
 public:
  struct Stats {
    uint64_t submitted_datagrams = 0;
    uint64_t submitted_bytes = 0;
    uint64_t dropped_loss_datagrams = 0;
    uint64_t dropped_rate_limit_datagrams = 0;
    uint64_t dropped_bytes = 0;                 // both kinds of drop
    uint64_t duplicated_datagrams = 0;          // extra copies made
    uint64_t reordered_datagrams = 0;           // datagrams given the reorder delay
    uint64_t jittered_datagrams = 0;            // datagrams given a non-zero jitter value
    uint64_t rate_limit_delayed_datagrams = 0;  // datagrams that waited in the shaper queue
    uint64_t delivered_datagrams = 0;           // including duplicates
    uint64_t delivered_bytes = 0;
    uint64_t discarded_datagrams = 0;  // thrown away by discardAll()
    uint64_t queued_datagrams = 0;     // scheduled, not yet delivered (now)
    uint64_t queued_bytes = 0;
    uint64_t peak_queued_datagrams = 0;

    uint64_t droppedDatagrams() const {
      return dropped_loss_datagrams + dropped_rate_limit_datagrams;
    }
  };

  using DeliverFn = absl::FunctionRef<void(const SimulatedDelivery&)>;

  explicit NetworkSimulator(uint64_t seed, const NetworkConditions& conditions = {});

  NetworkSimulator(const NetworkSimulator&) = delete;
  NetworkSimulator& operator=(const NetworkSimulator&) = delete;

  // Installs new conditions (clamped, see NetworkConditions) for datagrams submitted from now
  // on. Datagrams already scheduled keep their delivery times.
  void setConditions(const NetworkConditions& conditions);
  const NetworkConditions& conditions() const { return conditions_; }

  // Hands one datagram to the path at `now_usec` and decides its fate. The bytes are copied
  // (into recycled storage). A time earlier than one seen before is treated as that time.
  SubmitOutcome submit(MonotonicUsec now_usec, ByteSpan datagram, uint64_t tag = 0);

  // Calls `deliver` for every datagram due at or before `now_usec`, in delivery order, and
  // returns how many. The callback may submit() to this or another simulator (a datagram
  // due by `now_usec` is delivered in the same call) and may call discardAll(); it must not
  // destroy the simulator.
  size_t deliverDue(MonotonicUsec now_usec, DeliverFn deliver);

  // When the next datagram is due, or nullopt if none is in flight.
  std::optional<MonotonicUsec> nextDeliveryTime() const;

  bool empty() const { return heap_.empty(); }

  // Drops every datagram in flight (e.g. the socket closed); returns how many.
  size_t discardAll();

  // True when nothing is impaired and nothing is in flight: a caller may bypass the
  // simulator and send directly without changing behaviour.
  bool transparent() const { return !impairs_ && heap_.empty(); }

  Stats stats() const;

 private:
  struct Slot {
    Bytes bytes;
    uint64_t tag = 0;
    MonotonicUsec submit_usec = 0;
  };
  struct Entry {
    MonotonicUsec deliver_usec;
    uint64_t sequence;  // tie-break: submission order
    uint32_t slot;
    bool duplicate;
  };
  struct Later {
    bool operator()(const Entry& a, const Entry& b) const {
      if (a.deliver_usec != b.deliver_usec) return a.deliver_usec > b.deliver_usec;
      return a.sequence > b.sequence;
    }
  };

  // The time the rate limiter lets a datagram of `bytes` leave, or nullopt to drop it.
  std::optional<MonotonicUsec> rateLimitDeparture(MonotonicUsec now_usec, size_t bytes);
  void refillBucket(MonotonicUsec until_usec);
  uint32_t acquireSlot();
  void schedule(MonotonicUsec deliver_usec, uint32_t slot, bool duplicate);

  NetworkConditions conditions_;
  bool impairs_ = false;
  PercentChance loss_chance_;
  PercentChance jitter_chance_;
  PercentChance reorder_chance_;
  PercentChance dup_chance_;

  // One stream per impairment (see the file comment).
  SimRandom loss_random_;
  SimRandom jitter_random_;
  SimRandom reorder_random_;
  SimRandom dup_random_;

  MonotonicUsec latest_now_usec_;
  // Delivery time of the last datagram on the in-order path (everything but the reorder
  // delay and duplicates); later datagrams never go before it.
  MonotonicUsec last_in_order_usec_;

  // Token bucket, in byte-microseconds (bytes * 10^6) so refills are exact integers.
  int64_t bucket_scaled_ = 0;
  MonotonicUsec bucket_time_usec_ = 0;
  // The shaper queue: (departure time, bytes) of datagrams still waiting for tokens.
  std::deque<std::pair<MonotonicUsec, size_t>> shaper_queue_;
  int64_t shaper_queue_bytes_ = 0;

  // Payload storage: slots are recycled (their vectors keep capacity), and a deque keeps a
  // slot's address stable while a delivery callback submits more datagrams.
  std::deque<Slot> slots_;
  std::vector<uint32_t> free_slots_;
  std::vector<Entry> heap_;  // min-heap on (deliver_usec, sequence)
  uint64_t next_sequence_ = 0;

  Stats stats_;
};

// Which end of a SimulatedLink.
enum class LinkEnd : uint8_t { kA = 0, kB = 1 };
inline LinkEnd otherEnd(LinkEnd end) {
  return end == LinkEnd::kA ? LinkEnd::kB : LinkEnd::kA;
}

// Two endpoints joined by two simulators (A -> B and B -> A) and a virtual clock, for unit
// tests of protocol code: endpoints send with send(), receive through their on_datagram
// callback, and expose their own timer; step() jumps the clock to the earliest event
// (a delivery or an endpoint wake) and dispatches it, so a test runs "until idle" without
// sleeping and deterministically.
// Dispatch order within one instant: datagrams to B, datagrams to A, then A's wake, B's wake.
// Callbacks may send() and change conditions; they run on the caller's thread.
class SimulatedLink {
 public:
  struct Endpoint {
    // A datagram from the other end arrived at `now_usec`.
    std::function<void(MonotonicUsec now_usec, const SimulatedDelivery& delivery)> on_datagram;
    // The endpoint's next timer (the sans-IO nextWakeTime()); empty or nullopt = none.
    // Consulted only when on_wake is set.
    std::function<std::optional<MonotonicUsec>()> next_wake_usec;
    // The clock reached next_wake_usec().
    std::function<void(MonotonicUsec now_usec)> on_wake;
  };

  // Safety net for runUntilIdle()/runUntil(): a test whose endpoints never go quiet fails
  // instead of hanging.
  static constexpr size_t kDefaultMaxSteps = 1'000'000;

  explicit SimulatedLink(uint64_t seed, const NetworkConditions& a_to_b = {},
                         const NetworkConditions& b_to_a = {}, MonotonicUsec start_usec = 0);

  void setEndpoint(LinkEnd end, Endpoint endpoint);

  // The direction taken by datagrams that `from` sends (its conditions and stats).
  NetworkSimulator& path(LinkEnd from) { return paths_[index(from)]; }
  const NetworkSimulator& path(LinkEnd from) const { return paths_[index(from)]; }

  MonotonicUsec nowUsec() const { return now_usec_; }

  // Sends a datagram from `from` at the current virtual time.
  SubmitOutcome send(LinkEnd from, ByteSpan datagram, uint64_t tag = 0);

  // The earliest pending event (delivery or endpoint wake), not earlier than now; nullopt
  // when idle.
  std::optional<MonotonicUsec> nextEventUsec() const;

  // Advances the clock to the next event and dispatches everything due then. False if idle.
  bool step();

  // Steps until idle; false if `max_steps` ran out first (the endpoints never go quiet).
  bool runUntilIdle(size_t max_steps = kDefaultMaxSteps);

  // Steps through every event up to `deadline_usec`, then sets the clock to it (if later).
  // False if `max_steps` ran out first.
  bool runUntil(MonotonicUsec deadline_usec, size_t max_steps = kDefaultMaxSteps);

 private:
  static size_t index(LinkEnd end) { return static_cast<size_t>(end); }
  std::optional<MonotonicUsec> wakeOf(LinkEnd end) const;

  MonotonicUsec now_usec_;
  NetworkSimulator paths_[2];  // [0]: A -> B, [1]: B -> A
  Endpoint endpoints_[2];
};

}  // namespace opengns::transport
