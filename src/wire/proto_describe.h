// Readable text for any of our wire protobuf messages, for tools, logs and test
// failure output: one line per present field, nested messages indented by two spaces,
// byte strings in hex, fixed-width integers (connection ids, timestamps, nonces) also in
// hex, enums by name. The byte strings that hold signed serialized messages
// (CertificateSigned.cert, SessionCryptInfoSigned.info) are decoded in place when they
// parse. Unknown fields are listed by number. Never fails: output only.
#pragma once

#include <string>

#include "google/protobuf/message.h"

namespace opengns::wire {

// Each line is prefixed with `indent` spaces and ends with '\n'.
std::string describeMessage(const google::protobuf::Message& message, int indent = 0);

}  // namespace opengns::wire
