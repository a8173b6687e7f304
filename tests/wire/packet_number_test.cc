// Packet number expansion (udp.md §4.4): nearest full number to the highest received,
// via gap = (int16)(wire - (highest mod 2^16)).
#include "wire/packet_number.h"

#include <gtest/gtest.h>

#include <cstdint>

#include "wire/udp_constants.h"

namespace opengns::wire {
namespace {

TEST(PacketNumber, SenderWritesLow16Bits) {
  EXPECT_EQ(wirePacketNumber(2), 2);
  EXPECT_EQ(wirePacketNumber(0xFFFF), 0xFFFF);
  EXPECT_EQ(wirePacketNumber(0x10000), 0);
  EXPECT_EQ(wirePacketNumber(0x123456789ABCULL), 0x9ABC);
}

TEST(PacketNumber, StartOfStream) {
  // The receiver starts at highest = 1; the first data packet is 2 (udp.md §4.4).
  const uint64_t start = kInitialHighestReceivedPacketNumber;
  EXPECT_EQ(expandPacketNumber(wirePacketNumber(kFirstDataPacketNumber), start), 2u);
  EXPECT_EQ(expandPacketNumber(1, start), 1u);
  EXPECT_EQ(expandPacketNumber(0, start), 0u);
  EXPECT_EQ(expandPacketNumber(0x7FFF, start), 0x7FFFu);
  EXPECT_EQ(expandPacketNumber(0x8000, start), 0x8000u);  // gap +0x7FFF
  // 0x8001 and above are "behind" by up to 0x8000: before the start of the stream.
  EXPECT_EQ(expandPacketNumber(0x8001, start), std::nullopt);
  EXPECT_EQ(expandPacketNumber(0xFFFF, start), std::nullopt);
}

TEST(PacketNumber, AcrossThe16BitWrap) {
  EXPECT_EQ(expandPacketNumber(0x0001, 0xFFFE), 0x10001u);
  EXPECT_EQ(expandPacketNumber(0xFFF0, 0x10005), 0xFFF0u);
  EXPECT_EQ(expandPacketNumber(0x0005, 0x10005), 0x10005u);
  EXPECT_EQ(expandPacketNumber(0x0004, 0x3FFFF0005ULL), 0x3FFFF0004ULL);
}

TEST(PacketNumber, HalfWayIsTakenAsBehind) {
  // A difference of exactly 0x8000 gives int16 -32768 (udp.md §4.4 formula).
  EXPECT_EQ(expandPacketNumber(0x8000, 0x10000), 0x8000u);
  EXPECT_EQ(expandPacketNumber(0x7FFF, 0x10000), 0x17FFFu);
}

TEST(PacketNumber, EveryOffsetInTheWindowRoundTrips) {
  for (const uint64_t highest : {uint64_t{0x8000}, uint64_t{0x12345}, uint64_t{0xFFFF},
                                 uint64_t{0x10000}, uint64_t{0xABCDEF012345ULL}}) {
    for (int64_t delta = -32768; delta <= 32767; ++delta) {
      const uint64_t full = highest + static_cast<uint64_t>(delta);
      ASSERT_EQ(expandPacketNumber(wirePacketNumber(full), highest), full)
          << "highest " << highest << " delta " << delta;
    }
  }
}

TEST(PacketNumber, NeverWrapsPastTheTopOf64Bits) {
  const uint64_t highest = UINT64_MAX - 1;
  EXPECT_EQ(expandPacketNumber(wirePacketNumber(UINT64_MAX), highest), UINT64_MAX);
  EXPECT_EQ(expandPacketNumber(static_cast<uint16_t>(wirePacketNumber(highest) + 5), highest),
            std::nullopt);
}

}  // namespace
}  // namespace opengns::wire
