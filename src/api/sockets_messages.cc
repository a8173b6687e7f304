// NetworkingSockets: sending, receiving, lanes and poll groups (snp.md §5.3, §6, §7;
// lifecycle.md §6.4, §7). The instance (api/instance.h) does the work under its lock;
// bad handles get their documented values (config.md §2.1).
#include <utility>

#include "api/instance.h"
#include "api/message.h"
#include "opengns/networking_sockets.h"

namespace opengns {

SendMessageResult NetworkingSockets::sendMessageToConnection(ConnectionHandle connection_handle,
                                                             std::span<const std::byte> data,
                                                             int flags, int lane) {
  return instance_->send(connection_handle, data, flags, lane);
}

std::vector<int64_t> NetworkingSockets::sendMessages(std::vector<MessagePtr> messages,
                                                     ConnectionHandle connection_handle,
                                                     int flags) {
  return instance_->sendMessages(std::move(messages), connection_handle, flags);
}

Result NetworkingSockets::flushMessagesOnConnection(ConnectionHandle connection_handle) {
  return instance_->flush(connection_handle);
}

Result NetworkingSockets::configureConnectionLanes(ConnectionHandle connection, int lanes,
                                                   std::span<const int> priorities,
                                                   std::span<const uint16_t> weights) {
  return instance_->configureLanes(connection, lanes, priorities, weights);
}

int NetworkingSockets::receiveMessagesOnConnection(ConnectionHandle connection_handle,
                                                   int max_messages,
                                                   std::vector<MessagePtr>* messages) {
  return instance_->receiveOnConnection(connection_handle, max_messages, messages);
}

int NetworkingSockets::receiveMessagesOnPollGroup(PollGroupHandle poll_group, int max_messages,
                                                  std::vector<MessagePtr>* messages) {
  return instance_->receiveOnPollGroup(poll_group, max_messages, messages);
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

bool NetworkingSockets::setConnectionPollGroup(ConnectionHandle connection_handle,
                                               PollGroupHandle poll_group) {
  return instance_->setConnectionPollGroup(connection_handle, poll_group);
}

}  // namespace opengns
