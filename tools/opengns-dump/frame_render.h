// One-line text for the pieces inside a data packet: SNP frames (with absolute values:
// stop value, acked and missing packet ranges, stream ranges, message numbers) and
// application messages (lane, number, reliability, size and a short preview). Pure
// formatting, no state.
#pragma once

#include <string>
#include <string_view>

#include "common/bytes.h"
#include "packet_report.h"
#include "snp/received_message.h"

namespace opengns::tools {

// "stop-waiting  stop=1 ...", "ack  latest=12 ...", "reliable  lane 0 ..." and so on,
// with the frame's note appended.
std::string renderFrame(const FrameReport& report);

// "lane 0 #1 reliable 22 B \"reliable #1: hello GNS\"" (no direction, no prefix).
std::string renderMessage(const snp::ReceivedMessage& message);

// Printable ASCII up to kPreviewChars characters in quotes (\" and \\ escaped), or the
// first kPreviewHexBytes bytes in hex; "..." marks a cut.
std::string previewBytes(ByteSpan bytes);
inline constexpr size_t kPreviewChars = 60;
inline constexpr size_t kPreviewHexBytes = 16;

// Inclusive packet range "7" or "7-9" for the half-open [begin, end).
std::string packetRangeText(uint64_t begin, uint64_t end);

}  // namespace opengns::tools
