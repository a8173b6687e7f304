// The close packets of udp.md §2.6, §2.7, §5.5-5.6 and their matching rules, as pure
// functions, so that a connection and a listen socket build them identically:
//   ConnectionClosed  {from = my ID, to = peer ID if known, reason_code, debug if non-empty}
//   N1 (echo)         {from = received to, to = received from}, each omitted if 0
//   N2 (closing)      {from = my ID, to = peer ID if known}
//   N3 (wrong ID)     {from = the to_connection_id found in the data packet}
// Guarantees: a zero ID is never written (0 means "absent" everywhere, udp.md §3.1); the
// debug text written is at most 127 bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "opengns_udp.pb.h"

namespace opengns::connection {

// udp.md §2.6 sender side.
wire::ConnectionClosed makeConnectionClosed(uint32_t from_id, uint32_t to_id, int reason_code,
                                            std::string_view debug);

// N2 / N3 shapes (udp.md §5.6): each field only if non-zero.
wire::NoConnection makeNoConnection(uint32_t from_id, uint32_t to_id);

// N1: the echo reply to a ConnectionClosed. nullopt when both IDs are absent: GNS would
// send a bare 1-byte `25` that every receiver drops as too short; we skip it (LOCAL,
// allowed by udp.md §2.7).
std::optional<wire::NoConnection> echoNoConnection(const wire::ConnectionClosed& closed);

// udp.md §2.6 matching rule: to = my ID, or (to absent/0 and from non-zero and from = the
// remote ID I know).
bool connectionClosedMatches(const wire::ConnectionClosed& closed, uint32_t local_id,
                             uint32_t remote_id);

// udp.md §2.7: to = my ID and from = the remote ID I know (absent reads 0, so an absent
// from matches while the remote ID is still unknown).
bool noConnectionMatches(const wire::NoConnection& no_connection, uint32_t local_id,
                         uint32_t remote_id);

}  // namespace opengns::connection
