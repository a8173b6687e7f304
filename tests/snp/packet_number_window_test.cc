// PacketNumberWindow (udp.md §4.4): duplicates, too old, reordering inside the window,
// the >= 100 jump that re-initialises the window, the > 0x4000 lurch error, the v < 10
// start, and a randomised comparison with a plain set of received numbers.
#include "snp/packet_number_window.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <set>

namespace opengns::snp {
namespace {

using Verdict = PacketNumberWindow::Verdict;

TEST(PacketNumberWindowTest, InitialHighestFollowsPeerProtocolVersion) {
  // udp.md §4.4 / snp.md §3.1: from v10 the handshake counts as packet 1.
  EXPECT_EQ(initialHighestReceived(8), 0u);
  EXPECT_EQ(initialHighestReceived(9), 0u);
  EXPECT_EQ(initialHighestReceived(10), 1u);
  EXPECT_EQ(initialHighestReceived(13), 1u);
}

TEST(PacketNumberWindowTest, StartAtV10CountsPacketsUpToOneAsReceived) {
  PacketNumberWindow window(initialHighestReceived(13));
  EXPECT_EQ(window.highest(), 1u);
  EXPECT_EQ(window.check(0), Verdict::kDuplicate);
  EXPECT_EQ(window.check(1), Verdict::kDuplicate);
  EXPECT_EQ(window.check(2), Verdict::kAcceptable);
  ASSERT_TRUE(window.markReceived(2).ok());
  EXPECT_EQ(window.highest(), 2u);
  EXPECT_EQ(window.check(2), Verdict::kDuplicate);
  EXPECT_EQ(window.check(3), Verdict::kAcceptable);
}

TEST(PacketNumberWindowTest, StartBelowV10AcceptsPacketOne) {
  PacketNumberWindow window(initialHighestReceived(9));
  EXPECT_EQ(window.highest(), 0u);
  EXPECT_EQ(window.check(0), Verdict::kDuplicate);  // packet 0 is never sent
  EXPECT_EQ(window.check(1), Verdict::kAcceptable);
  ASSERT_TRUE(window.markReceived(1).ok());
  EXPECT_EQ(window.check(1), Verdict::kDuplicate);
  EXPECT_EQ(window.highest(), 1u);
}

TEST(PacketNumberWindowTest, CheckDoesNotMoveTheWindow) {
  // A packet that fails decryption is only checked: nothing may change.
  PacketNumberWindow window;
  EXPECT_EQ(window.check(50), Verdict::kAcceptable);
  EXPECT_EQ(window.check(50000), Verdict::kAcceptable);
  EXPECT_EQ(window.highest(), 1u);
  EXPECT_EQ(window.check(2), Verdict::kAcceptable);
}

TEST(PacketNumberWindowTest, ReorderingInsideTheWindow) {
  PacketNumberWindow window;
  for (uint64_t n : {2, 3, 4, 6, 9, 7})
    ASSERT_TRUE(window.markReceived(n).ok()) << n;
  EXPECT_EQ(window.highest(), 9u);
  EXPECT_EQ(window.check(5), Verdict::kAcceptable);
  EXPECT_EQ(window.check(8), Verdict::kAcceptable);
  EXPECT_EQ(window.check(7), Verdict::kDuplicate);
  ASSERT_TRUE(window.markReceived(5).ok());
  EXPECT_EQ(window.check(5), Verdict::kDuplicate);
  EXPECT_EQ(window.highest(), 9u);  // a late packet does not lower the highest
  EXPECT_EQ(window.check(8), Verdict::kAcceptable);
}

TEST(PacketNumberWindowTest, TooOldAtTheWindowEdge) {
  PacketNumberWindow window;
  // Everything from 2 up to 2000 except 900 and 1000 (steps well below 100).
  for (uint64_t n = 2; n <= 2000; ++n) {
    if (n == 900 || n == 1000) continue;
    ASSERT_TRUE(window.markReceived(n).ok()) << n;
  }
  ASSERT_EQ(window.highest(), 2000u);
  // 2000 - 1000 = 1000 < kPacketWindowBits: still representable, and missing.
  EXPECT_EQ(window.check(1000), Verdict::kAcceptable);
  // 2000 - 900 = 1100: below the window.
  EXPECT_EQ(window.check(900), Verdict::kTooOld);
  // The exact edge: highest - n == kPacketWindowBits - 1 is inside, == kPacketWindowBits not.
  EXPECT_EQ(window.check(2000 - (kPacketWindowBits - 1)), Verdict::kDuplicate);
  EXPECT_EQ(window.check(2000 - kPacketWindowBits), Verdict::kTooOld);
  const absl::Status too_old = window.markReceived(900);
  EXPECT_EQ(too_old.code(), absl::StatusCode::kFailedPrecondition) << too_old;
  EXPECT_NE(too_old.message().find("too old"), std::string::npos) << too_old;
  const absl::Status duplicate = window.markReceived(1500);
  EXPECT_EQ(duplicate.code(), absl::StatusCode::kFailedPrecondition) << duplicate;
  EXPECT_NE(duplicate.message().find("duplicate"), std::string::npos) << duplicate;
  ASSERT_TRUE(window.markReceived(1000).ok());
  EXPECT_EQ(window.check(1000), Verdict::kDuplicate);
}

TEST(PacketNumberWindowTest, SlotsAreReusedAcrossManyWindowLengths) {
  // Only even numbers arrive; the odd ones must stay acceptable however often the ring
  // wraps.
  PacketNumberWindow window;
  for (uint64_t n = 2; n <= 10 * kPacketWindowBits; n += 2)
    ASSERT_TRUE(window.markReceived(n).ok()) << n;
  const uint64_t high = window.highest();
  for (uint64_t back = 0; back < kPacketWindowBits; ++back) {
    const uint64_t n = high - back;
    EXPECT_EQ(window.check(n), n % 2 == 0 ? Verdict::kDuplicate : Verdict::kAcceptable) << n;
  }
}

TEST(PacketNumberWindowTest, JumpOf100ReinitialisesAndMarksLowerNumbersReceived) {
  PacketNumberWindow window;
  for (uint64_t n = 2; n <= 10; ++n)
    ASSERT_TRUE(window.markReceived(n).ok());
  // 99 ahead: a normal step, the skipped numbers stay acceptable.
  ASSERT_TRUE(window.markReceived(109).ok());
  EXPECT_EQ(window.lurchCount(), 0u);
  EXPECT_EQ(window.check(50), Verdict::kAcceptable);
  EXPECT_EQ(window.check(108), Verdict::kAcceptable);
  // 100 ahead (udp.md §4.4: "100 or more"): re-initialised, every lower number received.
  ASSERT_TRUE(window.markReceived(209).ok());
  EXPECT_EQ(window.lurchCount(), 1u);
  EXPECT_EQ(window.highest(), 209u);
  EXPECT_EQ(window.check(150), Verdict::kDuplicate);
  EXPECT_EQ(window.check(208), Verdict::kDuplicate);
  EXPECT_EQ(window.check(50), Verdict::kDuplicate);  // even the earlier skipped ones
  EXPECT_EQ(window.check(210), Verdict::kAcceptable);
}

TEST(PacketNumberWindowTest, JumpAbove0x4000IsAnErrorThatLeavesTheWindowAlone) {
  PacketNumberWindow window;  // highest 1
  EXPECT_TRUE(window.checkForwardJump(1 + kMaxForwardJump).ok());
  const absl::Status lurch = window.checkForwardJump(2 + kMaxForwardJump);
  EXPECT_EQ(lurch.code(), absl::StatusCode::kOutOfRange) << lurch;
  EXPECT_NE(lurch.message().find("16385 ahead"), std::string::npos) << lurch;

  const absl::Status marked = window.markReceived(2 + kMaxForwardJump);
  EXPECT_EQ(marked.code(), absl::StatusCode::kOutOfRange) << marked;
  EXPECT_EQ(window.highest(), 1u);
  EXPECT_EQ(window.lurchCount(), 0u);
  EXPECT_EQ(window.check(2), Verdict::kAcceptable);

  // Exactly 0x4000 ahead is allowed (and, being >= 100, re-initialises).
  ASSERT_TRUE(window.markReceived(1 + kMaxForwardJump).ok());
  EXPECT_EQ(window.highest(), 1 + kMaxForwardJump);
  EXPECT_EQ(window.lurchCount(), 1u);
  EXPECT_EQ(window.check(2), Verdict::kTooOld);
  EXPECT_EQ(window.check(kMaxForwardJump), Verdict::kDuplicate);
}

TEST(PacketNumberWindowTest, NeverAcceptsADuplicateAgainstASetModel) {
  // Random forward steps (some >= 100) and late packets; the model is the set of numbers
  // received plus a floor below which everything counts as received.
  std::mt19937_64 random(20240601);
  PacketNumberWindow window;
  std::set<uint64_t> received;
  uint64_t floor = 1;  // every number <= floor counts as received
  uint64_t highest = 1;
  size_t accepted_late = 0;
  for (int step = 0; step < 20000; ++step) {
    uint64_t n;
    const uint64_t kind = random() % 10;
    if (kind < 6) {
      n = highest + 1 + random() % 8;
    } else if (kind < 9) {
      n = highest > 1400 ? highest - random() % 1400 : 1 + random() % highest;
    } else {
      n = highest + 1 + random() % 150;
    }
    const bool in_model = n <= floor || received.count(n) > 0;
    const Verdict verdict = window.check(n);
    if (in_model) {
      ASSERT_NE(verdict, Verdict::kAcceptable) << "duplicate " << n << " accepted";
    } else if (n + kPacketWindowBits <= highest) {
      ASSERT_EQ(verdict, Verdict::kTooOld) << n;
    } else {
      ASSERT_EQ(verdict, Verdict::kAcceptable) << n;
    }
    if (verdict != Verdict::kAcceptable) continue;
    if (n < highest) ++accepted_late;
    ASSERT_TRUE(window.markReceived(n).ok()) << n;
    if (n > highest && n - highest >= kLurchReinitJump) {
      floor = n - 1;
      received.clear();
    }
    received.insert(n);
    highest = std::max(highest, n);
    ASSERT_EQ(window.highest(), highest);
  }
  EXPECT_GT(accepted_late, 100u);  // the test did exercise reordering
  EXPECT_GT(window.lurchCount(), 10u);
}

}  // namespace
}  // namespace opengns::snp
