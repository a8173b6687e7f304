// Message allocation and release. The releaser is the only way a Message is destroyed, so
// a payload is always freed by the function that matches its allocation.
#include "api/message.h"

#include <new>

namespace opengns {

namespace {

void freeHeapBuffer(Message* message) {
  delete[] api::MessageAccess::data(*message);
}

}  // namespace

void MessageReleaser::operator()(Message* message) const noexcept {
  if (message == nullptr) return;
  if (message->free_data_ != nullptr) message->free_data_(message);
  delete message;
}

bool Message::setSize(int32_t size) {
  if (size < 0 || size > capacity_) return false;
  size_ = size;
  return true;
}

namespace api {

MessagePtr MessageAccess::allocate(int32_t size) {
  if (size < 0) return nullptr;
  std::byte* data = nullptr;
  if (size > 0) {
    data = new (std::nothrow) std::byte[static_cast<size_t>(size)]();
    if (data == nullptr) return nullptr;
  }
  MessagePtr message = adopt(data, size, data != nullptr ? &freeHeapBuffer : nullptr, nullptr);
  if (message == nullptr) delete[] data;
  return message;
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
