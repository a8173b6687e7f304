// Reply timeouts, keepalives and the death rule (see liveness_tracker.h).
#include "connection/liveness_tracker.h"

#include <algorithm>

namespace opengns::connection {

snp::Usec LivenessTracker::replyTimeout(std::optional<snp::Usec> ping_usec,
                                        bool delayed_reply_allowed) {
  snp::Usec timeout = kMaxReplyTimeoutUsec;
  if (ping_usec) {
    timeout = std::min(2 * std::max<snp::Usec>(*ping_usec, 0) + kReplyTimeoutSlackUsec,
                       kMaxReplyTimeoutUsec);
  }
  if (delayed_reply_allowed) timeout += kDelayedReplyAllowanceUsec;
  return timeout;
}

void LivenessTracker::onReceived(snp::Usec now) {
  last_recv_usec_ = now;
  reply_deadline_usec_.reset();
  timeouts_ = 0;
  timeout_started_usec_.reset();
}

void LivenessTracker::onSentExpectingReply(snp::Usec now, std::optional<snp::Usec> ping_usec,
                                           bool delayed_reply_allowed) {
  if (reply_deadline_usec_) return;
  reply_deadline_usec_ = now + replyTimeout(ping_usec, delayed_reply_allowed);
}

void LivenessTracker::onTimer(snp::Usec now) {
  if (reply_deadline_usec_ && now >= *reply_deadline_usec_) {
    ++timeouts_;
    if (!timeout_started_usec_) timeout_started_usec_ = now;
    reply_deadline_usec_.reset();
  }
}

bool LivenessTracker::needsUrgentPing(snp::Usec now) const {
  if (timeouts_ == 0 || reply_deadline_usec_) return false;
  return !last_urgent_ping_usec_ || now - *last_urgent_ping_usec_ >= kUrgentPingSpacingUsec;
}

bool LivenessTracker::needsKeepalive(snp::Usec now) const {
  return timeouts_ == 0 && !reply_deadline_usec_ &&
         now - last_recv_usec_ >= kKeepaliveAfterSilenceUsec;
}

snp::Usec LivenessTracker::deathDeadline(snp::Usec timeout_connected_usec) const {
  return std::max(timeout_started_usec_.value_or(last_recv_usec_), last_recv_usec_) +
         std::max<snp::Usec>(timeout_connected_usec, 0);
}

bool LivenessTracker::isDead(snp::Usec now, snp::Usec timeout_connected_usec) const {
  return timeouts_ >= kReplyTimeoutsBeforeDeath && now >= deathDeadline(timeout_connected_usec);
}

snp::Usec LivenessTracker::nextWakeTime(snp::Usec timeout_connected_usec) const {
  snp::Usec wake = snp::kNever;
  if (reply_deadline_usec_) {
    wake = std::min(wake, *reply_deadline_usec_);
  } else if (timeouts_ > 0) {
    wake = std::min(wake, last_urgent_ping_usec_ ? *last_urgent_ping_usec_ + kUrgentPingSpacingUsec
                                                 : last_recv_usec_);
  } else {
    wake = std::min(wake, last_recv_usec_ + kKeepaliveAfterSilenceUsec);
  }
  if (timeouts_ >= kReplyTimeoutsBeforeDeath) {
    wake = std::min(wake, deathDeadline(timeout_connected_usec));
  }
  return wake;
}

}  // namespace opengns::connection
