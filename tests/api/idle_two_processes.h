// The acceptance check: two processes on loopback stay connected through a long
// idle period with no application traffic, the keepalives of lifecycle.md §5.3 being the
// only packets. The test process spawns itself again (/proc/self/exe) running only the
// child test, which listens on 127.0.0.1, reports its port through a pipe, accepts, and
// stays until the parent closes the connection; both sides check that the connection
// stayed Connected and that packets (the keepalive and its ack) arrived during the idle
// time. The idle length is the caller's: 15 s in the `heavy` suite, 60 s under `soak`.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "instance_test_peer.h"
#include "loopback_peers.h"

extern char** environ;

namespace opengns::testing {

inline constexpr const char* kIdleChildFdVariable = "OPENGNS_IDLE_CHILD_FD";
inline constexpr const char* kIdleSecondsVariable = "OPENGNS_IDLE_SECONDS";
inline constexpr const char* kIdleCloseDebug = "idle test done";

inline uint64_t packetsReceived(Peer& peer, ConnectionHandle connection) {
  std::optional<snp::SnpSessionCounters> counters =
      api::InstanceTestPeer::counters(peer.sockets(), connection);
  return counters ? counters->packets_received : 0;
}

// The child's side; skipped unless spawned by runIdleTwoProcesses().
inline void serveIdleChild() {
  const char* fd_text = std::getenv(kIdleChildFdVariable);
  const char* seconds_text = std::getenv(kIdleSecondsVariable);
  if (fd_text == nullptr || seconds_text == nullptr) {
    GTEST_SKIP() << "runs only as the child process of an IdleTwoProcesses test";
  }
  const int report_fd = std::atoi(fd_text);
  const int idle_seconds = std::atoi(seconds_text);
  Peer server(true);
  const auto listen_port = listenOn(server, "127.0.0.1:0");
  [[maybe_unused]] const auto listen = listen_port.first;
  [[maybe_unused]] const auto port = listen_port.second;
  ASSERT_EQ(::write(report_fd, &port, sizeof(port)), static_cast<ssize_t>(sizeof(port)));
  ::close(report_fd);
  ASSERT_TRUE(waitUntil(
      {&server},
      [&] {
        return !server.incoming().empty() &&
               stateOf(server, server.incoming()[0]) == ConnectionState::kConnected;
      },
      std::chrono::seconds(30)));
  const ConnectionHandle s = server.incoming()[0];
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // handshake acks settle
  const uint64_t before = packetsReceived(server, s);
  uint64_t latest = before;
  bool left_connected = false;
  ASSERT_TRUE(waitUntil(
      {&server},
      [&] {
        const ConnectionState state = stateOf(server, s);
        if (state == ConnectionState::kConnected) {
          latest = packetsReceived(server, s);
          return false;
        }
        left_connected = state != ConnectionState::kClosedByPeer;
        return true;
      },
      std::chrono::seconds(idle_seconds + 60)));
  EXPECT_FALSE(left_connected) << "the connection failed during the idle time";
  std::optional<ConnectionInfo> info = server->getConnectionInfo(s);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->end_reason, ConnectionEnd::kAppGeneric);
  EXPECT_EQ(info->end_debug, kIdleCloseDebug);
  EXPECT_GT(latest, before) << "no keepalive traffic reached the server while idle";
  EXPECT_TRUE(server->closeConnection(s, 0, "", false));
}

inline void runIdleTwoProcesses(int idle_seconds, const std::string& child_test) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  // The write end goes to the child: no close-on-exec for it.
  ASSERT_EQ(::fcntl(fds[1], F_SETFD, 0), 0);
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e)
    env_strings.emplace_back(*e);
  env_strings.push_back(std::string(kIdleChildFdVariable) + "=" + std::to_string(fds[1]));
  env_strings.push_back(std::string(kIdleSecondsVariable) + "=" + std::to_string(idle_seconds));
  std::vector<char*> envp;
  for (std::string& s : env_strings)
    envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string exe = "/proc/self/exe";
  std::string filter = "--gtest_filter=" + child_test;
  std::vector<char*> argv = {exe.data(), filter.data(), nullptr};
  pid_t child = 0;
  ASSERT_EQ(::posix_spawn(&child, exe.c_str(), nullptr, nullptr, argv.data(), envp.data()), 0);
  ::close(fds[1]);

  uint16_t port = 0;
  pollfd entry{fds[0], POLLIN, 0};
  ASSERT_EQ(::poll(&entry, 1, 30000), 1) << "the child never reported its port";
  ASSERT_EQ(::read(fds[0], &port, sizeof(port)), static_cast<ssize_t>(sizeof(port)));
  ::close(fds[0]);

  Peer client;
  ConnectionHandle c = client->connectByIPAddress("127.0.0.1:" + std::to_string(port));
  ASSERT_NE(c, kInvalidConnection);
  ASSERT_TRUE(waitUntil(
      {&client}, [&] { return stateOf(client, c) == ConnectionState::kConnected; },
      std::chrono::seconds(30)));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const uint64_t before = packetsReceived(client, c);
  const auto idle_end = std::chrono::steady_clock::now() + std::chrono::seconds(idle_seconds);
  bool dropped = false;
  waitUntil(
      {&client},
      [&] {
        if (stateOf(client, c) != ConnectionState::kConnected) dropped = true;
        return dropped || std::chrono::steady_clock::now() >= idle_end;
      },
      std::chrono::seconds(idle_seconds + 10));
  EXPECT_FALSE(dropped) << "the connection failed during the idle time";
  EXPECT_GT(packetsReceived(client, c), before) << "no keepalive traffic reached the client";
  RealTimeStatusResult status = client->getConnectionRealTimeStatus(c, 0, true);
  EXPECT_EQ(status.result, Result::kOK);
  EXPECT_TRUE(client->closeConnection(c, 0, kIdleCloseDebug, false));

  int wait_status = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  pid_t done = 0;
  while ((done = ::waitpid(child, &wait_status, WNOHANG)) == 0 &&
         std::chrono::steady_clock::now() < deadline) {
    client->runNetworkingCallbacks();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (done == 0) {
    ::kill(child, SIGKILL);
    ::waitpid(child, &wait_status, 0);
    FAIL() << "the child did not finish";
  }
  ASSERT_TRUE(WIFEXITED(wait_status));
  EXPECT_EQ(WEXITSTATUS(wait_status), 0) << "the child's checks failed (see its output)";
}

}  // namespace opengns::testing
