#include "crypto/secure_random.h"

#include <gtest/gtest.h>

#include <set>

namespace opengns::crypto {
namespace {

TEST(SecureRandomTest, FillsWholeBufferWithFreshBytes) {
  Bytes a(64, 0), b(64, 0);
  ASSERT_TRUE(secureRandom(a).ok());
  ASSERT_TRUE(secureRandom(b).ok());
  // 2^-512 chance of a false failure.
  EXPECT_NE(a, b);
  // The last bytes are written too (a short fill would leave the zeros).
  EXPECT_NE(Bytes(a.end() - 16, a.end()), Bytes(16, 0));
  EXPECT_TRUE(secureRandom(MutableByteSpan()).ok());
}

TEST(SecureRandomTest, IntegerHelpersVary) {
  std::set<uint64_t> seen64;
  std::set<uint32_t> seen32;
  uint64_t or_of_all = 0;
  for (int i = 0; i < 16; ++i) {
    auto v64 = secureRandomU64();
    auto v32 = secureRandomU32();
    ASSERT_TRUE(v64.ok() && v32.ok());
    seen64.insert(*v64);
    seen32.insert(*v32);
    or_of_all |= *v64;
  }
  EXPECT_GE(seen64.size(), 15u);
  EXPECT_GE(seen32.size(), 14u);
  // The top byte is filled as well as the bottom one.
  EXPECT_NE(or_of_all >> 56, 0u);
}

}  // namespace
}  // namespace opengns::crypto
