#include "chat_options.h"

namespace opengns::chat {

std::optional<ChatOptions> parseChatOptions(std::span<const std::string_view> args,
                                            std::string* error) {
  ChatOptions options;
  if (args.empty()) {
    *error = "missing mode (server or client)";
    return std::nullopt;
  }
  const std::string_view mode = args[0];
  const std::span<const std::string_view> rest = args.subspan(1);
  if (mode == "--help" || mode == "-h" || mode == "help") return options;

  if (mode == "server") {
    options.mode = ChatMode::kServer;
    // Flags come in pairs ("--port N"); only --port exists.
    for (size_t i = 0; i < rest.size(); i += 2) {
      if (rest[i] != "--port") {
        *error = "unexpected argument '" + std::string(rest[i]) + "'";
        return std::nullopt;
      }
      std::optional<uint16_t> port = i + 1 < rest.size() ? parsePort(rest[i + 1]) : std::nullopt;
      if (!port) {
        *error = "--port needs a number 0..65535";
        return std::nullopt;
      }
      options.port = *port;
    }
    return options;
  }

  if (mode == "client") {
    options.mode = ChatMode::kClient;
    if (rest.size() != 1) {
      *error = "client needs exactly one argument, HOST[:PORT]";
      return std::nullopt;
    }
    std::optional<HostAndPort> target = splitHostAndPort(rest[0], kDefaultChatPort, error);
    if (!target) return std::nullopt;
    options.server = *target;
    return options;
  }

  *error = "unknown mode '" + std::string(mode) + "' (expected server or client)";
  return std::nullopt;
}

std::string chatUsage() {
  return "usage: opengns-chat server [--port PORT]\n"
         "       opengns-chat client HOST[:PORT]\n"
         "\n"
         "A text chat over opengns (GameNetworkingSockets protocol). PORT defaults to 27020;\n"
         "a server port of 0 picks a free one. HOST is an IPv4 address, [IPv6], or a name\n"
         "such as localhost. Type lines to chat; /nick NAME renames you, /quit leaves\n"
         "(so does the end of input or Ctrl-C).\n";
}

}  // namespace opengns::chat
