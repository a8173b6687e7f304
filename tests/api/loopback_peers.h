// Test helpers for the live API over real loopback UDP: an instance with a recorded
// status-changed log (and, on request, an application that accepts every incoming
// connection from its callback, as the chat example does), and waitUntil(), which runs the
// callbacks of the given instances until a condition holds or a generous deadline passes
// (a broken build fails instead of hanging). No timing is asserted by these helpers.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "opengns/networking_sockets.h"

namespace opengns::testing {

inline constexpr std::chrono::milliseconds kPatience{10000};

struct RecordedEvent {
  ConnectionHandle handle = kInvalidConnection;
  ConnectionState old_state = ConnectionState::kNone;
  ConnectionState new_state = ConnectionState::kNone;
  ConnectionInfo info;
};

// One NetworkingSockets with its status-changed log. Callbacks run on the test thread
// (inside runNetworkingCallbacks), so the log needs no lock.
class Peer {
 public:
  explicit Peer(bool auto_accept = false) : auto_accept_(auto_accept) {
    NetworkingSocketsOptions options;
    options.log_sink = [this](DebugOutputType, std::string_view text) {
      std::lock_guard<std::mutex> lock(log_mutex_);
      log_lines_.emplace_back(text);
    };
    options.log_level = DebugOutputType::kWarning;
    absl::StatusOr<std::unique_ptr<NetworkingSockets>> created = NetworkingSockets::create(options);
    EXPECT_TRUE(created.ok()) << created.status();
    sockets_ = std::move(*created);
    sockets_->setConnectionStatusChangedCallback(
        [this](const ConnectionStatusChangedCallback& record) { onStatus(record); });
  }

  NetworkingSockets* operator->() { return sockets_.get(); }
  NetworkingSockets& sockets() { return *sockets_; }
  // Destroys the instance (its destructor closes the connections).
  void destroy() { sockets_.reset(); }

  const std::vector<RecordedEvent>& events() const { return events_; }
  std::vector<RecordedEvent> eventsFor(ConnectionHandle handle) const {
    std::vector<RecordedEvent> out;
    for (const RecordedEvent& e : events_)
      if (e.handle == handle) out.push_back(e);
    return out;
  }
  // The (old, new) pairs of one connection, e.g. {{0,1},{1,3}}.
  std::vector<std::pair<int, int>> transitionsOf(ConnectionHandle handle) const {
    std::vector<std::pair<int, int>> out;
    for (const RecordedEvent& e : eventsFor(handle))
      out.emplace_back(static_cast<int>(e.old_state), static_cast<int>(e.new_state));
    return out;
  }
  // Handles of incoming connections seen (0 -> 1 with a listen socket), in order.
  const std::vector<ConnectionHandle>& incoming() const { return incoming_; }
  std::vector<std::string> logLines() {
    std::lock_guard<std::mutex> lock(log_mutex_);
    return log_lines_;
  }
  void setAutoAccept(bool on) { auto_accept_ = on; }

 private:
  void onStatus(const ConnectionStatusChangedCallback& record) {
    RecordedEvent event;
    event.handle = record.connect_handle;
    event.old_state = record.old_state;
    event.new_state = record.connection.connection_state;
    event.info = record.connection;
    events_.push_back(event);
    if (record.old_state == ConnectionState::kNone &&
        record.connection.connection_state == ConnectionState::kConnecting &&
        record.connection.listen_socket != kInvalidListenSocket) {
      incoming_.push_back(record.connect_handle);
      if (auto_accept_) {
        EXPECT_EQ(sockets_->acceptConnection(record.connect_handle), Result::kOK);
      }
    }
  }

  std::unique_ptr<NetworkingSockets> sockets_;
  bool auto_accept_;
  std::vector<RecordedEvent> events_;
  std::vector<ConnectionHandle> incoming_;
  std::mutex log_mutex_;
  std::vector<std::string> log_lines_;
};

// Runs the callbacks of `peers` every millisecond until `done()` or the deadline, then
// once more.
inline bool waitUntil(std::initializer_list<Peer*> peers, const std::function<bool()>& done,
                      std::chrono::milliseconds patience = kPatience) {
  const auto deadline = std::chrono::steady_clock::now() + patience;
  while (true) {
    for (Peer* peer : peers)
      (*peer)->runNetworkingCallbacks();
    if (done()) {
      // Whatever made done() true was posted together with its callback (under the
      // instance lock): deliver those too, so event logs are complete on return.
      for (Peer* peer : peers)
        (*peer)->runNetworkingCallbacks();
      return true;
    }
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

inline ConnectionState stateOf(Peer& peer, ConnectionHandle handle) {
  std::optional<ConnectionInfo> info = peer->getConnectionInfo(handle);
  return info ? info->connection_state : ConnectionState::kNone;
}

inline std::span<const std::byte> bytesOf(const std::string& text) {
  return std::as_bytes(std::span<const char>(text.data(), text.size()));
}

inline std::string textOf(const Message& message) {
  std::span<const std::byte> payload = message.payload();
  return std::string(reinterpret_cast<const char*>(payload.data()), payload.size());
}

// A listen socket on `address` (port 0) and the port it got.
inline std::pair<ListenSocketHandle, uint16_t> listenOn(
    Peer& server, const char* address, std::span<const ConfigOption> options = {}) {
  ListenSocketHandle socket = server->createListenSocketIP(address, options);
  EXPECT_NE(socket, kInvalidListenSocket);
  std::optional<NetworkingIPAddr> bound =
      NetworkingIPAddr::parse(server->getListenSocketAddress(socket, true));
  EXPECT_TRUE(bound.has_value());
  return {socket, bound ? bound->port() : uint16_t{0}};
}

// Connects `client` to `server` (listening at `host`:port, auto-accepting) and waits until
// both ends are Connected. Returns {client handle, server handle}.
inline std::pair<ConnectionHandle, ConnectionHandle> connectPair(
    Peer& client, Peer& server, const std::string& host, uint16_t port,
    std::span<const ConfigOption> options = {}) {
  const size_t before = server.incoming().size();
  const std::string target = host.find(':') != std::string::npos
                                 ? "[" + host + "]:" + std::to_string(port)
                                 : host + ":" + std::to_string(port);
  ConnectionHandle handle = client->connectByIPAddress(target, options);
  EXPECT_NE(handle, kInvalidConnection) << target;
  ConnectionHandle server_handle = kInvalidConnection;
  bool up = waitUntil({&client, &server}, [&] {
    if (server.incoming().size() > before) server_handle = server.incoming()[before];
    return server_handle != kInvalidConnection &&
           stateOf(client, handle) == ConnectionState::kConnected &&
           stateOf(server, server_handle) == ConnectionState::kConnected;
  });
  EXPECT_TRUE(up) << "connection to " << target << " did not come up";
  return {handle, server_handle};
}

// Receives on a connection until `count` messages arrived (or the deadline).
inline std::vector<MessagePtr> receiveN(Peer& peer, std::initializer_list<Peer*> pump,
                                        ConnectionHandle connection, size_t count,
                                        std::chrono::milliseconds patience = kPatience) {
  std::vector<MessagePtr> messages;
  waitUntil(
      pump,
      [&] {
        peer->receiveMessagesOnConnection(connection, 1000, &messages);
        return messages.size() >= count;
      },
      patience);
  return messages;
}

}  // namespace opengns::testing
