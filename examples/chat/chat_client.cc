#include "chat_client.h"

#include <array>
#include <thread>

#include "chat_command.h"
#include "chat_settings.h"
#include "chat_text.h"
#include "console.h"
#include "graceful_close.h"
#include "stop_signal.h"

namespace opengns::chat {
namespace {

// Messages taken per receive call; the loop calls again until none are left.
constexpr int kReceiveBatch = 64;

}  // namespace

ChatClient::ChatClient(NetworkingSockets& sockets, LineInput& input)
    : sockets_(sockets), input_(input) {
  sockets_.setConnectionStatusChangedCallback(
      [this](const ConnectionStatusChangedCallback& change) { onStatusChanged(change); });
}

ChatClient::~ChatClient() {
  // The handler points at this object, which is going away.
  sockets_.setConnectionStatusChangedCallback({});
}

int ChatClient::run(const NetworkingIPAddr& server) {
  server_address_ = server.toString(true);
  printStatus("connecting to " + server_address_);
  const std::array<ConfigOption, 1> options = chatConnectionOptions();
  connection_ = sockets_.connectByIPAddress(server, options);
  if (connection_ == kInvalidConnection) {
    printStatus("cannot connect to " + server_address_);
    return 1;
  }

  while (!exit_status_) {
    if (leaving_) {
      // Input is no longer read; just keep the loop's pace while the connection comes up.
      std::this_thread::sleep_for(kLoopInterval);
    } else {
      for (const std::string& line : input_.readLines(kLoopInterval)) {
        onLine(line);
        if (leaving_) break;  // lines after /quit are not sent
      }
      if (!leaving_ && input_.ended()) leaving_ = true;
    }
    if (stopRequested()) {
      printStatus("interrupted");
      leave();
      break;
    }
    sockets_.runNetworkingCallbacks();
    receiveMessages();
    if (leaving_ && connected_ && !exit_status_) leave();
  }
  return *exit_status_;
}

void ChatClient::onLine(const std::string& line) {
  const ChatCommand command = parseChatLine(line);
  if (command.kind == CommandKind::kEmpty) return;
  if (command.kind == CommandKind::kQuit) {
    leaving_ = true;
    return;
  }
  // Everything else, /nick included, is for the server: it is sent exactly as typed.
  if (connected_) {
    send(line);
  } else {
    outbox_.push_back(line);
  }
}

void ChatClient::send(const std::string& line) {
  const SendMessageResult sent =
      sockets_.sendMessageToConnection(connection_, textBytes(line), kChatSendFlags);
  if (sent.result != Result::kOK) {
    printStatus("could not send that line: result " +
                std::to_string(static_cast<int32_t>(sent.result)));
  }
}

void ChatClient::onStatusChanged(const ConnectionStatusChangedCallback& change) {
  if (change.connect_handle != connection_) return;
  const ConnectionInfo& info = change.connection;
  switch (info.connection_state) {
    case ConnectionState::kConnected:
      connected_ = true;
      printStatus("connected to " + server_address_);
      for (const std::string& line : outbox_)
        send(line);
      outbox_.clear();
      return;
    case ConnectionState::kClosedByPeer:
    case ConnectionState::kProblemDetectedLocally: {
      // Print what the server said last (its goodbye, say): readable until we close.
      receiveMessages();
      const bool by_peer = info.connection_state == ConnectionState::kClosedByPeer;
      printStatus(std::string(by_peer ? "connection closed by the server: "
                                      : "connection problem detected locally: ") +
                  describeEnd(info));
      sockets_.closeConnection(connection_, kCloseReasonNormal, "", false);
      connection_ = kInvalidConnection;
      connected_ = false;
      // A server that closes on us is a normal end; failing to connect is not.
      exit_status_ = by_peer ? 0 : 1;
      return;
    }
    default:
      // Connecting (printed when we started), FindingRoute (not used over IP), and None
      // (our own close completing).
      return;
  }
}

void ChatClient::receiveMessages() {
  if (connection_ == kInvalidConnection) return;
  std::vector<MessagePtr> messages;
  while (sockets_.receiveMessagesOnConnection(connection_, kReceiveBatch, &messages) > 0) {
    for (const MessagePtr& message : messages)
      printLine(printable(payloadText(*message)));
    messages.clear();
  }
}

void ChatClient::leave() {
  if (connection_ != kInvalidConnection) {
    const std::array<ConnectionHandle, 1> ours{connection_};
    closeAfterDelivery(sockets_, ours, kCloseReasonNormal, "Goodbye");
    connection_ = kInvalidConnection;
    printStatus("disconnected");
  }
  exit_status_ = 0;
}

}  // namespace opengns::chat
