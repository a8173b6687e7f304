#include "graceful_close.h"

#include <thread>

namespace opengns::chat {
namespace {

// True when nothing we sent on `connection` can still be delivered or needs to be: it is
// all acknowledged, or the connection is no longer up.
bool deliveredOrGone(NetworkingSockets& sockets, ConnectionHandle connection) {
  std::optional<ConnectionInfo> info = sockets.getConnectionInfo(connection);
  if (!info || info->connection_state != ConnectionState::kConnected) return true;
  RealTimeStatusResult status = sockets.getConnectionRealTimeStatus(connection, 0);
  if (status.result != Result::kOK || !status.connection_status) return true;
  return status.connection_status->pending_reliable == 0 &&
         status.connection_status->send_unacknowledged_reliable == 0;
}

}  // namespace

void closeAfterDelivery(NetworkingSockets& sockets, std::span<const ConnectionHandle> connections,
                        int reason, std::string_view debug, std::chrono::milliseconds patience) {
  // Messages held back by Nagle's delay go out now rather than in a few milliseconds.
  for (ConnectionHandle connection : connections)
    sockets.flushMessagesOnConnection(connection);

  const auto deadline = std::chrono::steady_clock::now() + patience;
  while (std::chrono::steady_clock::now() < deadline) {
    bool all_done = true;
    for (ConnectionHandle connection : connections)
      all_done = all_done && deliveredOrGone(sockets, connection);
    if (all_done) break;
    // The library's own thread sends and receives meanwhile; we only look again later.
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (ConnectionHandle connection : connections)
    sockets.closeConnection(connection, reason, debug, /*linger=*/true);
}

}  // namespace opengns::chat
