// See inline_stats.h. Rule: udp.md §2.9 ("Implied flag").
#include "wire/inline_stats.h"

#include "wire/udp_constants.h"

namespace opengns::wire {
namespace {

uint32_t impliedFlags(const UdpStats& stats) {
  return stats.has_stats() ? kStatsFlagAckRequestE2E : 0;
}

}  // namespace

uint32_t effectiveStatsFlags(const UdpStats& stats) {
  return stats.flags() | impliedFlags(stats);
}

void setStatsFlags(UdpStats& stats, uint32_t flags) {
  const uint32_t implied = impliedFlags(stats);
  if ((flags & ~implied) != 0) {
    stats.set_flags(flags | implied);
  } else {
    stats.clear_flags();
  }
}

Bytes serializeInlineStats(const UdpStats& stats) {
  Bytes out(stats.ByteSizeLong());
  // Cannot fail: no required fields, and the buffer has exactly ByteSizeLong() bytes.
  stats.SerializeToArray(out.data(), static_cast<int>(out.size()));
  return out;
}

}  // namespace opengns::wire
