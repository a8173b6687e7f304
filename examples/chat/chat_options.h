// The command line of opengns-chat:
//   opengns-chat server [--port PORT]     listen on [::]:PORT (IPv4 and IPv6)
//   opengns-chat client HOST[:PORT]       connect to a server
// PORT defaults to 27020, the stock chat example's. A server port of 0 takes any free port
// (the "listening on" line says which), which is what scripts and tests want.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "chat_address.h"

namespace opengns::chat {

enum class ChatMode { kServer, kClient, kHelp };

struct ChatOptions {
  ChatMode mode = ChatMode::kHelp;
  uint16_t port = kDefaultChatPort;  // server: the port to listen on
  HostAndPort server;                // client: where to connect
};

// Parses the arguments after the program name. nullopt and *error on a mistake.
std::optional<ChatOptions> parseChatOptions(std::span<const std::string_view> args,
                                            std::string* error);

// The usage text, for --help and after a mistake.
std::string chatUsage();

}  // namespace opengns::chat
