#include "api/receive_queue.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace opengns::api {

void ConnectionReceiveQueue::push(uint64_t sequence, MessagePtr message) {
  if (message == nullptr) return;
  bytes_ += static_cast<uint64_t>(message->size());
  messages_.push_back(Queued{sequence, std::move(message)});
}

MessagePtr ConnectionReceiveQueue::popFront() {
  if (messages_.empty()) return nullptr;
  MessagePtr message = std::move(messages_.front().message);
  messages_.pop_front();
  bytes_ -= static_cast<uint64_t>(message->size());
  return message;
}

std::optional<uint64_t> ConnectionReceiveQueue::frontSequence() const {
  if (messages_.empty()) return std::nullopt;
  return messages_.front().sequence;
}

bool ConnectionReceiveQueue::contains(uint64_t sequence) const {
  if (messages_.empty()) return false;
  return sequence >= messages_.front().sequence && sequence <= messages_.back().sequence;
}

void ConnectionReceiveQueue::setReceiverUserData(int64_t user_data) {
  for (Queued& queued : messages_)
    queued.message->receiver_user_data = user_data;
}

void ConnectionReceiveQueue::clear() {
  messages_.clear();
  bytes_ = 0;
}

std::vector<PollGroupEntry> ConnectionReceiveQueue::entries(uint32_t connection) const {
  std::vector<PollGroupEntry> out;
  out.reserve(messages_.size());
  for (const Queued& queued : messages_) {
    out.push_back(PollGroupEntry{connection, queued.sequence, queued.message->time_received});
  }
  return out;
}

PollGroupEntry PollGroupQueue::popFront() {
  PollGroupEntry entry = entries_.front();
  entries_.pop_front();
  return entry;
}

void PollGroupQueue::removeConnection(uint32_t connection) {
  retain([connection](const PollGroupEntry& entry) { return entry.connection != connection; });
}

void PollGroupQueue::merge(const std::vector<PollGroupEntry>& joining) {
  if (joining.empty()) return;
  std::deque<PollGroupEntry> merged;
  // std::merge takes from the first range on ties: a joining message goes before the
  // first group message received strictly later, after those received at the same time.
  std::merge(entries_.begin(), entries_.end(), joining.begin(), joining.end(),
             std::back_inserter(merged), [](const PollGroupEntry& a, const PollGroupEntry& b) {
               return a.time_received_usec < b.time_received_usec;
             });
  entries_.swap(merged);
}

}  // namespace opengns::api
