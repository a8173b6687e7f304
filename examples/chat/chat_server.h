// The chat server: listens on all interfaces, greets each client, relays every line to
// the other clients with the sender's nick in front, and understands /nick and /quit.
//
// One thread does everything: it waits a few milliseconds for console input, then runs
// the library's callbacks (connection status changes) and receives the clients' messages
// through one poll group, so it never has to ask each connection in turn.
//
// What clients see is plain text, one message per line; the server's own console shows
// status lines ("* ...") and the relayed chat.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "line_input.h"
#include "opengns/networking_sockets.h"

namespace opengns::chat {

class ChatServer {
 public:
  // `sockets` and `input` must outlive the server.
  ChatServer(NetworkingSockets& sockets, LineInput& input);
  ~ChatServer();
  ChatServer(const ChatServer&) = delete;
  ChatServer& operator=(const ChatServer&) = delete;

  // Listens on `port` (0 = any free port) and serves until /quit on the console, the end
  // of the console input, or SIGINT/SIGTERM; then says goodbye to every client and closes
  // their connections. Returns the exit status: 0, or 1 when it cannot listen.
  int run(uint16_t port);

 private:
  struct Client {
    std::string nick;
    std::string address;  // "ip:port", for the console
  };

  bool listen(uint16_t port);
  void onConsoleLine(const std::string& line);

  void onStatusChanged(const ConnectionStatusChangedCallback& change);
  void onConnectRequest(ConnectionHandle connection, const ConnectionInfo& info);
  void onConnected(ConnectionHandle connection, const ConnectionInfo& info);
  void onEnded(ConnectionHandle connection, const ConnectionInfo& info);

  void receiveMessages();
  void onMessage(ConnectionHandle connection, const std::string& text);
  void rename(ConnectionHandle connection, Client& client, const std::string& nick);
  // Forgets a client and tells the others it left; `why` goes to the console.
  void dropClient(ConnectionHandle connection, std::string_view why);

  void sendTo(ConnectionHandle connection, std::string_view text);
  void sendToAllBut(ConnectionHandle except, std::string_view text);

  std::string nextGuestNick();
  // Why `nick` cannot be used by `connection`, or nullopt when it can.
  std::optional<std::string> nickProblem(ConnectionHandle connection, std::string_view nick) const;

  void shutDown();

  NetworkingSockets& sockets_;
  LineInput& input_;
  ListenSocketHandle listen_socket_ = kInvalidListenSocket;
  PollGroupHandle poll_group_ = kInvalidPollGroup;
  std::map<ConnectionHandle, Client> clients_;  // connected clients
  int guests_named_ = 0;
  bool quitting_ = false;
};

}  // namespace opengns::chat
