// A completed SNP message becomes an application Message with the fields of
// lifecycle.md §7.3, adopting the engine's buffer (no copy).
#include "api/inbound_message.h"

#include <gtest/gtest.h>

#include <cstring>

namespace opengns::api {
namespace {

TEST(InboundMessage, FieldsAndZeroCopy) {
  snp::ReceivedMessage received;
  received.lane = 3;
  received.message_number = 42;
  received.reliable = true;
  received.data = {'h', 'i', '!'};
  InboundFields fields;
  fields.connection = ConnectionHandle{0x10002};
  fields.identity = *NetworkingIdentity::parse("str:peer");
  fields.receiver_user_data = 9;
  fields.time_received_usec = 123456;
  MessagePtr message = makeInboundMessage(std::move(received), fields);
  ASSERT_NE(message, nullptr);
  ASSERT_EQ(message->size(), 3);
  EXPECT_EQ(std::memcmp(message->payload().data(), "hi!", 3), 0);
  EXPECT_EQ(message->connection, ConnectionHandle{0x10002});
  EXPECT_EQ(message->identity.toString(), "str:peer");
  EXPECT_EQ(message->receiver_user_data, 9);
  EXPECT_EQ(message->time_received, 123456);
  EXPECT_EQ(message->message_number, 42);
  EXPECT_EQ(message->flags, kSendReliable);
  EXPECT_EQ(message->lane, 3);

  snp::ReceivedMessage empty;  // unreliable, zero bytes
  MessagePtr none = makeInboundMessage(std::move(empty), fields);
  ASSERT_NE(none, nullptr);
  EXPECT_EQ(none->size(), 0);
  EXPECT_EQ(none->flags, 0);
}

TEST(InboundMessage, SmallPayloadsAreCopiedBesideTheMessageLargeOnesAdopted) {
  InboundFields fields;
  snp::ReceivedMessage small;
  small.data.assign(4096, 0x5a);
  const uint8_t* small_buffer = small.data.data();
  MessagePtr copied = makeInboundMessage(std::move(small), fields);
  ASSERT_NE(copied, nullptr);
  ASSERT_EQ(copied->size(), 4096);
  // One block: the payload starts right after the Message object.
  EXPECT_NE(reinterpret_cast<const uint8_t*>(copied->payload().data()), small_buffer);
  EXPECT_EQ(reinterpret_cast<const std::byte*>(copied.get() + 1), copied->payload().data());
  EXPECT_EQ(copied->payload()[4095], std::byte{0x5a});

  snp::ReceivedMessage large;
  large.data.assign(4097, 0xa5);
  const uint8_t* large_buffer = large.data.data();
  MessagePtr adopted = makeInboundMessage(std::move(large), fields);
  ASSERT_NE(adopted, nullptr);
  EXPECT_EQ(reinterpret_cast<const uint8_t*>(adopted->payload().data()), large_buffer);  // no copy
  EXPECT_EQ(adopted->size(), 4097);
}

}  // namespace
}  // namespace opengns::api
