// Payloads for the interop tests and the checks gnspeer's output allows: deterministic
// binary data (so a failure is reproducible), SHA-256 in the lower-case hex gnspeer prints
// in its SENT / RECV lines, and the stdin command that makes gnspeer's client send a given
// message.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace opengns::interop {

// `size` bytes from a xorshift32 generator seeded with `seed` (seed 0 is mapped to 1).
std::vector<uint8_t> patternBytes(size_t size, uint32_t seed);
std::vector<uint8_t> textBytes(const std::string& text);

// Lower-case hex SHA-256, as in gnspeer's `sha256=` field.
std::string sha256Hex(std::span<const uint8_t> data);

// A gnspeer client stdin line sending `data` (binary-safe: /hex), on `lane` (0 = no /lane
// prefix), unreliable when `reliable` is false.
std::string gnspeerSendCommand(std::span<const uint8_t> data, int lane, bool reliable);

}  // namespace opengns::interop
