// Text helpers of opengns-chat: message payloads as strings, and what a closed
// connection's end reason means in words.
//
// The chat protocol is nothing but UTF-8 text in reliable messages, one line per message,
// with no terminator and no framing of ours, as in the stock chat example of
// GameNetworkingSockets (lifecycle.md §10): any peer that sends text can talk to us.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "opengns/types.h"

namespace opengns::chat {

// The payload of a received message, as a string (bytes unchanged).
std::string payloadText(const Message& message);
// The bytes of `text`, for sendMessageToConnection.
std::span<const std::byte> textBytes(std::string_view text);

// `text` made safe for a terminal: control characters but tab (which a remote peer could use to
// move the cursor or change colours) become '?'. UTF-8 sequences pass unchanged.
std::string printable(std::string_view text);

// "reason 1000 (Goodbye)": the end reason and the peer's or the library's debug text.
std::string describeEnd(const ConnectionInfo& info);

}  // namespace opengns::chat
