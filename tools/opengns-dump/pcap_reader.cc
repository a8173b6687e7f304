#include "pcap_reader.h"

#include <arpa/inet.h>

#include <fstream>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "common/byte_reader.h"

namespace opengns::tools {
namespace {

constexpr uint32_t kMagicMicros = 0xa1b2c3d4;
constexpr uint32_t kMagicNanos = 0xa1b23c4d;
constexpr uint32_t kLinkTypeEthernet = 1;
constexpr uint16_t kEtherTypeIpv4 = 0x0800;
constexpr uint16_t kEtherTypeIpv6 = 0x86dd;
constexpr uint8_t kIpProtoUdp = 17;
constexpr size_t kEthernetHeaderLen = 14;
constexpr size_t kIpv6HeaderLen = 40;
constexpr size_t kUdpHeaderLen = 8;

uint16_t bigEndian16(ByteSpan b, size_t at) {
  return static_cast<uint16_t>(b[at] << 8 | b[at + 1]);
}

uint32_t swap32(uint32_t v) {
  return __builtin_bswap32(v);
}

std::string renderEndpoint(int family, const uint8_t* addr, uint16_t port) {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(family, addr, text, sizeof(text));
  if (family == AF_INET6) return absl::StrCat("[", text, "]:", port);
  return absl::StrCat(text, ":", port);
}

// Fills `out` from one Ethernet frame; returns false when the frame is not UDP over IP.
bool parseFrame(ByteSpan frame, CapturedDatagram& out) {
  if (frame.size() < kEthernetHeaderLen) return false;
  uint16_t ether_type = bigEndian16(frame, 12);
  ByteSpan ip = frame.subspan(kEthernetHeaderLen);
  ByteSpan udp;
  int family = 0;
  const uint8_t* src_addr = nullptr;
  const uint8_t* dst_addr = nullptr;
  if (ether_type == kEtherTypeIpv4) {
    if (ip.size() < 20 || (ip[0] >> 4) != 4) return false;
    size_t header_len = static_cast<size_t>(ip[0] & 0xF) * 4;
    size_t total_len = bigEndian16(ip, 2);
    if (ip[9] != kIpProtoUdp || header_len < 20 || total_len > ip.size() || total_len < header_len)
      return false;
    family = AF_INET;
    src_addr = &ip[12];
    dst_addr = &ip[16];
    udp = ip.subspan(header_len, total_len - header_len);
  } else if (ether_type == kEtherTypeIpv6) {
    if (ip.size() < kIpv6HeaderLen || (ip[0] >> 4) != 6 || ip[6] != kIpProtoUdp) return false;
    size_t payload_len = bigEndian16(ip, 4);
    if (kIpv6HeaderLen + payload_len > ip.size()) return false;
    family = AF_INET6;
    src_addr = &ip[8];
    dst_addr = &ip[24];
    udp = ip.subspan(kIpv6HeaderLen, payload_len);
  } else {
    return false;
  }
  if (udp.size() < kUdpHeaderLen) return false;
  size_t udp_len = bigEndian16(udp, 4);
  if (udp_len < kUdpHeaderLen || udp_len > udp.size()) return false;
  out.src = renderEndpoint(family, src_addr, bigEndian16(udp, 0));
  out.dst = renderEndpoint(family, dst_addr, bigEndian16(udp, 2));
  ByteSpan payload = udp.subspan(kUdpHeaderLen, udp_len - kUdpHeaderLen);
  out.payload.assign(payload.begin(), payload.end());
  return true;
}

}  // namespace

absl::StatusOr<std::vector<CapturedDatagram>> parsePcap(ByteSpan file) {
  ByteReader reader(file);
  uint32_t magic = 0;
  if (!reader.readU32(magic)) return absl::InvalidArgumentError("pcap: file shorter than 4 bytes");
  bool swapped = false;
  bool nanos = false;
  if (magic == kMagicMicros || magic == kMagicNanos) {
    nanos = magic == kMagicNanos;
  } else if (swap32(magic) == kMagicMicros || swap32(magic) == kMagicNanos) {
    swapped = true;
    nanos = swap32(magic) == kMagicNanos;
  } else {
    return absl::InvalidArgumentError(absl::StrCat("pcap: bad magic 0x", absl::Hex(magic)));
  }
  auto fix = [swapped](uint32_t v) { return swapped ? swap32(v) : v; };
  uint32_t ignored = 0;
  uint32_t link_type = 0;
  // version (2+2 bytes), thiszone, sigfigs, snaplen, then the link type.
  if (!reader.skip(16) || !reader.readU32(link_type)) {
    return absl::InvalidArgumentError("pcap: truncated global header");
  }
  link_type = fix(link_type);
  if (link_type != kLinkTypeEthernet) {
    return absl::InvalidArgumentError(
        absl::StrCat("pcap: link type ", link_type, " not supported (only Ethernet, 1)"));
  }
  std::vector<CapturedDatagram> out;
  for (size_t frame = 1; !reader.empty(); ++frame) {
    uint32_t ts_sec = 0, ts_frac = 0, incl_len = 0;
    if (!reader.readU32(ts_sec) || !reader.readU32(ts_frac) || !reader.readU32(incl_len) ||
        !reader.readU32(ignored)) {
      return absl::InvalidArgumentError(absl::StrCat("pcap: record ", frame, ": truncated header"));
    }
    ByteSpan data;
    if (!reader.readBytes(fix(incl_len), data)) {
      return absl::InvalidArgumentError(absl::StrCat("pcap: record ", frame, ": length ",
                                                     fix(incl_len), " past the end of the file"));
    }
    CapturedDatagram datagram;
    if (!parseFrame(data, datagram)) continue;
    datagram.frame = frame;
    datagram.time_sec = fix(ts_sec) + fix(ts_frac) / (nanos ? 1e9 : 1e6);
    out.push_back(std::move(datagram));
  }
  return out;
}

absl::StatusOr<std::vector<CapturedDatagram>> readPcapFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  Bytes file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parsePcap(file);
}

}  // namespace opengns::tools
