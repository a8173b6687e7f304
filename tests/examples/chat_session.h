// Starting opengns-chat servers and clients for the end-to-end tests, and reading what
// they print (the listening port, the nick the server gave).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "chat_process.h"

namespace opengns::testing {

// Every wait: generous, because CI runs these under ASan on two loaded cores. A passing
// run never waits this long; it only bounds a broken one.
inline constexpr std::chrono::milliseconds kChatPatience{60000};

inline std::unique_ptr<ChatProcess> startChat(const std::vector<std::string>& args,
                                              const std::string& name) {
  std::string error;
  std::unique_ptr<ChatProcess> process = ChatProcess::start(OPENGNS_CHAT_PATH, args, name, &error);
  EXPECT_NE(process, nullptr) << error;
  return process;
}

// Starts `opengns-chat server --port 0` and reads the port it got from its
// "* listening on [::]:PORT; ..." line; *port stays 0 on failure.
inline std::unique_ptr<ChatProcess> startChatServer(uint16_t* port) {
  *port = 0;
  std::unique_ptr<ChatProcess> server = startChat({"server", "--port", "0"}, "server");
  if (!server) return nullptr;
  std::optional<std::string> line = server->waitForLineContaining("listening on", kChatPatience);
  EXPECT_TRUE(line.has_value()) << "the server printed no 'listening on' line";
  std::smatch match;
  static const std::regex kListening(R"(listening on (\S+):(\d+);)");
  if (line && std::regex_search(*line, match, kListening)) {
    *port = static_cast<uint16_t>(std::stoi(match[2].str()));
  } else {
    ADD_FAILURE() << "no port in: " << line.value_or("");
  }
  return server;
}

// The nick a client was given, from the server's welcome line; "" if none came.
inline std::string waitForGivenNick(ChatProcess& client) {
  std::optional<std::string> welcome =
      client.waitForLineContaining("You are known here as", kChatPatience);
  EXPECT_TRUE(welcome.has_value()) << "no welcome line";
  std::smatch match;
  static const std::regex kNick("known here as '([^']+)'");
  if (welcome && std::regex_search(*welcome, match, kNick)) return match[1].str();
  ADD_FAILURE() << "no nick in: " << welcome.value_or("");
  return "";
}

// Starts a client of `target`, waits until it is connected and greeted; returns its nick
// through *nick.
inline std::unique_ptr<ChatProcess> startGreetedClient(const std::string& target,
                                                       const std::string& name, std::string* nick) {
  std::unique_ptr<ChatProcess> client = startChat({"client", target}, name);
  if (!client) return nullptr;
  EXPECT_TRUE(client->waitForLineContaining("* connected to", kChatPatience))
      << name << " did not connect to " << target;
  *nick = waitForGivenNick(*client);
  return client;
}

inline bool hasLineContaining(const ChatProcess& process, const std::string& text) {
  for (const std::string& line : process.lines()) {
    if (line.find(text) != std::string::npos) return true;
  }
  return false;
}

}  // namespace opengns::testing
