// Reads UDP datagrams out of a libpcap capture file (the format of the recorded
// sessions: Ethernet link type, IPv4 or IPv6, both byte orders, micro- or
// nanosecond timestamps). Anything that is not UDP over IP is skipped; a truncated
// or malformed file is an error that names the record and what was wrong.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/bytes.h"

namespace opengns::tools {

struct CapturedDatagram {
  size_t frame = 0;     // 1-based record number in the capture
  double time_sec = 0;  // capture timestamp, Unix seconds
  std::string src;      // "a.b.c.d:port" or "[v6]:port"
  std::string dst;
  Bytes payload;  // the UDP payload
};

// Parses a whole pcap file held in memory.
absl::StatusOr<std::vector<CapturedDatagram>> parsePcap(ByteSpan file);
absl::StatusOr<std::vector<CapturedDatagram>> readPcapFile(const std::string& path);

}  // namespace opengns::tools
