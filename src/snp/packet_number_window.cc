#include "snp/packet_number_window.h"

#include "absl/strings/str_cat.h"

namespace opengns::snp {

PacketNumberWindow::PacketNumberWindow(uint64_t initial_highest) : highest_(initial_highest) {
  // Everything at or below the initial highest counts as received (udp.md §4.4).
  bits_.fill(~uint64_t{0});
}

bool PacketNumberWindow::bit(uint64_t n) const {
  const size_t slot = static_cast<size_t>(n % kPacketWindowBits);
  return (bits_[slot / kWordBits] >> (slot % kWordBits)) & 1;
}

void PacketNumberWindow::setBit(uint64_t n, bool value) {
  const size_t slot = static_cast<size_t>(n % kPacketWindowBits);
  const uint64_t mask = uint64_t{1} << (slot % kWordBits);
  if (value) {
    bits_[slot / kWordBits] |= mask;
  } else {
    bits_[slot / kWordBits] &= ~mask;
  }
}

PacketNumberWindow::Verdict PacketNumberWindow::check(uint64_t n) const {
  if (n > highest_) return Verdict::kAcceptable;
  if (highest_ - n >= kPacketWindowBits) return Verdict::kTooOld;
  return bit(n) ? Verdict::kDuplicate : Verdict::kAcceptable;
}

absl::Status PacketNumberWindow::checkForwardJump(uint64_t n) const {
  if (n > highest_ && n - highest_ > kMaxForwardJump) {
    return absl::OutOfRangeError(absl::StrCat("packet number lurch: packet ", n, " is ",
                                              n - highest_, " ahead of the highest received ",
                                              highest_, " (limit ", kMaxForwardJump, ")"));
  }
  return absl::OkStatus();
}

absl::Status PacketNumberWindow::markReceived(uint64_t n) {
  if (absl::Status jump = checkForwardJump(n); !jump.ok()) return jump;
  if (const Verdict verdict = check(n); verdict != Verdict::kAcceptable) {
    return absl::FailedPreconditionError(absl::StrCat(
        "packet number window: packet ", n, " marked received but it is ",
        verdict == Verdict::kDuplicate ? "a duplicate" : "too old", " (highest ", highest_, ")"));
  }
  if (n <= highest_) {
    setBit(n, true);
    return absl::OkStatus();
  }
  const uint64_t jump = n - highest_;
  if (jump >= kLurchReinitJump) {
    // WIRE (udp.md §4.4): the window restarts at n with every lower number received.
    bits_.fill(~uint64_t{0});
    ++lurch_count_;
  } else {
    // The numbers skipped over are not received yet; their slots held numbers that now
    // fall out of the window.
    for (uint64_t m = highest_ + 1; m < n; ++m)
      setBit(m, false);
    setBit(n, true);
  }
  highest_ = n;
  return absl::OkStatus();
}

}  // namespace opengns::snp
