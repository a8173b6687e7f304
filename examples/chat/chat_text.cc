#include "chat_text.h"

namespace opengns::chat {

std::string payloadText(const Message& message) {
  const std::span<const std::byte> payload = message.payload();
  return std::string(reinterpret_cast<const char*>(payload.data()), payload.size());
}

std::span<const std::byte> textBytes(std::string_view text) {
  return std::as_bytes(std::span<const char>(text.data(), text.size()));
}

std::string printable(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && c != '\t') || byte == 0x7f) c = '?';
  }
  return out;
}

std::string describeEnd(const ConnectionInfo& info) {
  std::string text = "reason " + std::to_string(static_cast<int32_t>(info.end_reason));
  if (!info.end_debug.empty()) text += " (" + printable(info.end_debug) + ")";
  return text;
}

}  // namespace opengns::chat
