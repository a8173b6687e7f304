// The "global spam reply limit" of udp.md §5.7 (LOCAL): replies to traffic with the wrong
// IDs (N1 for a non-matching ConnectionClosed, N3 for data to an unknown ID) go out at
// most once per 250 ms. GNS keeps one process-wide timestamp; the API layer owns one
// limiter per instance and hands every connection and listen socket a pointer to it.
// Threading: none; callers serialize (the instance lock).
#pragma once

#include <cstdint>

#include "snp/time.h"

namespace opengns::connection {

// udp.md §5.7 / §8: one spam reply per 250 ms.
inline constexpr snp::Usec kSpamReplyIntervalUsec = 250 * snp::kUsecPerMsec;

class ReplyRateLimiter {
 public:
  // True (and the slot is used) if at least kSpamReplyIntervalUsec passed since the last
  // allowed reply, or none was ever allowed.
  bool allow(snp::Usec now) {
    if (used_ && now - last_usec_ < kSpamReplyIntervalUsec) return false;
    used_ = true;
    last_usec_ = now;
    return true;
  }

 private:
  bool used_ = false;
  snp::Usec last_usec_ = 0;
};

}  // namespace opengns::connection
