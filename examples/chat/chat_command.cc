#include "chat_command.h"

namespace opengns::chat {
namespace {

constexpr std::string_view kSpaces = " \t";

std::string_view trim(std::string_view text) {
  const size_t first = text.find_first_not_of(kSpaces);
  if (first == std::string_view::npos) return {};
  const size_t last = text.find_last_not_of(kSpaces);
  return text.substr(first, last - first + 1);
}

}  // namespace

ChatCommand parseChatLine(std::string_view line) {
  if (trim(line).empty()) return {CommandKind::kEmpty, ""};
  if (line.substr(0, 2) == "//") return {CommandKind::kText, std::string(line.substr(1))};
  if (line.front() != '/') return {CommandKind::kText, std::string(line)};

  const size_t word_end = line.find_first_of(kSpaces);
  const std::string_view word = line.substr(0, word_end);
  const std::string_view rest =
      word_end == std::string_view::npos ? std::string_view() : trim(line.substr(word_end));
  if (word == "/quit") return {CommandKind::kQuit, ""};
  if (word == "/nick") return {CommandKind::kNick, std::string(rest)};
  return {CommandKind::kUnknown, std::string(word)};
}

}  // namespace opengns::chat
