// Data packet header codec (udp.md §4.1-4.3) and the inline stats flags rule (§2.9).
// Expected bytes come from the spec's examples (udp.md §7 packet 4, idle_session idx 7
// as quoted in udp.md §4.1 / vectors README).
#include "wire/data_header.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "common/bytes.h"
#include "wire/inline_stats.h"
#include "wire/udp_constants.h"

namespace opengns::wire {
namespace {

Bytes hex(std::string_view text) {
  absl::StatusOr<Bytes> bytes = fromHex(text);
  EXPECT_TRUE(bytes.ok()) << text;
  return bytes.ok() ? *bytes : Bytes{};
}

void expectError(const Bytes& datagram, std::string_view needle) {
  absl::StatusOr<DataPacketView> decoded = decodeDataPacket(datagram);
  ASSERT_FALSE(decoded.ok()) << "decoded " << toHex(datagram);
  EXPECT_NE(decoded.status().message().find(absl::string_view(needle.data(), needle.size())),
            absl::string_view::npos)
      << decoded.status();
}

// udp.md §7 packet 4: `80 | 20 26 c1 46 | 02 00 | chunk`.
TEST(DataHeader, PlainHeaderRoundTrip) {
  const Bytes chunk = hex("80019801");
  DataHeader header;
  header.to_connection_id = 0x46c12620;
  header.wire_packet_number = 2;
  EXPECT_EQ(encodedDataHeaderSize(header), kDataHeaderSize);
  absl::StatusOr<Bytes> datagram = encodeDataPacket(header, chunk);
  ASSERT_TRUE(datagram.ok()) << datagram.status();
  EXPECT_EQ(*datagram, hex("802026c1460200"
                           "80019801"));

  absl::StatusOr<DataPacketView> view = decodeDataPacket(*datagram);
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_EQ(view->flags, 0x80);
  EXPECT_EQ(view->header.to_connection_id, 0x46c12620u);
  EXPECT_EQ(view->header.wire_packet_number, 2);
  EXPECT_FALSE(view->header.inline_stats_blob.has_value());
  EXPECT_FALSE(view->inline_stats.has_value());
  EXPECT_FALSE(view->header.time_since_previous_16usec.has_value());
  EXPECT_EQ(view->chunk_offset, 7u);
  EXPECT_EQ(Bytes(view->chunk.begin(), view->chunk.end()), chunk);
}

// idle_session idx 7: `81 | 38 72 e6 8e | 04 00 | 02 | 18 02 | 80 01 98 02 00 ff ff`.
TEST(DataHeader, InlineStatsBlob) {
  const Bytes datagram =
      hex("813872e68e0400"
          "02"
          "1802"
          "8001980200ffff");
  absl::StatusOr<DataPacketView> view = decodeDataPacket(datagram);
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_EQ(view->flags, 0x81);
  EXPECT_EQ(view->header.to_connection_id, 0x8ee67238u);
  EXPECT_EQ(view->header.wire_packet_number, 4);
  ASSERT_TRUE(view->header.inline_stats_blob.has_value());
  EXPECT_EQ(Bytes(view->header.inline_stats_blob->begin(), view->header.inline_stats_blob->end()),
            hex("1802"));
  ASSERT_TRUE(view->inline_stats.has_value());
  EXPECT_FALSE(view->inline_stats->has_stats());
  EXPECT_EQ(view->inline_stats->flags(), kStatsFlagAckRequestE2E);
  EXPECT_EQ(view->chunk_offset, 10u);

  absl::StatusOr<Bytes> reencoded = encodeDataPacket(view->header, view->chunk);
  ASSERT_TRUE(reencoded.ok()) << reencoded.status();
  EXPECT_EQ(*reencoded, datagram);
}

TEST(DataHeader, TimeSincePrevious) {
  DataHeader header;
  header.to_connection_id = 1;
  header.wire_packet_number = 0xBEEF;
  header.time_since_previous_16usec = 3216;  // 51456 us
  const Bytes chunk = hex("aabb");
  absl::StatusOr<Bytes> datagram = encodeDataPacket(header, chunk);
  ASSERT_TRUE(datagram.ok()) << datagram.status();
  EXPECT_EQ(*datagram, hex("82"
                           "01000000"
                           "efbe"
                           "900c"
                           "aabb"));
  absl::StatusOr<DataPacketView> view = decodeDataPacket(*datagram);
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_EQ(view->header.time_since_previous_16usec, 3216);
  EXPECT_EQ(timeSincePreviousUsec(*view->header.time_since_previous_16usec), 51456u);
  EXPECT_EQ(view->chunk_offset, 9u);
}

TEST(DataHeader, BothOptionalFieldsInSpecOrder) {
  UdpStats stats;
  setStatsFlags(stats, kStatsFlagAckRequestE2E | kStatsFlagAckRequestImmediate);
  const Bytes blob = serializeInlineStats(stats);
  EXPECT_EQ(blob, hex("1806"));  // urgent ping (udp.md §2.9)
  DataHeader header;
  header.to_connection_id = 0x01020304;
  header.wire_packet_number = 7;
  header.inline_stats_blob = blob;
  header.time_since_previous_16usec = 0x0102;
  absl::StatusOr<Bytes> datagram = encodeDataPacket(header, hex("ff"));
  ASSERT_TRUE(datagram.ok()) << datagram.status();
  // Header, stats blob, then time-since-previous, then the chunk (udp.md §4.1).
  EXPECT_EQ(*datagram, hex("83"
                           "04030201"
                           "0700"
                           "02"
                           "1806"
                           "0201"
                           "ff"));
  absl::StatusOr<DataPacketView> view = decodeDataPacket(*datagram);
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_EQ(view->chunk_offset, 12u);
  EXPECT_EQ(view->header.time_since_previous_16usec, 0x0102);
  EXPECT_EQ(effectiveStatsFlags(*view->inline_stats), 6u);
}

TEST(DataHeader, LongStatsBlobUsesMultiByteVarint) {
  UdpStats stats;
  LinkLifetimeStats* lifetime = stats.mutable_stats()->mutable_lifetime();
  for (int i = 0; i < 40; ++i)
    lifetime->add_multipath_packets_recv_sequenced(1000000 + i);
  const Bytes blob = serializeInlineStats(stats);
  ASSERT_GE(blob.size(), 128u);
  DataHeader header;
  header.inline_stats_blob = blob;
  absl::StatusOr<Bytes> datagram = encodeDataPacket(header, {});
  ASSERT_TRUE(datagram.ok()) << datagram.status();
  EXPECT_EQ(datagram->size(), 7 + 2 + blob.size());
  absl::StatusOr<DataPacketView> view = decodeDataPacket(*datagram);
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_EQ(view->inline_stats->stats().lifetime().multipath_packets_recv_sequenced_size(), 40);
  EXPECT_TRUE(view->chunk.empty());
  // The varint may also be non-minimal on the wire; protobuf-style readers accept it.
  const Bytes padded_varint =
      hex("81"
          "00000000"
          "0000"
          "8200"
          "1802");
  absl::StatusOr<DataPacketView> lenient = decodeDataPacket(padded_varint);
  ASSERT_TRUE(lenient.ok()) << lenient.status();
  EXPECT_EQ(lenient->chunk_offset, 11u);
}

TEST(DataHeader, ReservedFlagBitsAreKeptButIgnored) {
  const Bytes datagram =
      hex("fc"
          "04030201"
          "0900"
          "abcd");
  absl::StatusOr<DataPacketView> view = decodeDataPacket(datagram);
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_EQ(view->flags, 0xfc);
  EXPECT_FALSE(view->inline_stats.has_value());
  EXPECT_FALSE(view->header.time_since_previous_16usec.has_value());
  EXPECT_EQ(view->chunk_offset, 7u);
}

TEST(DataHeaderDecodeErrors, ShortOversizeAndNotData) {
  expectError(hex(""), "0 bytes, shorter than the 7-byte header");
  expectError(hex("802026c14602"), "6 bytes, shorter than the 7-byte header");
  expectError(hex("7f2026c1460200"), "flag byte 0x7f lacks bit 0x80");
  Bytes big(kMaxDatagramReceiveSize + 1, 0x80);
  expectError(big, "2325 bytes, over the 2324-byte receive limit");
}

TEST(DataHeaderDecodeErrors, StatsBlobFraming) {
  expectError(hex("81"
                  "00000000"
                  "0000"),
              "inline stats length varint runs off the end after 0");
  expectError(hex("81"
                  "00000000"
                  "0000"
                  "8080"),
              "varint runs off the end after 2 bytes");
  expectError(hex("81"
                  "00000000"
                  "0000"
                  "ffffffff7f"),
              "longer than 32 bits");
  expectError(hex("81"
                  "00000000"
                  "0000"
                  "808080808001"),
              "longer than 32 bits");
  expectError(hex("81"
                  "00000000"
                  "0000"
                  "05"
                  "1802"),
              "inline stats length 5 exceeds the 2");
  // Blob bytes that do not parse drop the whole datagram (udp.md §4.2).
  expectError(hex("81"
                  "00000000"
                  "0000"
                  "02"
                  "ffff"),
              "inline stats blob of 2 bytes does not parse");
  expectError(hex("81"
                  "00000000"
                  "0000"
                  "01"
                  "00"
                  "aa"),
              "blob of 1 bytes does not parse");
}

TEST(DataHeaderDecodeErrors, TimeSincePreviousTruncated) {
  expectError(hex("82"
                  "00000000"
                  "0000"
                  "01"),
              "time-since-previous flag set but only 1 bytes");
  expectError(hex("82"
                  "00000000"
                  "0000"),
              "only 0 bytes left, need 2");
  // With both bits, the blob consumes the bytes the time field would need.
  expectError(hex("83"
                  "00000000"
                  "0000"
                  "02"
                  "1802"
                  "01"),
              "only 1 bytes left");
}

TEST(DataHeaderDecodeErrors, RandomInputNeverCrashes) {
  std::mt19937 rng(777);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<size_t> size(0, 64);
  for (int i = 0; i < 5000; ++i) {
    Bytes datagram(size(rng));
    for (uint8_t& b : datagram)
      b = static_cast<uint8_t>(byte(rng));
    if (!datagram.empty()) datagram[0] |= 0x80;
    absl::StatusOr<DataPacketView> view = decodeDataPacket(datagram);
    if (!view.ok()) continue;
    // A successful decode accounts for every byte: header + optional parts + chunk.
    EXPECT_EQ(view->chunk_offset + view->chunk.size(), datagram.size());
    EXPECT_GE(view->chunk_offset, kDataHeaderSize);
  }
}

TEST(DataHeaderEncodeErrors, EmptyBlobAndOversize) {
  DataHeader header;
  header.inline_stats_blob = ByteSpan();
  Bytes out;
  absl::Status status = encodeDataHeader(header, out);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("empty inline stats blob"), absl::string_view::npos) << status;

  DataHeader plain;
  const Bytes chunk_max(kMaxUdpPayloadSize - kDataHeaderSize, 0x55);
  absl::StatusOr<Bytes> largest = encodeDataPacket(plain, chunk_max);
  ASSERT_TRUE(largest.ok()) << largest.status();
  EXPECT_EQ(largest->size(), kMaxUdpPayloadSize);
  const Bytes chunk_over(kMaxUdpPayloadSize - kDataHeaderSize + 1, 0x55);
  absl::StatusOr<Bytes> over = encodeDataPacket(plain, chunk_over);
  ASSERT_FALSE(over.ok());
  EXPECT_NE(over.status().message().find("header of 7 bytes + chunk of 1294 bytes exceed the 1300"),
            absl::string_view::npos)
      << over.status();
}

TEST(DataHeader, TimeSincePreviousFieldFromMicroseconds) {
  EXPECT_EQ(timeSincePreviousField(0), 0);
  EXPECT_EQ(timeSincePreviousField(15), 0);
  EXPECT_EQ(timeSincePreviousField(16), 1);
  EXPECT_EQ(timeSincePreviousField(51456), 3216);
  EXPECT_EQ(timeSincePreviousField(kTimeSincePreviousMaxSentUsec), 15625);
  EXPECT_EQ(timeSincePreviousField(10'000'000), 0xFFFF);  // saturates
  EXPECT_EQ(timeSincePreviousUsec(0xFFFF), 0xFFFFu * 16);
}

// udp.md §2.9: field 1 present implies ACK_REQUEST_E2E; field 3 is written only when a
// bit outside the implied one is wanted, and then includes the implied bit.
TEST(InlineStatsFlags, ImpliedAckRequestRule) {
  UdpStats keepalive;
  setStatsFlags(keepalive, kStatsFlagAckRequestE2E);
  EXPECT_EQ(serializeInlineStats(keepalive), hex("1802"));
  EXPECT_EQ(effectiveStatsFlags(keepalive), kStatsFlagAckRequestE2E);

  UdpStats report;
  report.mutable_stats()->mutable_instantaneous()->set_ping_ms(0);
  setStatsFlags(report, kStatsFlagAckRequestE2E);
  EXPECT_FALSE(report.has_flags());  // only the implied flag: field 3 omitted
  EXPECT_EQ(effectiveStatsFlags(report), kStatsFlagAckRequestE2E);
  EXPECT_EQ(serializeInlineStats(report), hex("0a04"
                                              "0a022800"));

  setStatsFlags(report, kStatsFlagAckRequestImmediate);
  EXPECT_EQ(report.flags(), kStatsFlagAckRequestImmediate | kStatsFlagAckRequestE2E);

  setStatsFlags(report, 0);
  EXPECT_FALSE(report.has_flags());
  EXPECT_EQ(effectiveStatsFlags(report), kStatsFlagAckRequestE2E);

  UdpStats nothing;
  EXPECT_EQ(effectiveStatsFlags(nothing), 0u);
}

}  // namespace
}  // namespace opengns::wire
