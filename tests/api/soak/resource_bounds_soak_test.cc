// Label `soak` (not run by CI): measures the figures of docs/resource-bounds.md and prints
// them. Client and server instances live in this process, so every figure is for a
// connection PAIR (both ends; each client end also owns a UDP socket, whose kernel buffers
// are not in the process heap). Memory is the allocator's live heap (glibc mallinfo2, or
// the sanitizer's count under ASan) and the RSS, before and after:
//   1. idle: OPENGNS_BOUNDS_CONNECTIONS (default 1000) connections, connected and quiet;
//   2. full send buffers: 50 more connections whose sender is held to 1 KiB/s and queues
//      until sendMessageToConnection says LimitExceeded (SendBufferSize, 512 KiB);
//   3. full send and receive buffers: 50 more at full speed whose receiver never reads, so
//      its receive queue reaches RecvBufferSize (1 MiB) and then the sender's queue fills.
// Assertions only guard the method (every connection came up, every buffer filled, all
// stayed connected); the figures are for the document.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "loopback_peers.h"
#include "soak_traffic.h"

namespace opengns {
namespace {

using testing::liveHeapBytes;
using testing::Peer;
using testing::stateOf;
using testing::waitUntil;

constexpr int kBufferConnections = 50;
constexpr int kChunk = 16384;
constexpr int kBatch = 200;

int idleConnections() {
  const char* text = std::getenv("OPENGNS_BOUNDS_CONNECTIONS");
  return text == nullptr ? 1000 : std::max(10, std::atoi(text));
}

struct Memory {
  size_t heap;
  size_t rss;
};

// Lets the service threads settle (handshake leftovers, first acks) and measures.
Memory settleAndMeasure(Peer& a, Peer& b) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (std::chrono::steady_clock::now() < until) {
    a->runNetworkingCallbacks();
    b->runNetworkingCallbacks();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return {liveHeapBytes(), testing::residentBytes()};
}

void printDelta(const char* what, const Memory& before, const Memory& after, int count) {
  const double heap = (static_cast<double>(after.heap) - before.heap) / count;
  const double rss = (static_cast<double>(after.rss) - before.rss) / count;
  std::printf("[bounds] %-40s %5d pairs: heap %9.1f KiB/pair, RSS %9.1f KiB/pair\n", what, count,
              heap / 1024, rss / 1024);
  std::fflush(stdout);
}

// Opens `count` connections from `client` with `options`; waits until all are Connected.
std::vector<ConnectionHandle> openConnections(Peer& client, Peer& server, uint16_t port, int count,
                                              std::span<const ConfigOption> options) {
  const size_t before = server.incoming().size();
  std::vector<ConnectionHandle> handles;
  for (int i = 0; i < count; ++i) {
    ConnectionHandle c = client->connectByIPAddress("127.0.0.1:" + std::to_string(port), options);
    EXPECT_NE(c, kInvalidConnection) << i;
    handles.push_back(c);
  }
  EXPECT_TRUE(waitUntil(
      {&client, &server},
      [&] {
        if (server.incoming().size() < before + handles.size()) return false;
        for (ConnectionHandle c : handles)
          if (stateOf(client, c) != ConnectionState::kConnected) return false;
        return true;
      },
      std::chrono::seconds(180)))
      << server.incoming().size() - before << " of " << count << " arrived; " << [&] {
           std::string stuck;
           for (ConnectionHandle c : handles) {
             std::optional<ConnectionInfo> info = client->getConnectionInfo(c);
             if (info && info->connection_state == ConnectionState::kConnected) continue;
             stuck += " " +
                      (info ? std::to_string(static_cast<int>(info->connection_state)) + "/" +
                                  std::to_string(static_cast<int>(info->end_reason)) + " " +
                                  info->end_debug
                            : std::string("gone")) +
                      ";";
           }
           return "client ends not connected:" + stuck;
         }();
  return handles;
}

// Queues reliable messages on every connection until each refuses with LimitExceeded and
// reports the most reliable bytes one sender held.
void fillSendBuffers(Peer& client, Peer& server, const std::vector<ConnectionHandle>& handles) {
  const std::vector<std::byte> chunk(kChunk, std::byte{0x5a});
  std::vector<bool> full(handles.size(), false);
  size_t full_count = 0;
  int max_held = 0;
  ASSERT_TRUE(waitUntil(
      {&client, &server},
      [&] {
        for (size_t i = 0; i < handles.size(); ++i) {
          if (full[i]) continue;
          SendMessageResult r = client->sendMessageToConnection(handles[i], chunk, kSendReliable);
          if (r.result == Result::kLimitExceeded) {
            full[i] = true;
            ++full_count;
          } else {
            EXPECT_EQ(r.result, Result::kOK);
          }
          const RealTimeStatus status =
              *client->getConnectionRealTimeStatus(handles[i], 0).connection_status;
          max_held =
              std::max(max_held, status.pending_reliable + status.send_unacknowledged_reliable);
        }
        return full_count == handles.size();
      },
      std::chrono::seconds(120)));
  std::printf("[bounds] most reliable bytes held by one sender (queued + in flight): %d\n",
              max_held);
}

TEST(ResourceBounds, Measure) {
  const int idle_count = idleConnections();
  Peer server(true);
  Peer client;
  const auto [listen, port] = testing::listenOn(server, "127.0.0.1:0");
  // Warm the service threads and allocator with one connection.
  openConnections(client, server, port, 1, {});
  const Memory base = settleAndMeasure(client, server);

  // In batches: a few thousand handshakes at once on a loaded 2-core machine outrun the
  // test thread's callback loop (the server would not accept them in time).
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<ConnectionHandle> idle;
  for (int opened = 0; opened < idle_count && !HasFailure(); opened += kBatch) {
    std::vector<ConnectionHandle> batch =
        openConnections(client, server, port, std::min(kBatch, idle_count - opened), {});
    idle.insert(idle.end(), batch.begin(), batch.end());
  }
  const double connect_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_FALSE(HasFailure());
  const Memory after_idle = settleAndMeasure(client, server);
  std::printf("[bounds] %d idle connections up in %.1f s\n", idle_count, connect_seconds);
  printDelta("idle", base, after_idle, idle_count);

  // 2. Full send buffers: a 1 KiB/s sender keeps almost everything queued.
  const std::vector<ConfigOption> slow = {{ConfigValue::kSendRateMin, int32_t{1024}},
                                          {ConfigValue::kSendRateMax, int32_t{1024}}};
  std::vector<ConnectionHandle> slow_handles =
      openConnections(client, server, port, kBufferConnections, slow);
  ASSERT_FALSE(HasFailure());
  const Memory before_send = settleAndMeasure(client, server);
  fillSendBuffers(client, server, slow_handles);
  const Memory after_send = settleAndMeasure(client, server);
  printDelta("send buffer full (512 KiB queued)", before_send, after_send, kBufferConnections);

  // 3. Full send and receive buffers: fast sender, the server never reads these.
  const std::vector<ConfigOption> fast = {{ConfigValue::kSendRateMin, int32_t{8 << 20}},
                                          {ConfigValue::kSendRateMax, int32_t{8 << 20}}};
  std::vector<ConnectionHandle> fast_handles =
      openConnections(client, server, port, kBufferConnections, fast);
  ASSERT_FALSE(HasFailure());
  const Memory before_both = settleAndMeasure(client, server);
  fillSendBuffers(client, server, fast_handles);
  // Keep the sender topped up until the receiver's queue stops growing.
  const std::vector<std::byte> chunk(kChunk, std::byte{0x33});
  size_t last_heap = 0;
  for (int round = 0; round < 30; ++round) {
    for (ConnectionHandle c : fast_handles)
      while (client->sendMessageToConnection(c, chunk, kSendReliable).result == Result::kOK) {
      }
    const Memory now = settleAndMeasure(client, server);
    if (round > 2 && now.heap <= last_heap + (1u << 20)) break;
    last_heap = now.heap;
  }
  const Memory after_both = settleAndMeasure(client, server);
  printDelta("send + receive buffers full", before_both, after_both, kBufferConnections);
  std::printf("[bounds] totals: heap %.1f MiB, RSS %.1f MiB with %d connection pairs\n",
              after_both.heap / 1048576.0, after_both.rss / 1048576.0,
              idle_count + 1 + 2 * kBufferConnections);
  std::fflush(stdout);

  // Everything is still connected (nothing timed out under the load).
  for (const auto* set : {&idle, &slow_handles, &fast_handles}) {
    for (ConnectionHandle c : *set) {
      std::optional<ConnectionInfo> info = client->getConnectionInfo(c);
      ASSERT_TRUE(info.has_value());
      EXPECT_EQ(info->connection_state, ConnectionState::kConnected)
          << "set "
          << (set == &idle           ? "idle"
              : set == &slow_handles ? "slow"
                                     : "fast")
          << ": " << static_cast<int>(info->end_reason) << " " << info->end_debug;
    }
  }
}

}  // namespace
}  // namespace opengns
