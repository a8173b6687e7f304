// The flags rule of the inline stats blob, CMsgSteamSockets_UDP_Stats (udp.md §2.9).
// WIRE: the presence of the quality report (field 1) implies ACK_REQUEST_E2E. GNS omits
// field 3 when the implied bit is all it wants, and includes the implied bit whenever it
// writes field 3. These helpers apply that rule both ways so that no caller reads
// `flags()` raw and misses the implied request.
#pragma once

#include <cstdint>

#include "common/bytes.h"
#include "opengns_stats.pb.h"

namespace opengns::wire {

// Receiver: the flags the blob requests, the implied ACK_REQUEST_E2E included.
uint32_t effectiveStatsFlags(const UdpStats& stats);

// Sender: sets or clears field 3 for `flags` (a set of kStatsFlag*), given whether
// field 1 is already present: implied = E2E if field 1 present; field 3 is written as
// flags | implied if `flags` has any bit outside implied, else omitted.
void setStatsFlags(UdpStats& stats, uint32_t flags);

// The blob bytes to put after the varint length in a data header (udp.md §4.2).
Bytes serializeInlineStats(const UdpStats& stats);

}  // namespace opengns::wire
