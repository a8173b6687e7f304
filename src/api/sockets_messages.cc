// NetworkingSockets: sending, receiving, lanes and poll groups. Message delivery is not
// built yet (#5) and no connection exists (#4), so the connection functions return their
// documented bad-handle values (config.md §2.1). allocateMessage and the poll-group
// bookkeeping work now.
#include <utility>

#include "api/instance.h"
#include "api/message.h"
#include "opengns/networking_sockets.h"

namespace opengns {

SendMessageResult NetworkingSockets::sendMessageToConnection(ConnectionHandle,
                                                             std::span<const std::byte>, int, int) {
  SendMessageResult result;
  result.result = Result::kInvalidParam;
  result.message_number = -1;
  return result;
}

std::vector<int64_t> NetworkingSockets::sendMessages(std::vector<MessagePtr> messages,
                                                     ConnectionHandle, int) {
  // Every message fails with -InvalidParam: the handle is invalid (and so is a null
  // message). The library owns the messages from the call on and frees them here.
  std::vector<int64_t> results(messages.size(), -static_cast<int64_t>(Result::kInvalidParam));
  messages.clear();
  return results;
}

Result NetworkingSockets::flushMessagesOnConnection(ConnectionHandle) {
  return Result::kInvalidParam;
}

Result NetworkingSockets::configureConnectionLanes(ConnectionHandle, int, std::span<const int>,
                                                   std::span<const uint16_t>) {
  return Result::kNoConnection;
}

int NetworkingSockets::receiveMessagesOnConnection(ConnectionHandle, int,
                                                   std::vector<MessagePtr>*) {
  return -1;
}

int NetworkingSockets::receiveMessagesOnPollGroup(PollGroupHandle poll_group, int,
                                                  std::vector<MessagePtr>*) {
  if (!instance_->pollGroupExists(poll_group)) return -1;
  return 0;  // a valid group: no connection exists yet, so nothing was received (#5)
}

MessagePtr NetworkingSockets::allocateMessage(int32_t size) {
  return api::MessageAccess::allocate(size);
}

PollGroupHandle NetworkingSockets::createPollGroup() {
  return instance_->createPollGroup();
}

bool NetworkingSockets::destroyPollGroup(PollGroupHandle poll_group) {
  return instance_->destroyPollGroup(poll_group);
}

bool NetworkingSockets::setConnectionPollGroup(ConnectionHandle, PollGroupHandle) {
  return false;  // the connection handle is invalid: none exists yet (#4)
}

}  // namespace opengns
