// Packet numbers on the wire (udp.md §4.4): each direction counts with a 64-bit number,
// but a data packet carries only its low 16 bits. The receiver expands them to the full
// number nearest to the highest number it has received so far. These are pure
// functions; the replay window and the "highest received" bookkeeping (raised only
// after a packet decrypts) belong to the connection's receive path.
#pragma once

#include <cstdint>
#include <optional>

namespace opengns::wire {

// Sender: the 16-bit value written for a full packet number (its low 16 bits).
inline uint16_t wirePacketNumber(uint64_t full_packet_number) {
  return static_cast<uint16_t>(full_packet_number & 0xFFFF);
}

// Receiver: gap = (int16)(wire - (highest mod 2^16)); full = highest + gap. So a wire
// value up to 32767 ahead of the highest is taken as newer, one up to 32768 behind as
// older (a difference of exactly 0x8000 counts as behind, as the int16 cast gives).
// Returns nullopt when the nearest number would fall outside 0..2^64-1: such a packet
// cannot belong to this stream (e.g. 0xFFFF right after the start, highest = 1) and must
// be dropped, never allowed to look like a huge forward jump.
std::optional<uint64_t> expandPacketNumber(uint16_t wire_packet_number, uint64_t highest_received);

}  // namespace opengns::wire
