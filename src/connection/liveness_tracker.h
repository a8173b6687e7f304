// Keepalives, reply timeouts and the death rule of a connected connection (lifecycle.md
// §5.3, udp.md §6.1), as a small sans-IO bookkeeper. The connection tells it what it sent
// and received; it says when a keepalive or an urgent ping is needed, when the peer must
// be declared dead, and when to wake up.
//
// Rules (LOCAL values, the timing a GNS peer experiences):
//  - Anything received clears the reply deadline, the timeout counter and the
//    timeout-start time, and sets last_recv.
//  - Sending something that expects a reply starts a reply deadline if none runs:
//    now + min(2 x ping + 250 ms, 1250 ms) (1250 ms before any ping), + 200 ms when the
//    peer may delay its reply (anything but an urgent ping).
//  - When the deadline passes: timeouts += 1, timeout_started = now the first time, the
//    deadline is cleared.
//  - Urgent ping: timeouts > 0, no deadline running, >= 200 ms since the last one.
//  - Keepalive: >= 10 s since last_recv, no deadline running, no timeout counted.
//  - Death: timeouts >= 4 and now >= max(timeout_started, last_recv) + TimeoutConnected.
#pragma once

#include <cstdint>
#include <optional>

#include "snp/time.h"

namespace opengns::connection {

// lifecycle.md §5.1 (LOCAL values).
inline constexpr snp::Usec kKeepaliveAfterSilenceUsec = 10 * snp::kUsecPerSec;
inline constexpr snp::Usec kUrgentPingSpacingUsec = 200 * snp::kUsecPerMsec;
inline constexpr snp::Usec kMaxReplyTimeoutUsec = 1250 * snp::kUsecPerMsec;
inline constexpr snp::Usec kReplyTimeoutSlackUsec = 250 * snp::kUsecPerMsec;
inline constexpr snp::Usec kDelayedReplyAllowanceUsec = 200 * snp::kUsecPerMsec;
inline constexpr int kReplyTimeoutsBeforeDeath = 4;

class LivenessTracker {
 public:
  // Starts counting at `now` as if something had just been received (entering Connected).
  explicit LivenessTracker(snp::Usec now) : last_recv_usec_(now) {}

  // The reply timeout for a request, given the current ping estimate (nullopt = none yet).
  static snp::Usec replyTimeout(std::optional<snp::Usec> ping_usec, bool delayed_reply_allowed);

  void onReceived(snp::Usec now);
  // A packet that expects a reply went out (reliable data, or an ack request).
  void onSentExpectingReply(snp::Usec now, std::optional<snp::Usec> ping_usec,
                            bool delayed_reply_allowed);
  void onUrgentPingSent(snp::Usec now) { last_urgent_ping_usec_ = now; }

  // Advances the reply-deadline bookkeeping to `now`.
  void onTimer(snp::Usec now);

  bool needsUrgentPing(snp::Usec now) const;
  bool needsKeepalive(snp::Usec now) const;
  bool isDead(snp::Usec now, snp::Usec timeout_connected_usec) const;
  // Earliest time one of the above may change (kNever if none).
  snp::Usec nextWakeTime(snp::Usec timeout_connected_usec) const;

  snp::Usec lastReceived() const { return last_recv_usec_; }
  int replyTimeouts() const { return timeouts_; }
  bool replyDeadlineRunning() const { return reply_deadline_usec_.has_value(); }

 private:
  snp::Usec deathDeadline(snp::Usec timeout_connected_usec) const;

  snp::Usec last_recv_usec_;
  std::optional<snp::Usec> reply_deadline_usec_;
  int timeouts_ = 0;
  std::optional<snp::Usec> timeout_started_usec_;
  std::optional<snp::Usec> last_urgent_ping_usec_;
};

}  // namespace opengns::connection
