// gnspeer's echo server against gnspeer's client, through the harness: proves the harness
// (spawning, reading events while the child runs, stdin commands, exit status, cleanup)
// independently of opengns, for both ciphers and both address families.
//
// Run alone: `ctest --preset release -L interop -R Selfcheck`.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <tuple>

#include "interop_matrix.h"
#include "interop_payload.h"
#include "support/gnspeer.h"

namespace opengns::interop {
namespace {

using testing::GnspeerEvent;
using testing::GnspeerProcess;

class GnspeerSelfcheck : public ::testing::TestWithParam<std::tuple<Cipher, Family>> {};

TEST_P(GnspeerSelfcheck, EchoServerEchoesClientMessagesAndSeesCleanClose) {
  OPENGNS_REQUIRE_GNSPEER();
  auto [cipher, family] = GetParam();

  std::string error;
  std::unique_ptr<GnspeerProcess> server =
      GnspeerProcess::start(gnspeerEchoServerArgs(cipher, family, /*count=*/1), "server", &error);
  ASSERT_NE(server, nullptr) << error;
  std::optional<GnspeerEvent> listening = server->waitForKind("LISTENING", kStepTimeout);
  ASSERT_TRUE(listening.has_value()) << "gnspeer server printed no LISTENING line";
  std::optional<int64_t> port = listening->getInt("port");
  ASSERT_TRUE(port.has_value() && *port > 0 && *port < 65536) << listening->line;

  std::unique_ptr<GnspeerProcess> client = GnspeerProcess::start(
      gnspeerClientArgs(cipher, loopbackHostPort(family, static_cast<uint16_t>(*port))), "client",
      &error);
  ASSERT_NE(client, nullptr) << error;

  // Small messages on lanes 0 and 2, one unreliable, one binary of several packets; then,
  // once those are echoed, a 100 KB one (a burst of ~90 packets: gnspeer has no pacing).
  struct Send {
    std::vector<uint8_t> data;
    int lane;
    bool reliable;
  };
  std::vector<Send> first = {{textBytes("hello gnspeer"), 0, true},
                             {textBytes("an unreliable one"), 0, false},
                             {textBytes("on lane two"), 2, true},
                             {patternBytes(3000, 7), 0, true}};
  Send big{patternBytes(100000, 11), 0, true};
  for (const Send& send : first) {
    ASSERT_TRUE(client->writeLine(gnspeerSendCommand(send.data, send.lane, send.reliable)));
  }
  ASSERT_TRUE(client->writeLine("/wait " + std::to_string(first.size())));
  ASSERT_TRUE(client->writeLine(gnspeerSendCommand(big.data, big.lane, big.reliable)));
  ASSERT_TRUE(client->writeLine("/wait " + std::to_string(first.size() + 1)));
  ASSERT_TRUE(client->writeLine("/close 1000 selfcheck done"));
  client->closeStdin();

  std::optional<int> client_status = client->waitForExit(kStepTimeout);
  ASSERT_TRUE(client_status.has_value()) << "gnspeer client did not exit";
  EXPECT_EQ(*client_status, 0);
  std::optional<int> server_status = server->waitForExit(kStepTimeout);
  ASSERT_TRUE(server_status.has_value()) << "gnspeer server did not exit after --count 1";
  EXPECT_EQ(*server_status, 0);

  // Both ends negotiated the cipher asked for.
  for (GnspeerProcess* peer : {client.get(), server.get()}) {
    std::vector<GnspeerEvent> connected = peer->eventsMatching(isKind("CONNECTED"));
    ASSERT_EQ(connected.size(), 1u);
    EXPECT_EQ(connected[0].get("cipher"), gnspeerCipherName(cipher)) << connected[0].line;
  }

  // What the client sent is what we asked for, and each message came back intact.
  std::vector<std::string> expected;
  for (const Send& send : first)
    expected.push_back(digestKey(send.lane, send.data));
  expected.push_back(digestKey(big.lane, big.data));
  std::sort(expected.begin(), expected.end());
  std::vector<GnspeerEvent> sent = client->eventsMatching(isKind("SENT"));
  EXPECT_EQ(sortedDigestKeys(sent), expected);
  std::vector<GnspeerEvent> echoed = client->eventsMatching(isKind("RECV"));
  EXPECT_EQ(sortedDigestKeys(echoed), expected);
  for (const GnspeerEvent& event : echoed)
    EXPECT_EQ(event.get("reliable"), "1") << event.line;
  std::vector<GnspeerEvent> server_received = server->eventsMatching(isKind("RECV"));
  EXPECT_EQ(sortedDigestKeys(server_received), expected);
  int unreliable = 0;
  for (const GnspeerEvent& event : server_received)
    unreliable += event.get("reliable") == "0";
  EXPECT_EQ(unreliable, 1);
  // Printable messages are shown as text, binary ones as hex.
  std::vector<GnspeerEvent> hello = client->eventsMatching(
      [](const GnspeerEvent& e) { return e.is("RECV") && e.get("text") == "hello gnspeer"; });
  EXPECT_EQ(hello.size(), 1u);

  // Clean close, seen from both ends with the reason and text the client gave.
  std::vector<GnspeerEvent> client_closed = client->eventsMatching(isKind("CLOSED"));
  ASSERT_EQ(client_closed.size(), 1u);
  EXPECT_EQ(client_closed[0].get("by"), "local");
  EXPECT_EQ(client_closed[0].get("reason"), "1000");
  EXPECT_EQ(client_closed[0].get("debug"), "selfcheck done");
  std::vector<GnspeerEvent> server_closed = server->eventsMatching(isKind("CLOSED"));
  ASSERT_EQ(server_closed.size(), 1u);
  EXPECT_EQ(server_closed[0].get("by"), "peer");
  EXPECT_EQ(server_closed[0].get("reason"), "1000");
  EXPECT_EQ(server_closed[0].get("debug"), "selfcheck done");
  EXPECT_TRUE(client->eventsMatching(isKind("ERROR")).empty());
  EXPECT_TRUE(server->eventsMatching(isKind("ERROR")).empty());
}

INSTANTIATE_TEST_SUITE_P(Matrix, GnspeerSelfcheck,
                         ::testing::Combine(::testing::Values(Cipher::kAes256Gcm, Cipher::kNull),
                                            ::testing::Values(Family::kIPv4, Family::kIPv6)),
                         [](const ::testing::TestParamInfo<std::tuple<Cipher, Family>>& info) {
                           return paramName(std::get<0>(info.param), std::get<1>(info.param));
                         });

// The harness itself: the line parser keeps the free-text field whole.
TEST(GnspeerHarness, ParsesEventLines) {
  std::optional<GnspeerEvent> recv = testing::parseGnspeerLine(
      "RECV conn=1b58830c lane=3 reliable=0 msgnum=1 len=11 sha256=ab text=hello world");
  ASSERT_TRUE(recv.has_value());
  EXPECT_EQ(recv->kind, "RECV");
  EXPECT_EQ(recv->get("lane"), "3");
  EXPECT_EQ(recv->getInt("len"), 11);
  EXPECT_EQ(recv->text_key, "text");
  EXPECT_EQ(recv->get("text"), "hello world");
  std::optional<GnspeerEvent> closed =
      testing::parseGnspeerLine("CLOSED conn=- by=peer reason=4002 debug=Failed to negotiate x=1");
  ASSERT_TRUE(closed.has_value());
  EXPECT_EQ(closed->get("conn"), "-");
  EXPECT_EQ(closed->getInt("reason"), 4002);
  EXPECT_EQ(closed->get("debug"), "Failed to negotiate x=1");
  EXPECT_FALSE(closed->getInt("conn").has_value());
  std::optional<GnspeerEvent> empty_text = testing::parseGnspeerLine("RECV len=0 text=");
  ASSERT_TRUE(empty_text.has_value());
  EXPECT_EQ(empty_text->text_key, "text");
  EXPECT_EQ(empty_text->text, "");
  EXPECT_FALSE(testing::parseGnspeerLine("").has_value());
  EXPECT_FALSE(testing::parseGnspeerLine("Traceback (most recent call last):").has_value());
}

// A child that is still running when the test ends is terminated and reaped, and a dead
// child ends a wait at once instead of running into the timeout.
TEST(GnspeerHarness, EndsChildrenAndReportsExitStatus) {
  OPENGNS_REQUIRE_GNSPEER();
  std::string error;
  pid_t pid = -1;
  {
    std::unique_ptr<GnspeerProcess> server = GnspeerProcess::start(
        gnspeerEchoServerArgs(Cipher::kAes256Gcm, Family::kIPv4, 0), "server", &error);
    ASSERT_NE(server, nullptr) << error;
    ASSERT_TRUE(server->waitForKind("LISTENING", kStepTimeout).has_value());
    pid = server->pid();
  }
  // Reaped: the pid is no longer a child of ours.
  errno = 0;
  EXPECT_EQ(::waitpid(pid, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);

  std::unique_ptr<GnspeerProcess> usage =
      GnspeerProcess::start({"client", "not-a-target"}, "client", &error);
  ASSERT_NE(usage, nullptr) << error;
  auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(usage->waitForKind("CONNECTED", kStepTimeout).has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - started, kStepTimeout / 2);
  std::optional<int> status = usage->waitForExit(kStepTimeout);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, 2);  // gnspeer's usage error
  EXPECT_FALSE(usage->writeLine("too late", std::chrono::milliseconds(1000)));

  std::unique_ptr<GnspeerProcess> server = GnspeerProcess::start(
      gnspeerEchoServerArgs(Cipher::kAes256Gcm, Family::kIPv4, 0), "server", &error);
  ASSERT_NE(server, nullptr) << error;
  ASSERT_TRUE(server->waitForKind("LISTENING", kStepTimeout).has_value());
  server->terminate();
  std::optional<int> terminated = server->waitForExit(kStepTimeout);
  ASSERT_TRUE(terminated.has_value());
  EXPECT_EQ(*terminated, 0);  // gnspeer's server exits 0 on SIGTERM
}

}  // namespace
}  // namespace opengns::interop
