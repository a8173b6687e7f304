// Console output of opengns-chat: whole lines on stdout, flushed one by one.
//
// Why flush each line: stdout is usually a pipe when the program is scripted or tested,
// and a pipe is block-buffered. A reader waiting for "connected" must see it as soon as
// it happens, not when 4 KB have piled up.
#pragma once

#include <string_view>

namespace opengns::chat {

// A line of chat text (a relayed message, a server notice): printed as given.
void printLine(std::string_view line);
// A line about the program's own state (connecting, connected, closed...): printed with a
// "* " prefix so it stands apart from what people typed.
void printStatus(std::string_view line);

}  // namespace opengns::chat
