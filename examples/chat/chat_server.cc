#include "chat_server.h"

#include <array>
#include <vector>

#include "chat_command.h"
#include "chat_settings.h"
#include "chat_text.h"
#include "console.h"
#include "graceful_close.h"
#include "stop_signal.h"

namespace opengns::chat {
namespace {

// Longest nick accepted, in bytes: enough for a name, short enough for a line prefix.
constexpr size_t kMaxNickBytes = 24;
// Messages taken from the poll group per call; the loop calls again until it is empty.
constexpr int kReceiveBatch = 64;

std::string quoted(std::string_view text) {
  return "'" + std::string(text) + "'";
}

}  // namespace

ChatServer::ChatServer(NetworkingSockets& sockets, LineInput& input)
    : sockets_(sockets), input_(input) {
  sockets_.setConnectionStatusChangedCallback(
      [this](const ConnectionStatusChangedCallback& change) { onStatusChanged(change); });
}

ChatServer::~ChatServer() {
  // The handler points at this object, which is going away.
  sockets_.setConnectionStatusChangedCallback({});
}

int ChatServer::run(uint16_t port) {
  if (!listen(port)) return 1;
  while (!quitting_) {
    for (const std::string& line : input_.readLines(kLoopInterval)) {
      onConsoleLine(line);
      if (quitting_) break;
    }
    if (!quitting_ && input_.ended()) {
      printStatus("end of console input");
      quitting_ = true;
    }
    if (!quitting_ && stopRequested()) {
      printStatus("interrupted");
      quitting_ = true;
    }
    sockets_.runNetworkingCallbacks();
    receiveMessages();
  }
  shutDown();
  return 0;
}

bool ChatServer::listen(uint16_t port) {
  const std::array<ConfigOption, 1> options = chatConnectionOptions();
  // "[::]" is one dual-stack socket: IPv6 clients and IPv4 ones (as ::ffff:a.b.c.d).
  listen_socket_ = sockets_.createListenSocketIP("[::]:" + std::to_string(port), options);
  if (listen_socket_ == kInvalidListenSocket) {
    // A host with IPv6 disabled can still serve IPv4.
    listen_socket_ = sockets_.createListenSocketIP("0.0.0.0:" + std::to_string(port), options);
  }
  if (listen_socket_ == kInvalidListenSocket) {
    printStatus("cannot listen on port " + std::to_string(port) + " (is it in use?)");
    return false;
  }
  poll_group_ = sockets_.createPollGroup();
  printStatus("listening on " + sockets_.getListenSocketAddress(listen_socket_, true) +
              "; type /quit to stop the server");
  return true;
}

void ChatServer::onConsoleLine(const std::string& line) {
  const ChatCommand command = parseChatLine(line);
  switch (command.kind) {
    case CommandKind::kEmpty:
      return;
    case CommandKind::kQuit:
      quitting_ = true;
      return;
    case CommandKind::kText:
      // The operator may talk too; clients see it like any other line.
      sendToAllBut(kInvalidConnection, "[server] " + command.argument);
      return;
    case CommandKind::kNick:
    case CommandKind::kUnknown:
      printStatus("the server console knows /quit; other lines go to every client");
      return;
  }
}

// ---- connection status -------------------------------------------------------------------

void ChatServer::onStatusChanged(const ConnectionStatusChangedCallback& change) {
  const ConnectionHandle connection = change.connect_handle;
  const ConnectionInfo& info = change.connection;
  switch (info.connection_state) {
    case ConnectionState::kConnecting:
      // A new connection on our listen socket, waiting for us to accept it.
      if (change.old_state == ConnectionState::kNone &&
          info.listen_socket != kInvalidListenSocket) {
        onConnectRequest(connection, info);
      }
      return;
    case ConnectionState::kConnected:
      onConnected(connection, info);
      return;
    case ConnectionState::kClosedByPeer:
    case ConnectionState::kProblemDetectedLocally:
      onEnded(connection, info);
      return;
    default:
      // kNone: a connection we closed ourselves finished leaving; nothing to do.
      return;
  }
}

void ChatServer::onConnectRequest(ConnectionHandle connection, const ConnectionInfo& info) {
  const std::string address = info.remote_address.toString(true);
  if (quitting_) {
    sockets_.closeConnection(connection, kCloseReasonNormal, "Server shutting down", false);
    return;
  }
  printStatus("connection request from " + address);
  // The peer waits (and the library sends nothing) until we accept (lifecycle.md §10).
  const Result accepted = sockets_.acceptConnection(connection);
  if (accepted != Result::kOK) {
    // The peer may have given up meanwhile; the handle must still be closed.
    printStatus("could not accept " + address + ": result " +
                std::to_string(static_cast<int32_t>(accepted)));
    sockets_.closeConnection(connection, kCloseReasonNormal, "", false);
    return;
  }
  // From now on its messages arrive through receiveMessagesOnPollGroup.
  sockets_.setConnectionPollGroup(connection, poll_group_);
}

void ChatServer::onConnected(ConnectionHandle connection, const ConnectionInfo& info) {
  Client client{nextGuestNick(), info.remote_address.toString(true)};
  std::string others;
  for (const auto& [handle, other] : clients_)
    others += (others.empty() ? "" : ", ") + other.nick;

  printStatus(client.nick + " joined from " + client.address);
  sendTo(connection, "Welcome! You are known here as " + quoted(client.nick) +
                         ". Type /nick NAME to choose another name, /quit to leave.");
  sendTo(connection, others.empty() ? "Nobody else is here yet." : "Also here: " + others + ".");
  sendToAllBut(connection, client.nick + " has joined.");
  clients_.emplace(connection, std::move(client));
}

void ChatServer::onEnded(ConnectionHandle connection, const ConnectionInfo& info) {
  // Relay what the client said before it left: its messages stay readable until we close.
  receiveMessages();
  const bool by_peer = info.connection_state == ConnectionState::kClosedByPeer;
  const std::string why =
      (by_peer ? "closed by peer, " : "problem detected locally, ") + describeEnd(info);
  if (clients_.count(connection) != 0) {
    dropClient(connection, why);
  } else {
    printStatus("connection from " + info.remote_address.toString(true) + " ended: " + why);
  }
  // The handle stays valid until we close it, whatever the peer did (lifecycle.md §4.1).
  sockets_.closeConnection(connection, kCloseReasonNormal, "", false);
}

void ChatServer::dropClient(ConnectionHandle connection, std::string_view why) {
  auto found = clients_.find(connection);
  if (found == clients_.end()) return;
  const Client client = std::move(found->second);
  clients_.erase(found);
  printStatus(client.nick + " (" + client.address + ") left: " + std::string(why));
  sendToAllBut(connection, client.nick + " has left.");
}

// ---- messages ------------------------------------------------------------------------------

void ChatServer::receiveMessages() {
  std::vector<MessagePtr> messages;
  while (sockets_.receiveMessagesOnPollGroup(poll_group_, kReceiveBatch, &messages) > 0) {
    for (const MessagePtr& message : messages)
      onMessage(message->connection, payloadText(*message));
    messages.clear();
  }
}

void ChatServer::onMessage(ConnectionHandle connection, const std::string& text) {
  auto found = clients_.find(connection);
  if (found == clients_.end()) return;  // not greeted yet, or already gone
  Client& client = found->second;
  const ChatCommand command = parseChatLine(text);
  switch (command.kind) {
    case CommandKind::kEmpty:
      return;
    case CommandKind::kText: {
      const std::string line = client.nick + ": " + command.argument;
      printLine(printable(line));
      sendToAllBut(connection, line);
      return;
    }
    case CommandKind::kNick:
      rename(connection, client, command.argument);
      return;
    case CommandKind::kQuit:
      // Our client handles /quit itself; another program may send it to us. We keep
      // running, so linger delivers the goodbye before the close.
      sendTo(connection, "Goodbye!");
      dropClient(connection, "asked to quit");
      sockets_.closeConnection(connection, kCloseReasonNormal, "Goodbye", /*linger=*/true);
      return;
    case CommandKind::kUnknown:
      sendTo(connection, "Unknown command " + command.argument + ". Commands: /nick NAME, /quit.");
      return;
  }
}

void ChatServer::rename(ConnectionHandle connection, Client& client, const std::string& nick) {
  if (std::optional<std::string> problem = nickProblem(connection, nick)) {
    sendTo(connection, "You cannot be called " + quoted(nick) + ": " + *problem + ".");
    return;
  }
  const std::string old_nick = client.nick;
  client.nick = nick;
  printStatus(old_nick + " is now known as " + nick);
  sendTo(connection, "You are now known as " + quoted(nick) + ".");
  sendToAllBut(connection, old_nick + " is now known as " + nick + ".");
}

std::optional<std::string> ChatServer::nickProblem(ConnectionHandle connection,
                                                   std::string_view nick) const {
  if (nick.empty()) return "the name is empty (usage: /nick NAME)";
  if (nick.size() > kMaxNickBytes)
    return "the name is longer than " + std::to_string(kMaxNickBytes) + " bytes";
  for (char c : nick) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) return "the name has spaces or control characters";
  }
  for (const auto& [handle, other] : clients_) {
    if (handle != connection && other.nick == nick) return "someone else has that name";
  }
  return std::nullopt;
}

std::string ChatServer::nextGuestNick() {
  // Numbered guests are predictable, which lets a script or a test know who is who.
  std::string nick;
  do {
    nick = "Guest" + std::to_string(++guests_named_);
  } while (nickProblem(kInvalidConnection, nick));
  return nick;
}

void ChatServer::sendTo(ConnectionHandle connection, std::string_view text) {
  const SendMessageResult sent =
      sockets_.sendMessageToConnection(connection, textBytes(text), kChatSendFlags);
  if (sent.result != Result::kOK) {
    printStatus("could not send to connection " +
                std::to_string(static_cast<uint32_t>(connection)) + ": result " +
                std::to_string(static_cast<int32_t>(sent.result)));
  }
}

void ChatServer::sendToAllBut(ConnectionHandle except, std::string_view text) {
  for (const auto& [connection, client] : clients_) {
    if (connection != except) sendTo(connection, text);
  }
}

// ---- shutting down -------------------------------------------------------------------------

void ChatServer::shutDown() {
  printStatus("shutting down, closing " + std::to_string(clients_.size()) + " connection(s)");
  std::vector<ConnectionHandle> connections;
  for (const auto& [connection, client] : clients_)
    connections.push_back(connection);
  sendToAllBut(kInvalidConnection, "The server is shutting down. Goodbye!");
  clients_.clear();
  closeAfterDelivery(sockets_, connections, kCloseReasonNormal, "Server shutting down");
  // The listen socket and poll group go with the NetworkingSockets instance. Closing the
  // listen socket here would destroy the connections just closed before their close
  // packets are out (lifecycle.md §11, point 6); the instance's destructor sends them.
}

}  // namespace opengns::chat
