#include "common/bytes.h"

#include <gtest/gtest.h>

#include "common/byte_reader.h"
#include "common/byte_writer.h"

namespace opengns {
namespace {

TEST(HexTest, RoundTripsEveryByteValue) {
  Bytes all(256);
  for (int i = 0; i < 256; ++i)
    all[i] = static_cast<uint8_t>(i);
  std::string hex = toHex(all);
  EXPECT_EQ(hex.substr(0, 8), "00010203");
  EXPECT_EQ(hex.substr(hex.size() - 4), "feff");
  auto back = fromHex(hex);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, all);
}

TEST(HexTest, AcceptsUpperCaseAndRejectsBadInput) {
  EXPECT_EQ(*fromHex("ABcd"), (Bytes{0xab, 0xcd}));
  EXPECT_FALSE(fromHex("abc").ok());
  EXPECT_FALSE(fromHex("zz").ok());
}

TEST(ByteReaderTest, ReadsLittleEndianAndStopsAtTheEnd) {
  Bytes buf;
  ByteWriter w(buf);
  w.writeU8(0x01);
  w.writeU16(0x0302);
  w.writeU32(0x07060504);
  w.writeU64(0x0f0e0d0c0b0a0908ULL);
  EXPECT_EQ(buf.size(), 15u);
  EXPECT_EQ(buf[1], 0x02);

  ByteReader r(buf);
  uint8_t a;
  uint16_t b;
  uint32_t c;
  uint64_t d;
  ASSERT_TRUE(r.readU8(a) && r.readU16(b) && r.readU32(c) && r.readU64(d));
  EXPECT_EQ(a, 0x01);
  EXPECT_EQ(b, 0x0302);
  EXPECT_EQ(c, 0x07060504u);
  EXPECT_EQ(d, 0x0f0e0d0c0b0a0908ULL);
  EXPECT_TRUE(r.empty());
  EXPECT_FALSE(r.readU8(a));
  EXPECT_EQ(a, 0x01);  // unchanged on failure
}

TEST(ByteReaderTest, ShortReadLeavesCursorInPlace) {
  Bytes buf = {1, 2, 3};
  ByteReader r(buf);
  uint32_t v = 0;
  EXPECT_FALSE(r.readU32(v));
  EXPECT_EQ(r.position(), 0u);
  ByteSpan span;
  EXPECT_FALSE(r.readBytes(4, span));
  EXPECT_TRUE(r.readBytes(3, span));
  EXPECT_EQ(span.size(), 3u);
}

}  // namespace
}  // namespace opengns
