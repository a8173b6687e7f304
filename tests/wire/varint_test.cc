// snp.md §1.2 var-int: the spec's examples, shortest encoding, width limits, overflow
// and truncation.
#include "wire/varint.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "common/byte_reader.h"
#include "common/byte_writer.h"

namespace opengns::wire {
namespace {

Bytes encode(uint64_t value) {
  Bytes out;
  ByteWriter writer(out);
  writeVarint(writer, value);
  return out;
}

TEST(VarintTest, SpecExamples) {
  // §1.2: `00` = 0, `04` = 4, `9c 01` = 156.
  EXPECT_EQ(encode(0), (Bytes{0x00}));
  EXPECT_EQ(encode(4), (Bytes{0x04}));
  EXPECT_EQ(encode(156), (Bytes{0x9c, 0x01}));
  const Bytes bytes = {0x9c, 0x01};
  ByteReader reader(bytes);
  auto value = readVarint32(reader, "test");
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ(*value, 156u);
  EXPECT_TRUE(reader.empty());
}

TEST(VarintTest, RoundTripsAndSizes) {
  const std::vector<std::pair<uint64_t, size_t>> cases = {{0, 1},
                                                          {1, 1},
                                                          {127, 1},
                                                          {128, 2},
                                                          {16383, 2},
                                                          {16384, 3},
                                                          {UINT32_MAX, 5},
                                                          {uint64_t{1} << 35, 6},
                                                          {uint64_t{1} << 63, 10},
                                                          {UINT64_MAX, 10}};
  for (const auto& [value, size] : cases) {
    const Bytes bytes = encode(value);
    EXPECT_EQ(bytes.size(), size) << value;
    EXPECT_EQ(varintSize(value), size) << value;
    ByteReader reader(bytes);
    auto decoded = readVarint64(reader, "test");
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, value);
    EXPECT_TRUE(reader.empty());
  }
}

TEST(VarintTest, ThirtyTwoBitLimits) {
  const Bytes max = {0xff, 0xff, 0xff, 0xff, 0x0f};
  ByteReader ok_reader(max);
  auto value = readVarint32(ok_reader, "lane");
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ(*value, UINT32_MAX);

  const Bytes overflow = {0xff, 0xff, 0xff, 0xff, 0x1f};
  ByteReader overflow_reader(overflow);
  auto bad = readVarint32(overflow_reader, "lane");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("lane"), absl::string_view::npos) << bad.status();
  EXPECT_NE(bad.status().message().find("overflows 32 bits"), absl::string_view::npos)
      << bad.status();
  EXPECT_EQ(overflow_reader.position(), 0u);  // the reader does not move on failure

  const Bytes too_long = {0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
  ByteReader long_reader(too_long);
  auto long_value = readVarint32(long_reader, "offset");
  ASSERT_FALSE(long_value.ok());
  EXPECT_NE(long_value.status().message().find("longer than 5 bytes"), absl::string_view::npos)
      << long_value.status();
}

TEST(VarintTest, SixtyFourBitLimits) {
  Bytes max(9, 0xff);
  max.push_back(0x01);
  ByteReader reader(max);
  auto value = readVarint64(reader, "delta");
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ(*value, UINT64_MAX);

  Bytes overflow(9, 0xff);
  overflow.push_back(0x02);
  ByteReader overflow_reader(overflow);
  EXPECT_FALSE(readVarint64(overflow_reader, "delta").ok());

  Bytes too_long(10, 0x80);
  too_long.push_back(0x00);
  ByteReader long_reader(too_long);
  EXPECT_FALSE(readVarint64(long_reader, "delta").ok());
}

TEST(VarintTest, NonShortestFormsAreAccepted) {
  const Bytes bytes = {0x80, 0x00};
  ByteReader reader(bytes);
  auto value = readVarint32(reader, "test");
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ(*value, 0u);
  EXPECT_EQ(reader.position(), 2u);
}

TEST(VarintTest, TruncationAtEveryByteIsAnError) {
  const Bytes full = encode(UINT64_MAX);
  for (size_t cut = 0; cut < full.size(); ++cut) {
    const Bytes prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(cut));
    ByteReader reader(prefix);
    auto value = readVarint64(reader, "ack run");
    ASSERT_FALSE(value.ok()) << cut;
    EXPECT_NE(value.status().message().find("ack run: var-int runs past the end"),
              absl::string_view::npos)
        << value.status();
    EXPECT_EQ(reader.position(), 0u);
  }
}

}  // namespace
}  // namespace opengns::wire
