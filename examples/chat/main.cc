// opengns-chat: a small text chat over opengns, and an example of the public API.
//
//   opengns-chat server [--port PORT]   in one terminal
//   opengns-chat client HOST[:PORT]     in as many others as you like
//
// It speaks the same thing as the stock GameNetworkingSockets chat example (UTF-8 lines
// in reliable messages), so either program's client can talk to either server. See
// chat_server.h and chat_client.h for what each side does, chat_options.h for the flags.
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chat_address.h"
#include "chat_client.h"
#include "chat_options.h"
#include "chat_server.h"
#include "line_input.h"
#include "opengns/networking_sockets.h"
#include "stop_signal.h"

namespace {

constexpr int kExitUsage = 2;

int usageError(const std::string& error) {
  std::fprintf(stderr, "opengns-chat: %s\n\n%s", error.c_str(), opengns::chat::chatUsage().c_str());
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace opengns;
  using namespace opengns::chat;

  const std::vector<std::string_view> args(argv + 1, argv + argc);
  std::string error;
  const std::optional<ChatOptions> options = parseChatOptions(args, &error);
  if (!options) return usageError(error);
  if (options->mode == ChatMode::kHelp) {
    std::fputs(chatUsage().c_str(), stdout);
    return 0;
  }

  // Resolve before creating anything, so a typo fails fast.
  std::optional<NetworkingIPAddr> server_address;
  if (options->mode == ChatMode::kClient) {
    server_address = resolveHost(options->server, &error);
    if (!server_address) return usageError(error);
  }

  installStopSignals();
  // Library warnings and errors go to stderr (the default sink); stdout stays the chat.
  NetworkingSocketsOptions sockets_options;
  sockets_options.log_level = DebugOutputType::kWarning;
  absl::StatusOr<std::unique_ptr<NetworkingSockets>> sockets =
      NetworkingSockets::create(sockets_options);
  if (!sockets.ok()) {
    std::fprintf(stderr, "opengns-chat: cannot start networking: %s\n",
                 std::string(sockets.status().message()).c_str());
    return 1;
  }

  // The server or client is destroyed before `sockets`, whose destructor then sends the
  // close packets still queued.
  LineInput input;
  if (options->mode == ChatMode::kServer) {
    ChatServer server(**sockets, input);
    return server.run(options->port);
  }
  ChatClient client(**sockets, input);
  return client.run(*server_address);
}
