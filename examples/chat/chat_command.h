// What a typed line means: chat text, or one of the commands. Shared by the client (which
// handles /quit itself and sends everything else) and the server (which reads /nick and
// /quit from its clients' messages, and /quit from its own console).
#pragma once

#include <string>
#include <string_view>

namespace opengns::chat {

enum class CommandKind {
  kEmpty,    // nothing but spaces: nothing to send
  kText,     // a chat line
  kNick,     // "/nick NAME" (argument = NAME, trimmed; may be empty)
  kQuit,     // "/quit"
  kUnknown,  // "/something" else (argument = the command word)
};

struct ChatCommand {
  CommandKind kind = CommandKind::kEmpty;
  std::string argument;  // see CommandKind
};

// Text is kept exactly as typed (leading spaces included); commands are recognised only at
// the start of the line. "//text" is text starting with "/", for saying "/nick" literally.
ChatCommand parseChatLine(std::string_view line);

}  // namespace opengns::chat
