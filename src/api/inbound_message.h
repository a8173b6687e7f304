// Turns a message the SNP engine completed into the application's Message (lifecycle.md
// §7.3) without copying the payload: the message adopts the engine's buffer and frees it
// through the library's releaser.
#pragma once

#include <cstdint>

#include "opengns/types.h"
#include "snp/received_message.h"

namespace opengns::api {

struct InboundFields {
  ConnectionHandle connection = kInvalidConnection;
  NetworkingIdentity identity;
  int64_t receiver_user_data = kDefaultConnectionUserData;
  int64_t time_received_usec = 0;
};

// Null only if an allocation fails (the message is then lost, as a drop).
MessagePtr makeInboundMessage(snp::ReceivedMessage&& received, const InboundFields& fields);

}  // namespace opengns::api
