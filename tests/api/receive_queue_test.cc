// The receive queues (lifecycle.md §6.2, §6.4, §7): FIFO per connection with byte
// accounting, user-data rewrite, and the poll group's merge-by-receive-time rule.
#include "api/receive_queue.h"

#include <gtest/gtest.h>

#include "api/message.h"

namespace opengns::api {
namespace {

MessagePtr messageAt(int64_t time_usec, int32_t size) {
  MessagePtr message = MessageAccess::allocate(size);
  message->time_received = time_usec;
  return message;
}

TEST(ConnectionReceiveQueue, FifoWithBytesAndUserData) {
  ConnectionReceiveQueue queue;
  EXPECT_EQ(queue.frontSequence(), std::nullopt);
  queue.push(5, messageAt(100, 10));
  queue.push(9, messageAt(200, 30));
  EXPECT_EQ(queue.size(), 2u);
  EXPECT_EQ(queue.bytes(), 40u);
  EXPECT_TRUE(queue.contains(5));
  EXPECT_TRUE(queue.contains(9));
  EXPECT_FALSE(queue.contains(4));
  queue.setReceiverUserData(7);
  MessagePtr first = queue.popFront();
  EXPECT_EQ(first->time_received, 100);
  EXPECT_EQ(first->receiver_user_data, 7);
  EXPECT_EQ(queue.bytes(), 30u);
  EXPECT_EQ(queue.frontSequence(), 9u);
  queue.setReceiverUserData(8);  // a message already taken keeps its value
  EXPECT_EQ(first->receiver_user_data, 7);
  EXPECT_EQ(queue.entries(3).at(0).connection, 3u);
  EXPECT_EQ(queue.entries(3).at(0).sequence, 9u);
  queue.clear();
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.bytes(), 0u);
  EXPECT_EQ(queue.popFront(), nullptr);
}

TEST(PollGroupQueue, MergeInsertsBeforeTheFirstLaterMessage) {
  PollGroupQueue group;
  group.push({1, 1, 100});
  group.push({1, 2, 300});
  group.push({1, 3, 300});
  group.push({1, 4, 500});
  // lifecycle.md §6.4: each joining message goes before the first group message received
  // later (so after those received at the same time).
  group.merge({{2, 10, 50}, {2, 11, 300}, {2, 12, 600}});
  std::vector<uint64_t> order;
  while (!group.empty())
    order.push_back(group.popFront().sequence);
  EXPECT_EQ(order, (std::vector<uint64_t>{10, 1, 2, 3, 11, 4, 12}));
}

TEST(PollGroupQueue, RemoveAndRetain) {
  PollGroupQueue group;
  group.push({1, 1, 1});
  group.push({2, 2, 2});
  group.push({1, 3, 3});
  group.removeConnection(1);
  ASSERT_EQ(group.size(), 1u);
  EXPECT_EQ(group.popFront().connection, 2u);
  group.push({3, 4, 4});
  group.push({3, 5, 5});
  group.retain([](const PollGroupEntry& entry) { return entry.sequence != 4; });
  ASSERT_EQ(group.size(), 1u);
  EXPECT_EQ(group.popFront().sequence, 5u);
}

}  // namespace
}  // namespace opengns::api
