// The process-wide registry of local connection IDs (= connection handles, lifecycle.md
// §6.1): random 32-bit values with both 16-bit halves non-zero, whose low 16 bits are
// unique among the live connections of the process (a peer and our own routing look
// connections up by them) and differ from the 256 most recently released ones, so a stale
// handle or a late packet does not reach a new connection. At most 8191 live IDs (LOCAL
// limit of GNS): beyond that allocation fails.
//
// Threading: any thread; one mutex inside (never held while calling out).
#pragma once

#include <cstddef>
#include <cstdint>

namespace opengns::api {

// lifecycle.md §6.1 (LOCAL): live connections per process, and recent low halves avoided.
inline constexpr size_t kMaxLiveConnectionIds = 0x1fff;
inline constexpr size_t kRecentConnectionIdsAvoided = 256;

// A fresh ID, or 0 when the process holds kMaxLiveConnectionIds already (or the random
// source failed).
uint32_t allocateConnectionId();
// Gives an ID back (the connection object is gone). Unknown IDs are ignored.
void releaseConnectionId(uint32_t id);
// Live IDs of the process (tests).
size_t liveConnectionIdCount();

}  // namespace opengns::api
