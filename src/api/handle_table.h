// Handle allocation for listen sockets and poll groups (lifecycle.md §6.1): a handle is
// (slot index, low 16 bits) | (sequence number, bits 16..27) | kind flag bits. The sequence
// number is process-wide per kind and goes 1..0xFFF then wraps back to 1, so a stale handle
// whose slot was reused fails the lookup, and two instances never hand out the same value
// for a live object at the same time unless 4095 objects were created in between.
// Not thread-safe: the owner locks.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace opengns::api {

// Bits of a listen-socket / poll-group handle (lifecycle.md §6.1).
inline constexpr uint32_t kHandleSlotMask = 0xffff;
inline constexpr uint32_t kHandleSequenceShift = 16;
inline constexpr uint32_t kHandleSequenceMax = 0xfff;
inline constexpr uint32_t kPollGroupHandleFlag = 0x80000000;
inline constexpr uint32_t kListenSocketHandleFlag = 0;

template <typename T>
class HandleTable {
 public:
  // `sequence` is the process-wide counter of this kind of handle.
  HandleTable(uint32_t flag_bits, std::atomic<uint32_t>* sequence)
      : flag_bits_(flag_bits), sequence_(sequence) {}

  // Stores `value`; returns its handle, or 0 when all 65536 slots are in use.
  uint32_t insert(T value) {
    size_t index;
    if (!free_slots_.empty()) {
      index = free_slots_.back();
      free_slots_.pop_back();
    } else if (slots_.size() <= kHandleSlotMask) {
      index = slots_.size();
      slots_.emplace_back();
    } else {
      return 0;
    }
    uint32_t sequence = sequence_->fetch_add(1) % kHandleSequenceMax + 1;  // 1..0xFFF
    uint32_t handle =
        static_cast<uint32_t>(index) | (sequence << kHandleSequenceShift) | flag_bits_;
    slots_[index].handle = handle;
    slots_[index].value.emplace(std::move(value));
    ++live_;
    return handle;
  }

  T* find(uint32_t handle) {
    Slot* slot = slotOf(handle);
    return slot != nullptr ? &*slot->value : nullptr;
  }
  const T* find(uint32_t handle) const { return const_cast<HandleTable*>(this)->find(handle); }

  // Removes the object; false if the handle is not live.
  bool erase(uint32_t handle) {
    Slot* slot = slotOf(handle);
    if (slot == nullptr) return false;
    slot->value.reset();
    slot->handle = 0;
    free_slots_.push_back(handle & kHandleSlotMask);
    --live_;
    return true;
  }

  size_t size() const { return live_; }

  // Calls fn(handle, T&) for every live object.
  template <typename Fn>
  void forEach(Fn&& fn) {
    for (Slot& slot : slots_) {
      if (slot.value) fn(slot.handle, *slot.value);
    }
  }

  void clear() {
    slots_.clear();
    free_slots_.clear();
    live_ = 0;
  }

 private:
  struct Slot {
    uint32_t handle = 0;
    std::optional<T> value;
  };

  Slot* slotOf(uint32_t handle) {
    if (handle == 0) return nullptr;
    size_t index = handle & kHandleSlotMask;
    if (index >= slots_.size()) return nullptr;
    Slot& slot = slots_[index];
    if (!slot.value || slot.handle != handle) return nullptr;
    return &slot;
  }

  uint32_t flag_bits_;
  std::atomic<uint32_t>* sequence_;
  std::vector<Slot> slots_;
  std::vector<size_t> free_slots_;
  size_t live_ = 0;
};

}  // namespace opengns::api
