// A completed SNP message becomes an application Message with the fields of
// lifecycle.md §7.3, adopting the engine's buffer (no copy).
#include "api/inbound_message.h"

#include <gtest/gtest.h>

namespace opengns::api {
namespace {

TEST(InboundMessage, FieldsAndZeroCopy) {
  snp::ReceivedMessage received;
  received.lane = 3;
  received.message_number = 42;
  received.reliable = true;
  received.data = {'h', 'i', '!'};
  const uint8_t* buffer = received.data.data();
  InboundFields fields;
  fields.connection = ConnectionHandle{0x10002};
  fields.identity = *NetworkingIdentity::parse("str:peer");
  fields.receiver_user_data = 9;
  fields.time_received_usec = 123456;
  MessagePtr message = makeInboundMessage(std::move(received), fields);
  ASSERT_NE(message, nullptr);
  EXPECT_EQ(reinterpret_cast<const uint8_t*>(message->payload().data()), buffer);
  EXPECT_EQ(message->size(), 3);
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

}  // namespace
}  // namespace opengns::api
