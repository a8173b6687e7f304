#include "api/inbound_message.h"

#include <cstring>
#include <new>
#include <utility>

#include "api/message.h"
#include "common/bytes.h"

namespace opengns::api {
namespace {

void freeAdoptedBytes(Message* message) {
  delete static_cast<Bytes*>(MessageAccess::freeContext(*message));
}

// Up to this size the payload is copied next to the Message (one allocation, and the
// copy costs less than the two allocations of adopting); larger ones are adopted as they
// are, never copied.
constexpr size_t kInlineCopyMaxBytes = 4096;

MessagePtr wrapPayload(Bytes&& data) {
  if (data.size() <= kInlineCopyMaxBytes) {
    MessagePtr message = MessageAccess::allocateInline(static_cast<int32_t>(data.size()));
    if (message != nullptr && !data.empty()) {
      std::memcpy(MessageAccess::data(*message), data.data(), data.size());
    }
    return message;
  }
  Bytes* holder = new (std::nothrow) Bytes(std::move(data));
  if (holder == nullptr) return nullptr;
  MessagePtr message =
      MessageAccess::adopt(reinterpret_cast<std::byte*>(holder->data()),
                           static_cast<int32_t>(holder->size()), &freeAdoptedBytes, holder);
  if (message == nullptr) delete holder;
  return message;
}

}  // namespace

MessagePtr makeInboundMessage(snp::ReceivedMessage&& received, const InboundFields& fields) {
  MessagePtr message = wrapPayload(std::move(received.data));
  if (message == nullptr) return nullptr;
  message->connection = fields.connection;
  message->identity = fields.identity;
  message->receiver_user_data = fields.receiver_user_data;
  message->time_received = fields.time_received_usec;
  message->message_number = static_cast<int64_t>(received.message_number);
  message->flags = received.reliable ? kSendReliable : 0;
  message->lane = static_cast<uint16_t>(received.lane);
  return message;
}

}  // namespace opengns::api
