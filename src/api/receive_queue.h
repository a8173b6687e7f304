// The application-side queues of received messages (lifecycle.md §6.4, §7): one FIFO per
// connection, holding the messages, and one FIFO of references per poll group. A message
// sits in its connection's queue and, while the connection is in a group, is referenced
// from the group's queue; taking it from either removes it from both (the group's
// reference goes stale and is skipped, see PollGroupQueue).
//
// Every message gets a sequence number from one per-instance counter when queued, so a
// reference names exactly one message and staleness is a comparison: a connection queue
// is ordered by sequence, and a reference is live iff its sequence is still in the queue.
//
// Not thread-safe: the owner (the instance lock) serializes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "opengns/types.h"

namespace opengns::api {

// A poll group's reference to one queued message.
struct PollGroupEntry {
  uint32_t connection = 0;
  uint64_t sequence = 0;
  int64_t time_received_usec = 0;
};

class ConnectionReceiveQueue {
 public:
  void push(uint64_t sequence, MessagePtr message);
  // The oldest message, removed; null if empty.
  MessagePtr popFront();
  std::optional<uint64_t> frontSequence() const;
  bool contains(uint64_t sequence) const;

  size_t size() const { return messages_.size(); }
  uint64_t bytes() const { return bytes_; }
  bool empty() const { return messages_.empty(); }

  // lifecycle.md §6.2: user data set on the connection rewrites the queued messages.
  void setReceiverUserData(int64_t user_data);
  // Frees every queued message (the connection left the API's view, §7.5).
  void clear();
  // References to every queued message, oldest first (joining a poll group).
  std::vector<PollGroupEntry> entries(uint32_t connection) const;

 private:
  struct Queued {
    uint64_t sequence = 0;
    MessagePtr message;
  };
  std::deque<Queued> messages_;
  uint64_t bytes_ = 0;
};

class PollGroupQueue {
 public:
  void push(const PollGroupEntry& entry) { entries_.push_back(entry); }
  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }
  PollGroupEntry popFront();
  // Drops every reference to `connection` (it left the group or the API's view).
  void removeConnection(uint32_t connection);
  // lifecycle.md §6.4: each of `joining` (one connection's references, oldest first) is
  // inserted before the first reference that was received later.
  void merge(const std::vector<PollGroupEntry>& joining);
  // Keeps only the references `live` says yes to (compaction of stale references).
  template <typename Predicate>
  void retain(Predicate live) {
    std::deque<PollGroupEntry> kept;
    for (const PollGroupEntry& entry : entries_) {
      if (live(entry)) kept.push_back(entry);
    }
    entries_.swap(kept);
  }

 private:
  std::deque<PollGroupEntry> entries_;
};

}  // namespace opengns::api
