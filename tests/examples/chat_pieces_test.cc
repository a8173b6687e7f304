// The small pieces of opengns-chat on their own: what a typed line means, how HOST[:PORT]
// and the command line are read, how stdin is cut into lines, and what is made safe to
// print. The program as a whole is tested in chat_program_test.cc.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "chat_address.h"
#include "chat_command.h"
#include "chat_options.h"
#include "chat_text.h"
#include "line_input.h"

namespace opengns::chat {
namespace {

using std::chrono::milliseconds;

TEST(ChatCommand, TellsTextFromCommands) {
  EXPECT_EQ(parseChatLine("").kind, CommandKind::kEmpty);
  EXPECT_EQ(parseChatLine("  \t ").kind, CommandKind::kEmpty);

  ChatCommand text = parseChatLine("  hello /nick world");
  EXPECT_EQ(text.kind, CommandKind::kText);
  EXPECT_EQ(text.argument, "  hello /nick world");  // kept exactly as typed

  ChatCommand nick = parseChatLine("/nick   bob  ");
  EXPECT_EQ(nick.kind, CommandKind::kNick);
  EXPECT_EQ(nick.argument, "bob");
  EXPECT_EQ(parseChatLine("/nick").kind, CommandKind::kNick);
  EXPECT_EQ(parseChatLine("/nick").argument, "");

  EXPECT_EQ(parseChatLine("/quit").kind, CommandKind::kQuit);
  EXPECT_EQ(parseChatLine("/quit now").kind, CommandKind::kQuit);

  ChatCommand unknown = parseChatLine("/nickname x");
  EXPECT_EQ(unknown.kind, CommandKind::kUnknown);
  EXPECT_EQ(unknown.argument, "/nickname");

  ChatCommand escaped = parseChatLine("//nick is a command");
  EXPECT_EQ(escaped.kind, CommandKind::kText);
  EXPECT_EQ(escaped.argument, "/nick is a command");
}

TEST(ChatAddress, SplitsHostAndPort) {
  std::string error;
  auto split = [&](std::string_view text) { return splitHostAndPort(text, 27020, &error); };

  std::optional<HostAndPort> v4 = split("127.0.0.1:4000");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 4000);

  std::optional<HostAndPort> name = split("localhost");
  ASSERT_TRUE(name);
  EXPECT_EQ(name->host, "localhost");
  EXPECT_EQ(name->port, 27020);

  std::optional<HostAndPort> v6 = split("[::1]:5");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 5);
  std::optional<HostAndPort> v6_default = split("[fe80::1]");
  ASSERT_TRUE(v6_default);
  EXPECT_EQ(v6_default->host, "fe80::1");
  EXPECT_EQ(v6_default->port, 27020);
  std::optional<HostAndPort> bare_v6 = split("::1");  // several colons: no port
  ASSERT_TRUE(bare_v6);
  EXPECT_EQ(bare_v6->host, "::1");
  EXPECT_EQ(bare_v6->port, 27020);

  for (std::string_view bad : {"", ":80", "[]:80", "[::1", "[::1]80", "host:", "host:0",
                               "host:65536", "host:12x", "host:-1"}) {
    error.clear();
    EXPECT_FALSE(split(bad)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

TEST(ChatAddress, ResolvesLiteralsAndLocalhost) {
  std::string error;
  std::optional<NetworkingIPAddr> v4 = resolveHost({"127.0.0.1", 9}, &error);
  ASSERT_TRUE(v4) << error;
  EXPECT_EQ(v4->toString(true), "127.0.0.1:9");
  std::optional<NetworkingIPAddr> v6 = resolveHost({"::1", 9}, &error);
  ASSERT_TRUE(v6) << error;
  EXPECT_EQ(v6->toString(true), "[::1]:9");
  // "localhost" goes through getaddrinfo (the library parses no names): 127.0.0.1 or ::1.
  std::optional<NetworkingIPAddr> local = resolveHost({"localhost", 9}, &error);
  ASSERT_TRUE(local) << error;
  EXPECT_TRUE(local->isLocalHost()) << local->toString(true);
  EXPECT_EQ(local->port(), 9);
}

TEST(ChatOptions, ReadsServerAndClientCommandLines) {
  std::string error;
  auto parse = [&](std::vector<std::string_view> args) { return parseChatOptions(args, &error); };

  std::optional<ChatOptions> server = parse({"server"});
  ASSERT_TRUE(server) << error;
  EXPECT_EQ(server->mode, ChatMode::kServer);
  EXPECT_EQ(server->port, kDefaultChatPort);
  std::optional<ChatOptions> server_port = parse({"server", "--port", "0"});
  ASSERT_TRUE(server_port) << error;
  EXPECT_EQ(server_port->port, 0);

  std::optional<ChatOptions> client = parse({"client", "[::1]:1234"});
  ASSERT_TRUE(client) << error;
  EXPECT_EQ(client->mode, ChatMode::kClient);
  EXPECT_EQ(client->server.host, "::1");
  EXPECT_EQ(client->server.port, 1234);

  EXPECT_EQ(parse({"--help"})->mode, ChatMode::kHelp);
  for (const std::vector<std::string_view>& bad :
       std::vector<std::vector<std::string_view>>{{},
                                                  {"both"},
                                                  {"server", "--port"},
                                                  {"server", "--port", "x"},
                                                  {"server", "extra"},
                                                  {"client"},
                                                  {"client", "a", "b"}}) {
    EXPECT_FALSE(parse(bad)) << ::testing::PrintToString(bad);
  }
}

TEST(ChatText, MakesControlCharactersHarmless) {
  EXPECT_EQ(printable("plain text"), "plain text");
  EXPECT_EQ(printable("tab\tkept"), "tab\tkept");
  EXPECT_EQ(printable("\x1b[2Jcleared\r\x7f"), "?[2Jcleared??");
  EXPECT_EQ(printable("h\xc3\xa9llo \xe2\x9c\x93"), "h\xc3\xa9llo \xe2\x9c\x93");  // UTF-8 stays
}

TEST(ChatText, DescribesEndReasons) {
  ConnectionInfo info;
  info.end_reason = ConnectionEnd{1000};
  info.end_debug = "Goodbye";
  EXPECT_EQ(describeEnd(info), "reason 1000 (Goodbye)");
  info.end_reason = ConnectionEnd::kMiscTimeout;
  info.end_debug.clear();
  EXPECT_EQ(describeEnd(info), "reason 5003");
}

// A pipe standing in for stdin.
class LineInputTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(::pipe2(fds_.data(), O_CLOEXEC), 0); }
  void TearDown() override {
    for (int fd : fds_)
      if (fd >= 0) ::close(fd);
  }
  void write(std::string_view text) {
    ASSERT_EQ(::write(fds_[1], text.data(), text.size()), static_cast<ssize_t>(text.size()));
  }
  void closeWriter() {
    ::close(fds_[1]);
    fds_[1] = -1;
  }
  // Reads until `count` lines came or the input ended (bounded).
  std::vector<std::string> readLines(LineInput& input, size_t count) {
    std::vector<std::string> lines;
    for (int round = 0; round < 1000 && lines.size() < count && !input.ended(); ++round) {
      for (std::string& line : input.readLines(milliseconds(10)))
        lines.push_back(std::move(line));
    }
    return lines;
  }
  std::array<int, 2> fds_{-1, -1};
};

TEST_F(LineInputTest, CutsInputIntoLines) {
  LineInput input(fds_[0]);
  EXPECT_TRUE(input.readLines(milliseconds(1)).empty());  // nothing typed yet: no wait beyond 1 ms
  write("one\ntw");
  EXPECT_EQ(readLines(input, 1), std::vector<std::string>{"one"});
  write("o\r\nthree\n");  // a line split across reads; a Windows line end
  EXPECT_EQ(readLines(input, 2), (std::vector<std::string>{"two", "three"}));
  EXPECT_FALSE(input.ended());
}

TEST_F(LineInputTest, LastLineWithoutNewlineCountsAtEnd) {
  LineInput input(fds_[0]);
  write("first\nlast");
  closeWriter();
  EXPECT_EQ(readLines(input, 3), (std::vector<std::string>{"first", "last"}));
  EXPECT_TRUE(input.ended());
  EXPECT_TRUE(input.readLines(milliseconds(1)).empty());
}

}  // namespace
}  // namespace opengns::chat
