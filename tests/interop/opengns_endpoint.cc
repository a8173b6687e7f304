// The application thread around one opengns instance; see opengns_endpoint.h.
#include "opengns_endpoint.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <sstream>

namespace opengns::interop {
namespace {

// Messages fetched per receive call; the loop repeats until a call returns fewer.
constexpr int kReceiveBatch = 64;

std::string describeResult(Result result) {
  return std::to_string(static_cast<int32_t>(result));
}

}  // namespace

bool interopRequiresApi() {
  const char* env = std::getenv("OPENGNS_INTEROP_REQUIRE_API");
  return env != nullptr && *env != '\0' && std::string_view(env) != "0";
}

std::unique_ptr<OpengnsEndpoint> OpengnsEndpoint::create(const EndpointOptions& options,
                                                         std::string* error) {
  std::unique_ptr<OpengnsEndpoint> endpoint(new OpengnsEndpoint());
  endpoint->options_ = options;
  endpoint->log_ = std::make_shared<std::string>();
  endpoint->log_mu_ = std::make_shared<std::mutex>();

  NetworkingSocketsOptions sockets_options;
  // The sink keeps its own references: it may be called from library threads until the
  // instance is gone.
  sockets_options.log_sink = [log = endpoint->log_, mu = endpoint->log_mu_](DebugOutputType level,
                                                                            std::string_view text) {
    std::lock_guard<std::mutex> lock(*mu);
    *log += "[" + std::to_string(static_cast<int32_t>(level)) + "] ";
    log->append(text.data(), text.size());
    *log += "\n";
  };
  sockets_options.log_level = options.log_level;
  absl::StatusOr<std::unique_ptr<NetworkingSockets>> created =
      NetworkingSockets::create(sockets_options);
  if (!created.ok()) {
    *error = std::string(created.status().message());
    return nullptr;
  }
  endpoint->sockets_ = std::move(*created);
  OpengnsEndpoint* self = endpoint.get();
  endpoint->sockets_->setConnectionStatusChangedCallback(
      [self](const ConnectionStatusChangedCallback& info) { self->onStatusChanged(info); });
  endpoint->app_thread_ = std::thread(&OpengnsEndpoint::appLoop, self);
  return endpoint;
}

OpengnsEndpoint::~OpengnsEndpoint() {
  stop_ = true;
  if (app_thread_.joinable()) app_thread_.join();
  sockets_.reset();
  if (::testing::Test::HasFailure()) {
    std::ostringstream out;
    out << "---- opengns endpoint: " << status_events_.size() << " status changes, "
        << messages_.size() << " messages received\n";
    for (const StatusEvent& event : status_events_) {
      out << "status conn=" << static_cast<uint32_t>(event.connection)
          << " old=" << static_cast<int32_t>(event.old_state)
          << " new=" << static_cast<int32_t>(event.new_state)
          << " reason=" << static_cast<int32_t>(event.end_reason) << " debug=" << event.end_debug
          << " flags=" << event.info_flags << "\n";
    }
    for (const std::string& problem : problems_)
      out << "problem: " << problem << "\n";
    out << "---- opengns log:\n" << logText() << "---- end of opengns endpoint\n";
    std::cout << out.str() << std::flush;
  }
}

ListenSocketHandle OpengnsEndpoint::listen(std::string_view address,
                                           std::span<const ConfigOption> options) {
  return sockets_->createListenSocketIP(address, options);
}

uint16_t OpengnsEndpoint::listenPort(ListenSocketHandle socket) {
  std::optional<NetworkingIPAddr> bound =
      NetworkingIPAddr::parse(sockets_->getListenSocketAddress(socket, /*with_port=*/true));
  return bound ? bound->port() : 0;
}

ConnectionHandle OpengnsEndpoint::connect(std::string_view address,
                                          std::span<const ConfigOption> options) {
  ConnectionHandle connection = sockets_->connectByIPAddress(address, options);
  if (connection == kInvalidConnection) return connection;
  {
    std::lock_guard<std::mutex> lock(mu_);
    active_.insert(connection);
  }
  configureLanes(connection);
  return connection;
}

std::optional<StatusEvent> OpengnsEndpoint::waitForStatus(
    const std::function<bool(const StatusEvent&)>& predicate, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  std::optional<StatusEvent> found;
  cv_.wait_for(lock, timeout, [&] {
    for (const StatusEvent& event : status_events_) {
      if (predicate(event)) {
        found = event;
        return true;
      }
    }
    return false;
  });
  return found;
}

std::vector<ReceivedMessage> OpengnsEndpoint::waitForMessages(size_t count,
                                                              std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return messages_.size() >= count; });
  return messages_;
}

std::vector<StatusEvent> OpengnsEndpoint::statusEvents() const {
  std::lock_guard<std::mutex> lock(mu_);
  return status_events_;
}

std::vector<ReceivedMessage> OpengnsEndpoint::messages() const {
  std::lock_guard<std::mutex> lock(mu_);
  return messages_;
}

std::vector<std::string> OpengnsEndpoint::problems() const {
  std::lock_guard<std::mutex> lock(mu_);
  return problems_;
}

std::string OpengnsEndpoint::logText() const {
  std::lock_guard<std::mutex> lock(*log_mu_);
  return *log_;
}

void OpengnsEndpoint::appLoop() {
  while (!stop_) {
    sockets_->runNetworkingCallbacks();
    std::set<ConnectionHandle> connections;
    {
      std::lock_guard<std::mutex> lock(mu_);
      connections = active_;
    }
    for (ConnectionHandle connection : connections)
      drain(connection);
    std::this_thread::sleep_for(kAppLoopInterval);
  }
}

void OpengnsEndpoint::onStatusChanged(const ConnectionStatusChangedCallback& info) {
  StatusEvent event;
  event.connection = info.connect_handle;
  event.listen_socket = info.connection.listen_socket;
  event.old_state = info.old_state;
  event.new_state = info.connection.connection_state;
  event.end_reason = info.connection.end_reason;
  event.end_debug = info.connection.end_debug;
  event.info_flags = info.connection.info_flags;
  {
    std::lock_guard<std::mutex> lock(mu_);
    status_events_.push_back(event);
  }
  cv_.notify_all();

  ConnectionHandle connection = info.connect_handle;
  switch (event.new_state) {
    case ConnectionState::kConnecting:
      if (event.listen_socket != kInvalidListenSocket) {
        // A client arrived on our listen socket (0 -> Connecting): accept it.
        Result accepted = sockets_->acceptConnection(connection);
        if (accepted != Result::kOK) {
          addProblem("acceptConnection returned " + describeResult(accepted));
          return;
        }
        {
          std::lock_guard<std::mutex> lock(mu_);
          active_.insert(connection);
        }
        configureLanes(connection);
      }
      break;
    case ConnectionState::kConnected: {
      std::lock_guard<std::mutex> lock(mu_);
      active_.insert(connection);
      break;
    }
    case ConnectionState::kClosedByPeer:
    case ConnectionState::kProblemDetectedLocally:
      // Messages that arrived before the close can still be fetched; then free the handle.
      drain(connection);
      sockets_->closeConnection(connection, 0, "", false);
      {
        std::lock_guard<std::mutex> lock(mu_);
        active_.erase(connection);
      }
      break;
    default:
      break;
  }
}

void OpengnsEndpoint::drain(ConnectionHandle connection) {
  while (true) {
    std::vector<MessagePtr> batch;
    int count = sockets_->receiveMessagesOnConnection(connection, kReceiveBatch, &batch);
    if (count < 0) {
      // Closed by us (the test thread) meanwhile: nothing more to receive on it.
      std::lock_guard<std::mutex> lock(mu_);
      active_.erase(connection);
      return;
    }
    for (const MessagePtr& message : batch) {
      ReceivedMessage received;
      received.connection = connection;
      std::span<const std::byte> payload = message->payload();
      const auto* bytes = reinterpret_cast<const uint8_t*>(payload.data());
      received.payload.assign(bytes, bytes + payload.size());
      received.lane = message->lane;
      received.reliable = (message->flags & kSendReliable) != 0;
      received.message_number = message->message_number;
      if (options_.echo) {
        SendMessageResult sent =
            sockets_->sendMessageToConnection(connection, payload, kSendReliable, message->lane);
        if (sent.result != Result::kOK) {
          addProblem("echo of " + std::to_string(payload.size()) + " bytes on lane " +
                     std::to_string(message->lane) + " returned " + describeResult(sent.result));
        }
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        messages_.push_back(std::move(received));
      }
      cv_.notify_all();
    }
    if (count < kReceiveBatch) return;
  }
}

void OpengnsEndpoint::configureLanes(ConnectionHandle connection) {
  if (options_.lanes <= 1) return;
  Result configured = sockets_->configureConnectionLanes(connection, options_.lanes, {}, {});
  if (configured != Result::kOK) {
    addProblem("configureConnectionLanes(" + std::to_string(options_.lanes) + ") returned " +
               describeResult(configured));
  }
}

void OpengnsEndpoint::addProblem(std::string problem) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    problems_.push_back(std::move(problem));
  }
  cv_.notify_all();
}

}  // namespace opengns::interop
