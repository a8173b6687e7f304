// The receiver's replay window over full (expanded) packet numbers (udp.md §4.4).
//
// Why it exists: every data packet number may be processed at most once (it is the
// AES-GCM nonce input, and SNP relies on seeing each number once, snp.md §3.3), and the
// window is what drops duplicates, packets too old to judge, and packets that jump too
// far ahead. The receive order of the reference is: expand the 16-bit number against
// highest(); check() (too old or duplicate: drop); decrypt (failure: drop, the window
// is NOT touched); checkForwardJump() (error: close with end reason 5001); SNP
// processing; markReceived(). So check() is const and separate from markReceived():
// an unauthenticated packet can never move the window.
//
// Guarantees:
//  - Every number at or below highest() that was marked received, or is at or below the
//    initial highest, or was below a re-initialising jump, and that the window can still
//    represent (highest() - n < kPacketWindowBits) is reported kDuplicate; anything older
//    is kTooOld. So no duplicate is ever reported kAcceptable.
//  - A forward jump of kLurchReinitJump (100) or more re-initialises the window at the
//    new number with every lower number counted as received (WIRE, udp.md §4.4): packets
//    still in flight from the skipped range are then dropped as duplicates.
//  - A forward jump of more than kMaxForwardJump (0x4000) is refused with OutOfRange;
//    the connection ends with reason 5001 (packet-number lurch).
// Window size (LOCAL): 1024 numbers, well above the reference's 64-127, so that heavy
// reordering does not turn late packets into losses.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"

namespace opengns::snp {

// udp.md §4.4 / snp.md §3.1: from peer protocol version 10 on the handshake counts as
// packet 1 in each direction, so the receiver starts with "highest received" = 1.
inline constexpr uint32_t kFirstProtocolVersionWithHandshakePacket = 10;
// udp.md §4.4 (WIRE): a forward jump of this many numbers or more re-initialises the
// window and counts every lower number as received.
inline constexpr uint64_t kLurchReinitJump = 100;
// udp.md §4.4 (WIRE): a forward jump of more than this after decryption closes the
// connection (end reason 5001).
inline constexpr uint64_t kMaxForwardJump = 0x4000;
// LOCAL: how many numbers at and below highest() the window remembers.
inline constexpr size_t kPacketWindowBits = 1024;

// The "highest received" a receiver starts with for a peer of this protocol version:
// 1 (the handshake's implicit packet) for version >= 10, else 0 (nothing received).
inline uint64_t initialHighestReceived(uint32_t peer_protocol_version) {
  return peer_protocol_version >= kFirstProtocolVersionWithHandshakePacket ? 1 : 0;
}

class PacketNumberWindow {
 public:
  enum class Verdict {
    kAcceptable,  // new number: may be decrypted and processed
    kDuplicate,   // already received (or counted as received): drop
    kTooOld,      // below the window: cannot be judged, drop
  };

  // `initial_highest`: see initialHighestReceived(). Every number at or below it counts
  // as already received (so packet 0, which is never sent, is always a duplicate).
  explicit PacketNumberWindow(uint64_t initial_highest = 1);

  // What to do with packet `n` (a full number from wire::expandPacketNumber against
  // highest()). Any number above highest() is kAcceptable here, however far ahead: the
  // jump limit is checked after decryption (checkForwardJump).
  Verdict check(uint64_t n) const;

  // The lurch check of udp.md §4.4, to run after `n` decrypted and before SNP processes
  // it: OutOfRange (end reason 5001) if n is more than kMaxForwardJump above highest().
  absl::Status checkForwardJump(uint64_t n) const;

  // Records `n` as received once its packet was processed; raises highest(). A jump of
  // kLurchReinitJump or more re-initialises the window (all lower numbers received) and
  // counts a lurch. Errors leave the window unchanged: OutOfRange for a jump over
  // kMaxForwardJump (as checkForwardJump), FailedPrecondition if check(n) is not
  // kAcceptable (a caller bug: the packet should have been dropped).
  absl::Status markReceived(uint64_t n);

  // Highest number received so far (or the initial value).
  uint64_t highest() const { return highest_; }
  // How many times a jump of kLurchReinitJump or more re-initialised the window.
  uint64_t lurchCount() const { return lurch_count_; }

 private:
  static constexpr size_t kWordBits = 64;
  static constexpr size_t kWords = kPacketWindowBits / kWordBits;
  static_assert(kPacketWindowBits % kWordBits == 0);

  bool bit(uint64_t n) const;
  void setBit(uint64_t n, bool value);

  uint64_t highest_;
  // Bit (n mod kPacketWindowBits) says whether n was received, for n in
  // (highest_ - kPacketWindowBits, highest_].
  std::array<uint64_t, kWords> bits_{};
  uint64_t lurch_count_ = 0;
};

}  // namespace opengns::snp
