#include "api/inbound_message.h"

#include <new>
#include <utility>

#include "api/message.h"
#include "common/bytes.h"

namespace opengns::api {
namespace {

void freeAdoptedBytes(Message* message) {
  delete static_cast<Bytes*>(MessageAccess::freeContext(*message));
}

}  // namespace

MessagePtr makeInboundMessage(snp::ReceivedMessage&& received, const InboundFields& fields) {
  Bytes* holder = new (std::nothrow) Bytes(std::move(received.data));
  if (holder == nullptr) return nullptr;
  MessagePtr message =
      MessageAccess::adopt(reinterpret_cast<std::byte*>(holder->data()),
                           static_cast<int32_t>(holder->size()), &freeAdoptedBytes, holder);
  if (message == nullptr) {
    delete holder;
    return nullptr;
  }
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
