// The chat client: connects to a server, sends each typed line as one reliable message
// and prints every line it receives.
//
// Lines typed before the connection is up wait in an outbox and go out, in order, once it
// is. /quit and the end of input both mean "leave once what I typed has arrived": the
// client waits for those lines to be acknowledged, then closes the connection (reason
// 1000, "Goodbye", as the stock example does). SIGINT/SIGTERM leave at once, still closing
// the connection so the server hears of it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "line_input.h"
#include "opengns/networking_sockets.h"

namespace opengns::chat {

class ChatClient {
 public:
  // `sockets` and `input` must outlive the client.
  ChatClient(NetworkingSockets& sockets, LineInput& input);
  ~ChatClient();
  ChatClient(const ChatClient&) = delete;
  ChatClient& operator=(const ChatClient&) = delete;

  // Connects to `server` and chats until the user leaves or the connection ends. Returns
  // the exit status: 0 when the user left or the server closed the connection, 1 when the
  // connection failed (could not connect, timed out, ...).
  int run(const NetworkingIPAddr& server);

 private:
  void onLine(const std::string& line);
  void onStatusChanged(const ConnectionStatusChangedCallback& change);
  void send(const std::string& line);
  void receiveMessages();
  // Closes our connection after delivering what was sent, and ends the run with status 0.
  void leave();

  NetworkingSockets& sockets_;
  LineInput& input_;
  std::string server_address_;
  ConnectionHandle connection_ = kInvalidConnection;
  bool connected_ = false;
  bool leaving_ = false;             // /quit or end of input: leave once connected
  std::vector<std::string> outbox_;  // lines typed before the connection was up
  std::optional<int> exit_status_;   // set when run() should return
};

}  // namespace opengns::chat
