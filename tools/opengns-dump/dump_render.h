// Turns PacketReports into the dump's text: a header that says what the capture is and
// how it will be read, one summary line per datagram (index, time, direction, addresses,
// size, kind, and any decode error), the decoded contents indented under it, and the
// per-direction totals at the end. Writes to any std::ostream; keeps the totals itself.
#pragma once

#include <array>
#include <cstdint>
#include <ostream>
#include <string>

#include "dump_options.h"
#include "packet_report.h"

namespace opengns::tools {

struct DirectionTotals {
  uint64_t packets = 0;
  uint64_t bytes = 0;
  uint64_t control_packets = 0;
  uint64_t data_packets = 0;
  uint64_t reliable_messages = 0;
  uint64_t unreliable_messages = 0;
  uint64_t message_bytes = 0;
  uint64_t packets_with_errors = 0;
};

// What the header says about the session before the first packet.
struct DumpHeader {
  std::string capture_path;
  size_t datagram_count = 0;
  double duration_sec = 0;
  SessionEndpoints endpoints;
  std::string decryption;  // one line: which key log / cipher rule applies
};

class DumpRenderer {
 public:
  DumpRenderer(const DumpOptions& options, std::ostream& out) : options_(options), out_(out) {}

  void header(const DumpHeader& header);
  void packet(const PacketReport& report);
  void totals();

  const DirectionTotals& totalsFor(Direction direction) const {
    return totals_[static_cast<size_t>(direction)];
  }

 private:
  void summaryLine(const PacketReport& report);
  void dataDetails(const PacketReport& report);
  void hexLines(std::string_view label, ByteSpan bytes);
  void count(const PacketReport& report);

  const DumpOptions& options_;
  std::ostream& out_;
  std::array<DirectionTotals, 3> totals_{};  // indexed by Direction
};

}  // namespace opengns::tools
