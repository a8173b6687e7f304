// Fuzzes the inline stats blob, CMsgSteamSockets_UDP_Stats (udp.md §2.9, §4.2): the
// input is the blob. What parses must
//  - describe itself (the log form) without crashing;
//  - request at least its own flags, plus ACK_REQUEST_E2E when it carries a quality
//    report (the implied flag);
//  - keep its meaning through setStatsFlags (the sender's rule) and through
//    serializeInlineStats, parsing back to the same bytes;
//  - travel in a data packet header and come out of decodeDataPacket the same, unless the
//    packet would be too large.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/bytes.h"
#include "opengns_stats.pb.h"
#include "wire/data_header.h"
#include "wire/inline_stats.h"
#include "wire/proto_describe.h"
#include "wire/udp_constants.h"

namespace {

#define FUZZ_CHECK(cond)       \
  do {                         \
    if (!(cond)) std::abort(); \
  } while (0)

using namespace opengns;
using namespace opengns::wire;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  UdpStats stats;
  if (!stats.ParseFromArray(data, static_cast<int>(size))) return 0;
  (void)describeMessage(stats);

  const uint32_t effective = effectiveStatsFlags(stats);
  FUZZ_CHECK((effective & stats.flags()) == stats.flags());
  if (stats.has_stats()) FUZZ_CHECK(effective & kStatsFlagAckRequestE2E);

  // The sender's rule writes the same request, and omits field 3 when it adds nothing.
  UdpStats resent = stats;
  setStatsFlags(resent, effective);
  FUZZ_CHECK(effectiveStatsFlags(resent) == effective);
  const uint32_t implied = stats.has_stats() ? kStatsFlagAckRequestE2E : 0;
  FUZZ_CHECK(resent.has_flags() == ((effective & ~implied) != 0));

  const Bytes blob = serializeInlineStats(stats);
  UdpStats back;
  FUZZ_CHECK(back.ParseFromArray(blob.data(), static_cast<int>(blob.size())));
  FUZZ_CHECK(effectiveStatsFlags(back) == effective);
  FUZZ_CHECK(serializeInlineStats(back) == blob);

  if (blob.empty()) return 0;  // GNS never sends an empty blob: the flag stays clear
  DataHeader header;
  header.to_connection_id = 0x01020304;
  header.wire_packet_number = 7;
  header.inline_stats_blob = ByteSpan(blob);
  const uint8_t chunk[16] = {};
  auto datagram = encodeDataPacket(header, ByteSpan(chunk, sizeof(chunk)));
  if (!datagram.ok()) {
    FUZZ_CHECK(encodedDataHeaderSize(header) + sizeof(chunk) > kMaxUdpPayloadSize);
    return 0;
  }
  auto view = decodeDataPacket(*datagram);
  FUZZ_CHECK(view.ok() && view->inline_stats.has_value());
  FUZZ_CHECK(view->header.inline_stats_blob.has_value() &&
             Bytes(view->header.inline_stats_blob->begin(),
                   view->header.inline_stats_blob->end()) == blob);
  FUZZ_CHECK(serializeInlineStats(*view->inline_stats) == blob);
  FUZZ_CHECK(view->chunk.size() == sizeof(chunk) && view->header.to_connection_id == 0x01020304);
  return 0;
}
