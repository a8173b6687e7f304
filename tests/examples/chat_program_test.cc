// Runs the built opengns-chat (OPENGNS_CHAT_PATH) as people would: one server and its
// clients as separate processes over loopback, driven through their stdin and checked
// through what they print. Each step waits for the line it expects (never a fixed sleep).
#include <gtest/gtest.h>
#include <signal.h>

#include <string>

#include "chat_session.h"

namespace opengns::testing {
namespace {

std::string loopback4(uint16_t port) {
  return "127.0.0.1:" + std::to_string(port);
}

TEST(ChatProgram, TwoClientsChatThroughTheServer) {
  uint16_t port = 0;
  std::unique_ptr<ChatProcess> server = startChatServer(&port);
  ASSERT_NE(port, 0);

  // Alice over IPv4, Bob over IPv6: the server's one "[::]" socket takes both.
  std::string alice_nick, bob_nick;
  std::unique_ptr<ChatProcess> alice = startGreetedClient(loopback4(port), "alice", &alice_nick);
  ASSERT_TRUE(alice);
  EXPECT_TRUE(alice->waitForLineContaining("Nobody else is here yet.", kChatPatience));
  std::unique_ptr<ChatProcess> bob =
      startGreetedClient("[::1]:" + std::to_string(port), "bob", &bob_nick);
  ASSERT_TRUE(bob);
  ASSERT_FALSE(alice_nick.empty());
  ASSERT_FALSE(bob_nick.empty());
  EXPECT_NE(alice_nick, bob_nick);
  EXPECT_TRUE(bob->waitForLineContaining("Also here: " + alice_nick + ".", kChatPatience));
  EXPECT_TRUE(alice->waitForLineContaining(bob_nick + " has joined.", kChatPatience));
  EXPECT_TRUE(server->waitForLineContaining(alice_nick + " joined from 127.0.0.1:", kChatPatience));
  EXPECT_TRUE(server->waitForLineContaining(bob_nick + " joined from [::1]:", kChatPatience));

  // A line reaches the others with the sender's nick, and the server's console.
  ASSERT_TRUE(alice->writeLine("hello from alice"));
  EXPECT_TRUE(bob->waitForLineContaining(alice_nick + ": hello from alice", kChatPatience));
  EXPECT_TRUE(server->waitForLineContaining(alice_nick + ": hello from alice", kChatPatience));
  // ...but not the sender: had the server echoed it, it would have come before Bob's
  // reply (one reliable stream, in order).
  ASSERT_TRUE(bob->writeLine("hello from bob"));
  EXPECT_TRUE(alice->waitForLineContaining(bob_nick + ": hello from bob", kChatPatience));
  EXPECT_FALSE(hasLineContaining(*alice, "hello from alice"));
  EXPECT_FALSE(hasLineContaining(*bob, "hello from bob"));

  // /nick: the others see the new name on the next line.
  ASSERT_TRUE(alice->writeLine("/nick alice"));
  EXPECT_TRUE(alice->waitForLineContaining("You are now known as 'alice'.", kChatPatience));
  EXPECT_TRUE(bob->waitForLineContaining(alice_nick + " is now known as alice.", kChatPatience));
  ASSERT_TRUE(alice->writeLine("renamed"));
  EXPECT_TRUE(bob->waitForLineContaining("alice: renamed", kChatPatience));
  // A taken name is refused.
  ASSERT_TRUE(bob->writeLine("/nick alice"));
  EXPECT_TRUE(bob->waitForLineContaining("You cannot be called 'alice'", kChatPatience));

  // /quit: the client closes and exits 0; the server and Bob see it leave, with the
  // client's close reason.
  ASSERT_TRUE(alice->writeLine("/quit"));
  EXPECT_EQ(alice->waitForExit(kChatPatience), 0);
  EXPECT_TRUE(hasLineContaining(*alice, "* disconnected"));
  EXPECT_TRUE(server->waitForLineContaining("alice (127.0.0.1:", kChatPatience));
  EXPECT_TRUE(
      server->waitForLineContaining("left: closed by peer, reason 1000 (Goodbye)", kChatPatience));
  EXPECT_TRUE(bob->waitForLineContaining("alice has left.", kChatPatience));

  // /quit on the server: Bob gets the goodbye line, then the close, and exits 0.
  ASSERT_TRUE(server->writeLine("/quit"));
  EXPECT_TRUE(bob->waitForLineContaining("The server is shutting down. Goodbye!", kChatPatience));
  EXPECT_TRUE(bob->waitForLineContaining(
      "connection closed by the server: reason 1000 (Server shutting down)", kChatPatience));
  EXPECT_EQ(bob->waitForExit(kChatPatience), 0);
  EXPECT_EQ(server->waitForExit(kChatPatience), 0);
}

TEST(ChatProgram, ServerStopsWhenItsInputEnds) {
  uint16_t port = 0;
  std::unique_ptr<ChatProcess> server = startChatServer(&port);
  ASSERT_NE(port, 0);
  std::string nick;
  std::unique_ptr<ChatProcess> client = startGreetedClient(loopback4(port), "client", &nick);
  ASSERT_TRUE(client);

  server->closeStdin();
  EXPECT_EQ(server->waitForExit(kChatPatience), 0);
  EXPECT_TRUE(
      client->waitForLineContaining("connection closed by the server: reason 1000", kChatPatience));
  EXPECT_EQ(client->waitForExit(kChatPatience), 0);
}

// Lines typed before the connection is up are kept and sent once it is; the end of input
// then closes the connection only after they arrived.
TEST(ChatProgram, ClientSendsWhatItReadBeforeItsInputEnded) {
  uint16_t port = 0;
  std::unique_ptr<ChatProcess> server = startChatServer(&port);
  ASSERT_NE(port, 0);
  std::string listener_nick;
  std::unique_ptr<ChatProcess> listener =
      startGreetedClient(loopback4(port), "listener", &listener_nick);
  ASSERT_TRUE(listener);

  std::unique_ptr<ChatProcess> talker =
      startChat({"client", "localhost:" + std::to_string(port)}, "talker");
  ASSERT_TRUE(talker);
  ASSERT_TRUE(talker->writeLine("first line"));
  ASSERT_TRUE(talker->writeLine("second line"));
  talker->closeStdin();

  std::optional<size_t> first = listener->waitForLine(
      [](const std::string& line) { return line.ends_with(": first line"); }, kChatPatience);
  ASSERT_TRUE(first.has_value());
  std::optional<size_t> second = listener->waitForLine(
      [](const std::string& line) { return line.ends_with(": second line"); }, kChatPatience);
  ASSERT_TRUE(second.has_value());
  EXPECT_LT(*first, *second);
  EXPECT_EQ(talker->waitForExit(kChatPatience), 0);
  EXPECT_TRUE(
      server->waitForLineContaining("left: closed by peer, reason 1000 (Goodbye)", kChatPatience));
  EXPECT_TRUE(listener->waitForLineContaining(" has left.", kChatPatience));
}

TEST(ChatProgram, SigintClosesConnectionsCleanly) {
  uint16_t port = 0;
  std::unique_ptr<ChatProcess> server = startChatServer(&port);
  ASSERT_NE(port, 0);
  std::string nick;
  std::unique_ptr<ChatProcess> client = startGreetedClient(loopback4(port), "client", &nick);
  ASSERT_TRUE(client);

  // The server learns of the client's departure from its close, not from a timeout.
  client->sendSignal(SIGINT);
  EXPECT_EQ(client->waitForExit(kChatPatience), 0);
  EXPECT_TRUE(server->waitForLineContaining(nick + " (127.0.0.1:", kChatPatience));
  EXPECT_TRUE(
      server->waitForLineContaining("left: closed by peer, reason 1000 (Goodbye)", kChatPatience));

  server->sendSignal(SIGINT);
  EXPECT_EQ(server->waitForExit(kChatPatience), 0);
  EXPECT_TRUE(hasLineContaining(*server, "* interrupted"));
}

TEST(ChatProgram, UnknownCommandsAndBadNicksGetAnAnswer) {
  uint16_t port = 0;
  std::unique_ptr<ChatProcess> server = startChatServer(&port);
  ASSERT_NE(port, 0);
  std::string nick;
  std::unique_ptr<ChatProcess> client = startGreetedClient(loopback4(port), "client", &nick);
  ASSERT_TRUE(client);

  ASSERT_TRUE(client->writeLine("/dance"));
  EXPECT_TRUE(client->waitForLineContaining("Unknown command /dance.", kChatPatience));
  ASSERT_TRUE(client->writeLine("/nick"));
  EXPECT_TRUE(client->waitForLineContaining("the name is empty", kChatPatience));
  ASSERT_TRUE(client->writeLine("/nick a-name-that-is-far-too-long-for-anyone"));
  EXPECT_TRUE(client->waitForLineContaining("longer than 24 bytes", kChatPatience));
}

TEST(ChatProgram, CommandLineMistakesPrintUsage) {
  struct Case {
    std::vector<std::string> args;
    int status;
    const char* stderr_has;
  };
  const std::vector<Case> cases = {
      {{}, 2, "missing mode"},
      {{"dance"}, 2, "unknown mode"},
      {{"server", "--port", "70000"}, 2, "--port needs a number"},
      {{"client"}, 2, "HOST[:PORT]"},
      {{"client", "127.0.0.1:0"}, 2, "bad port"},
      {{"client", "[::1"}, 2, "missing ']'"},
  };
  for (const Case& c : cases) {
    std::unique_ptr<ChatProcess> chat = startChat(c.args, "chat");
    ASSERT_TRUE(chat);
    EXPECT_EQ(chat->waitForExit(kChatPatience), c.status) << ::testing::PrintToString(c.args);
    // The mistake and the usage go to stderr; nothing reaches stdout.
    EXPECT_TRUE(chat->lines().empty()) << ::testing::PrintToString(c.args);
    EXPECT_NE(chat->stderrText().find(c.stderr_has), std::string::npos) << chat->stderrText();
    EXPECT_NE(chat->stderrText().find("usage: opengns-chat"), std::string::npos);
  }
  std::unique_ptr<ChatProcess> help = startChat({"--help"}, "help");
  ASSERT_TRUE(help);
  EXPECT_EQ(help->waitForExit(kChatPatience), 0);
  EXPECT_TRUE(hasLineContaining(*help, "usage: opengns-chat server [--port PORT]"));
}

}  // namespace
}  // namespace opengns::testing
