// snp.md §2.3: the worked header decodes, headers seen in the captures, canonical and
// non-canonical forms, truncation and malformed headers.
#include "wire/reliable_message_header.h"

#include <gtest/gtest.h>

#include "common/byte_writer.h"

namespace opengns::wire {
namespace {

struct HeaderCase {
  Bytes bytes;
  uint64_t previous;
  uint64_t number;
  uint32_t size;
  const char* where;
};

// snp.md §2.3 "Worked header decodes", plus unreliable_sizes_session's `75 03 83 04`
// (U16501 sent reliable, §5.2) and `28 1f` (B1/B4, §5.3).
const std::vector<HeaderCase>& workedCases() {
  static const std::vector<HeaderCase> cases = {
      {{0x16}, 0, 1, 22, "R1 unencrypted_session pkt 4"},
      {{0x68, 0x04, 0x9c, 0x01}, 5, 9, 5000, "BIG5000 pkt 13"},
      {{0x21, 0x04}, 0, 1, 129, "chat welcome pkt 4"},
      {{0x17}, 1, 2, 23, "chat 'Thou art utterly alone.'"},
      {{0x26, 0x01}, 2, 3, 38, "chat nick reply pkt 9"},
      {{0x75, 0x03, 0x83, 0x04}, 0, 3, 16501, "U16501 unreliable_sizes_session"},
      {{0x28, 0x1f}, 6, 7, 1000, "B4 unreliable_sizes_session"},
  };
  return cases;
}

TEST(ReliableMessageHeaderTest, WorkedDecodes) {
  for (const HeaderCase& c : workedCases()) {
    auto parsed = decodeReliableMessageHeader(c.bytes, c.previous);
    ASSERT_TRUE(parsed.ok()) << c.where << ": " << parsed.status();
    EXPECT_EQ(parsed->header.message_number, c.number) << c.where;
    EXPECT_EQ(parsed->header.payload_size_bytes, c.size) << c.where;
    EXPECT_EQ(parsed->header_size_bytes, c.bytes.size()) << c.where;
    EXPECT_EQ(parsed->number_delta, c.number - c.previous) << c.where;
  }
}

TEST(ReliableMessageHeaderTest, CanonicalEncodingReproducesTheCaptures) {
  for (const HeaderCase& c : workedCases()) {
    const ReliableMessageHeader header =
        canonicalReliableMessageHeader(c.number, c.previous, c.size);
    Bytes out;
    ByteWriter writer(out);
    ASSERT_TRUE(encodeReliableMessageHeader(header, c.previous, writer).ok()) << c.where;
    EXPECT_EQ(out, c.bytes) << c.where;
    EXPECT_EQ(reliableMessageHeaderSize(header, c.previous), c.bytes.size()) << c.where;
  }
}

TEST(ReliableMessageHeaderTest, NonCanonicalFormsRoundTrip) {
  // Delta 1 written explicitly, delta 0, and a small size in the var-int form: a decoder
  // must accept them (§2.3), and the recorded form re-encodes to the same bytes.
  const std::vector<std::pair<Bytes, uint64_t>> cases = {
      {{0x45, 0x01}, 4}, {{0x45, 0x00}, 4}, {{0x25, 0x00}, 4}, {{0x65, 0x02, 0x00}, 4}};
  for (const auto& [bytes, previous] : cases) {
    auto parsed = decodeReliableMessageHeader(bytes, previous);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(parsed->header.payload_size_bytes, 5u);
    Bytes out;
    ByteWriter writer(out);
    ASSERT_TRUE(encodeReliableMessageHeader(parsed->header, previous, writer).ok());
    EXPECT_EQ(out, bytes);
  }
  auto zero_delta = decodeReliableMessageHeader(Bytes{0x45, 0x00}, 4);
  ASSERT_TRUE(zero_delta.ok());
  EXPECT_EQ(zero_delta->header.message_number, 4u);
}

TEST(ReliableMessageHeaderTest, TruncationIsIncompleteNotAnError) {
  const Bytes full = {0x68, 0x04, 0x9c, 0x01};
  for (size_t cut = 0; cut < full.size(); ++cut) {
    const Bytes prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(cut));
    auto parsed = parseReliableMessageHeader(prefix, 5);
    ASSERT_TRUE(parsed.ok()) << cut << ": " << parsed.status();
    EXPECT_FALSE(parsed->has_value()) << cut;
    auto strict = decodeReliableMessageHeader(prefix, 5);
    ASSERT_FALSE(strict.ok()) << cut;
    EXPECT_NE(strict.status().message().find("truncated"), absl::string_view::npos);
  }
}

TEST(ReliableMessageHeaderTest, MalformedHeadersAreErrors) {
  auto reserved = decodeReliableMessageHeader(Bytes{0x96}, 0);
  ASSERT_FALSE(reserved.ok());
  EXPECT_NE(reserved.status().message().find("reserved bit 7"), absl::string_view::npos)
      << reserved.status();
  EXPECT_NE(reserved.status().message().find("0x96"), absl::string_view::npos);

  // Size var-int 2^27 > (2^32 - 1) >> 5.
  auto too_big = decodeReliableMessageHeader(Bytes{0x20, 0x80, 0x80, 0x80, 0x40}, 0);
  ASSERT_FALSE(too_big.ok());
  EXPECT_NE(too_big.status().message().find("size var-int 134217728"), absl::string_view::npos)
      << too_big.status();

  // Delta var-int longer than 10 bytes.
  Bytes long_delta = {0x40};
  long_delta.insert(long_delta.end(), 10, 0x80);
  long_delta.push_back(0x00);
  EXPECT_FALSE(parseReliableMessageHeader(long_delta, 0).ok());

  // A number that overflows 64 bits.
  auto overflow = decodeReliableMessageHeader(Bytes{0x45, 0x05}, UINT64_MAX - 1);
  ASSERT_FALSE(overflow.ok());
  EXPECT_NE(overflow.status().message().find("overflows"), absl::string_view::npos);
}

TEST(ReliableMessageHeaderTest, EncoderRejectsWhatTheFormCannotCarry) {
  Bytes out;
  ByteWriter writer(out);
  ReliableMessageHeader header = canonicalReliableMessageHeader(3, 5, 10);
  EXPECT_FALSE(encodeReliableMessageHeader(header, 5, writer).ok());  // number below previous
  header = canonicalReliableMessageHeader(9, 5, 10);
  header.has_number_delta = false;
  EXPECT_FALSE(encodeReliableMessageHeader(header, 5, writer).ok());  // delta 4 needs `m`
  header = canonicalReliableMessageHeader(6, 5, 40);
  header.has_size_varint = false;
  EXPECT_FALSE(encodeReliableMessageHeader(header, 5, writer).ok());  // size 40 needs `D`
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace opengns::wire
