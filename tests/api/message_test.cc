// allocateMessage and the Message object (config.md §5.12, lifecycle.md §7.3): zero-copy
// buffers the caller fills, released by the library's releaser.
#include "api/message.h"

#include <gtest/gtest.h>

#include <memory>

#include "opengns/networking_sockets.h"

namespace opengns {
namespace {

TEST(MessageTest, AllocateGivesAZeroedWritableBuffer) {
  auto sockets = std::move(*NetworkingSockets::create({}));
  MessagePtr message = sockets->allocateMessage(100);
  ASSERT_NE(message, nullptr);
  EXPECT_EQ(message->size(), 100);
  EXPECT_EQ(message->capacity(), 100);
  ASSERT_EQ(message->payload().size(), 100u);
  for (std::byte b : message->payload())
    EXPECT_EQ(b, std::byte{0});
  message->mutablePayload()[99] = std::byte{0x5a};
  EXPECT_EQ(message->payload()[99], std::byte{0x5a});
  // Documented defaults.
  EXPECT_EQ(message->connection, kInvalidConnection);
  EXPECT_TRUE(message->identity.isInvalid());
  EXPECT_EQ(message->receiver_user_data, -1);
  EXPECT_EQ(message->message_number, 0);
  EXPECT_EQ(message->flags, 0);
  EXPECT_EQ(message->lane, 0);
}

TEST(MessageTest, SizesOutsideTheBufferAreRefused) {
  auto sockets = std::move(*NetworkingSockets::create({}));
  EXPECT_EQ(sockets->allocateMessage(-1), nullptr);
  MessagePtr empty = sockets->allocateMessage(0);
  ASSERT_NE(empty, nullptr);
  EXPECT_TRUE(empty->payload().empty());
  MessagePtr message = sockets->allocateMessage(10);
  EXPECT_TRUE(message->setSize(4));
  EXPECT_EQ(message->payload().size(), 4u);
  EXPECT_TRUE(message->setSize(10));
  EXPECT_FALSE(message->setSize(11));
  EXPECT_FALSE(message->setSize(-1));
  EXPECT_EQ(message->size(), 10);
}

int freed_count = 0;
void countingFree(Message* message) {
  ++freed_count;
  delete[] api::MessageAccess::data(*message);
}

TEST(MessageTest, AdoptedBufferIsFreedOnceByItsOwnFunction) {
  freed_count = 0;
  {
    MessagePtr message = api::MessageAccess::adopt(new std::byte[8](), 8, &countingFree, nullptr);
    ASSERT_NE(message, nullptr);
    EXPECT_EQ(message->size(), 8);
    EXPECT_EQ(freed_count, 0);
  }
  EXPECT_EQ(freed_count, 1);
}

}  // namespace
}  // namespace opengns
