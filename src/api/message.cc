// Message allocation and release. The releaser is the only way a Message is destroyed, so
// a payload is always freed by the function that matches its allocation.
#include "api/message.h"

#include <cstring>
#include <new>

namespace opengns {

void MessageReleaser::operator()(Message* message) const noexcept {
  if (message == nullptr) return;
  if (message->free_data_ != nullptr) message->free_data_(message);
  if (message->payload_inline_) {
    message->~Message();
    ::operator delete(static_cast<void*>(message));  // the block of allocateInline()
    return;
  }
  delete message;
}

bool Message::setSize(int32_t size) {
  if (size < 0 || size > capacity_) return false;
  size_ = size;
  return true;
}

namespace api {

MessagePtr MessageAccess::allocate(int32_t size) {
  MessagePtr message = allocateInline(size);
  if (message != nullptr && size > 0) std::memset(message->data_, 0, static_cast<size_t>(size));
  return message;
}

MessagePtr MessageAccess::allocateInline(int32_t size) {
  if (size < 0) return nullptr;
  static_assert(sizeof(Message) % alignof(uint64_t) == 0,
                "the payload after the Message must stay 8-byte aligned");
  void* block = ::operator new(sizeof(Message) + static_cast<size_t>(size), std::nothrow);
  if (block == nullptr) return nullptr;
  Message* message = new (block) Message();
  message->data_ = size > 0 ? reinterpret_cast<std::byte*>(message + 1) : nullptr;
  message->size_ = size;
  message->capacity_ = size;
  message->payload_inline_ = true;
  return MessagePtr(message);
}

MessagePtr MessageAccess::adopt(std::byte* data, int32_t size, void (*free_data)(Message*),
                                void* free_context) {
  if (size < 0) return nullptr;
  Message* message = new (std::nothrow) Message();
  if (message == nullptr) return nullptr;
  message->data_ = data;
  message->size_ = size;
  message->capacity_ = size;
  message->free_data_ = free_data;
  message->free_context_ = free_context;
  return MessagePtr(message);
}

}  // namespace api
}  // namespace opengns
