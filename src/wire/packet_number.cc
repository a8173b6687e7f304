// See packet_number.h. Expansion rule: udp.md §4.4.
#include "wire/packet_number.h"

namespace opengns::wire {

std::optional<uint64_t> expandPacketNumber(uint16_t wire_packet_number, uint64_t highest_received) {
  // Modular difference reinterpreted as signed (well defined in C++20).
  const auto gap = static_cast<int16_t>(
      static_cast<uint16_t>(wire_packet_number - static_cast<uint16_t>(highest_received)));
  if (gap < 0) {
    const auto back = static_cast<uint64_t>(-static_cast<int32_t>(gap));
    if (back > highest_received) return std::nullopt;
    return highest_received - back;
  }
  const auto ahead = static_cast<uint64_t>(gap);
  if (ahead > UINT64_MAX - highest_received) return std::nullopt;
  return highest_received + ahead;
}

}  // namespace opengns::wire
