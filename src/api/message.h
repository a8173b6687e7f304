// Library-internal construction of Message objects (the public type has a private
// constructor so that every message is released by MessageReleaser). A message owns its
// payload buffer through a free function, so later layers can hand over buffers they
// allocated themselves (zero-copy receive) as well as plain heap buffers.
#pragma once

#include <cstddef>
#include <cstdint>

#include "opengns/types.h"

namespace opengns::api {

class MessageAccess {
 public:
  // A message with a zero-filled heap buffer of `size` bytes (size() == capacity() ==
  // size). Null if size < 0 or the allocation fails.
  static MessagePtr allocate(int32_t size);
  // As allocate(), with the payload left uninitialized for the caller to fill; the
  // Message and its payload are one heap block.
  static MessagePtr allocateInline(int32_t size);

  // A message whose payload is `data` (`size` bytes); `free_data` is called once with the
  // message when it is released (it may read free_context(), then must free the buffer).
  static MessagePtr adopt(std::byte* data, int32_t size, void (*free_data)(Message*),
                          void* free_context);

  static void* freeContext(const Message& message) { return message.free_context_; }
  static std::byte* data(const Message& message) { return message.data_; }
};

}  // namespace opengns::api
