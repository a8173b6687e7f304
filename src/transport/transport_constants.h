// Sizes and kernel limits of the UDP transport. The two protocol numbers repeat
// wire/udp_constants.h on purpose: this layer links only opengns_common, and a static_assert
// in the tests keeps the copies equal. The kernel limits are those of Linux UDP GSO/GRO.
#pragma once

#include <cstddef>

namespace opengns::transport {

// Largest datagram anyone sends (udp.md §4.6, WIRE limit).
inline constexpr size_t kMaxDatagramBytes = 1300;
// GNS reads every datagram into a buffer of this size (udp.md §1); ours is the same, so a
// datagram that GNS could read whole we can too. Larger ones arrive truncated and are dropped.
inline constexpr size_t kReceiveSlotBytes = 2324;

// Linux refuses a UDP_SEGMENT send of more segments than this (UDP_MAX_SEGMENTS was 64 for
// years and is larger on recent kernels; 64 works everywhere).
inline constexpr size_t kMaxGsoSegments = 64;
// Payload of one GSO send: an IPv4 datagram carries at most 65535 - 20 (IP) - 8 (UDP)
// bytes. IPv6 allows 65527; the IPv4 figure is safe for both.
inline constexpr size_t kMaxGsoPayloadBytes = 65507;
// A GRO receive can return a coalesced buffer up to the largest UDP payload; a smaller
// buffer would truncate it and lose every segment past the end.
inline constexpr size_t kGroBufferBytes = 65536;
// Upper bound on the segments in one coalesced receive. Software GRO stops at 64, but on
// loopback a GSO send reaches a GRO socket unsplit, and newer kernels allow 128 segments.
inline constexpr size_t kMaxGroSegments = 128;
// Coalesced buffers a default receive batch (DatagramBatch::forReceiving) leaves room for in
// one recvmmsg. Each needs kGroBufferBytes of arena and kMaxGroSegments entries up front.
inline constexpr size_t kGroBuffersPerReceive = 8;

}  // namespace opengns::transport
