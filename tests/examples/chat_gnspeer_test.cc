// opengns-chat against the conformance peer (../shared/conformance/gnspeer.py), an
// independent implementation of the wire protocol: our client talks to gnspeer's echo
// server, and gnspeer's client talks to our server. Label `interop`; skipped when
// gnspeer cannot run here (no ../shared, no python3-cryptography).
#include <gtest/gtest.h>

#include <string>

#include "chat_session.h"
#include "support/gnspeer.h"

namespace opengns::testing {
namespace {

// gnspeer's own bound on its run, longer than any wait here so the test decides.
constexpr const char* kGnspeerTimeoutSeconds = "180";

TEST(ChatWithGnspeer, OurClientGetsItsLineEchoed) {
  OPENGNS_REQUIRE_GNSPEER();
  std::string error;
  std::unique_ptr<GnspeerProcess> peer =
      GnspeerProcess::start({"server", "--port", "0", "--bind", "127.0.0.1", "--echo", "--greet",
                             "greetings from gnspeer", "--timeout", kGnspeerTimeoutSeconds},
                            "gnspeer server", &error);
  ASSERT_TRUE(peer) << error;
  std::optional<GnspeerEvent> listening = peer->waitForKind("LISTENING", kChatPatience);
  ASSERT_TRUE(listening) << "gnspeer printed no LISTENING line";
  const std::optional<int64_t> port = listening->getInt("port");
  ASSERT_TRUE(port && *port > 0 && *port <= 65535) << listening->line;

  std::unique_ptr<ChatProcess> client =
      startChat({"client", "127.0.0.1:" + std::to_string(*port)}, "client");
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->waitForLineContaining("* connected to", kChatPatience));
  // gnspeer's greeting arrives as a plain line: the chat adds no framing of its own.
  EXPECT_TRUE(client->waitForLine(
      [](const std::string& line) { return line == "greetings from gnspeer"; }, kChatPatience));

  ASSERT_TRUE(client->writeLine("ping through gnspeer"));
  EXPECT_TRUE(client->waitForLine(
      [](const std::string& line) { return line == "ping through gnspeer"; }, kChatPatience));
  // gnspeer received exactly the typed bytes, reliably.
  std::optional<GnspeerEvent> received = peer->waitFor(
      [](const GnspeerEvent& e) { return e.is("RECV") && e.text == "ping through gnspeer"; },
      kChatPatience);
  ASSERT_TRUE(received);
  EXPECT_EQ(received->get("reliable"), "1");
  EXPECT_EQ(received->get("len"), "20");

  ASSERT_TRUE(client->writeLine("/quit"));
  EXPECT_EQ(client->waitForExit(kChatPatience), 0);
  std::optional<GnspeerEvent> closed = peer->waitForKind("CLOSED", kChatPatience);
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->get("by"), "peer");
  EXPECT_EQ(closed->get("reason"), "1000");
  EXPECT_EQ(closed->text, "Goodbye");
}

TEST(ChatWithGnspeer, GnspeerClientChatsOnOurServer) {
  OPENGNS_REQUIRE_GNSPEER();
  uint16_t port = 0;
  std::unique_ptr<ChatProcess> server = startChatServer(&port);
  ASSERT_NE(port, 0);

  std::string error;
  // --stay: gnspeer keeps the connection after its input ends, until we close it.
  std::unique_ptr<GnspeerProcess> peer =
      GnspeerProcess::start({"client", "127.0.0.1:" + std::to_string(port), "--stay", "--timeout",
                             kGnspeerTimeoutSeconds},
                            "gnspeer client", &error);
  ASSERT_TRUE(peer) << error;
  ASSERT_TRUE(peer->waitForKind("CONNECTED", kChatPatience));
  auto received = [&](const std::string& text) {
    return peer->waitFor(
        [&](const GnspeerEvent& e) {
          return e.is("RECV") && e.text.find(text) != std::string::npos;
        },
        kChatPatience);
  };
  EXPECT_TRUE(received("Welcome! You are known here as 'Guest1'."));
  EXPECT_TRUE(received("Nobody else is here yet."));

  ASSERT_TRUE(peer->writeLine("hello from gnspeer"));
  EXPECT_TRUE(server->waitForLineContaining("Guest1: hello from gnspeer", kChatPatience));
  ASSERT_TRUE(peer->writeLine("/nick gns"));
  EXPECT_TRUE(received("You are now known as 'gns'."));

  ASSERT_TRUE(server->writeLine("/quit"));
  EXPECT_TRUE(received("The server is shutting down. Goodbye!"));
  std::optional<GnspeerEvent> closed = peer->waitForKind("CLOSED", kChatPatience);
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->get("by"), "peer");
  EXPECT_EQ(closed->get("reason"), "1000");
  EXPECT_EQ(closed->text, "Server shutting down");
  EXPECT_EQ(server->waitForExit(kChatPatience), 0);
  EXPECT_EQ(peer->waitForExit(kChatPatience), 0);
}

}  // namespace
}  // namespace opengns::testing
