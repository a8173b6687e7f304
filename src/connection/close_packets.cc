// Close packets and their matching rules (see close_packets.h).
#include "connection/close_packets.h"

#include <string>

#include "connection/connection_state.h"

namespace opengns::connection {

wire::ConnectionClosed makeConnectionClosed(uint32_t from_id, uint32_t to_id, int reason_code,
                                            std::string_view debug) {
  wire::ConnectionClosed closed;
  if (!debug.empty()) closed.set_debug(truncateEndDebug(debug));
  closed.set_reason_code(static_cast<uint32_t>(reason_code));
  if (to_id != 0) closed.set_to_connection_id(to_id);
  if (from_id != 0) closed.set_from_connection_id(from_id);
  return closed;
}

wire::NoConnection makeNoConnection(uint32_t from_id, uint32_t to_id) {
  wire::NoConnection no_connection;
  if (from_id != 0) no_connection.set_from_connection_id(from_id);
  if (to_id != 0) no_connection.set_to_connection_id(to_id);
  return no_connection;
}

std::optional<wire::NoConnection> echoNoConnection(const wire::ConnectionClosed& closed) {
  if (closed.to_connection_id() == 0 && closed.from_connection_id() == 0) return std::nullopt;
  return makeNoConnection(closed.to_connection_id(), closed.from_connection_id());
}

bool connectionClosedMatches(const wire::ConnectionClosed& closed, uint32_t local_id,
                             uint32_t remote_id) {
  if (closed.to_connection_id() != 0) return closed.to_connection_id() == local_id;
  return closed.from_connection_id() != 0 && closed.from_connection_id() == remote_id;
}

bool noConnectionMatches(const wire::NoConnection& no_connection, uint32_t local_id,
                         uint32_t remote_id) {
  return no_connection.to_connection_id() == local_id &&
         no_connection.from_connection_id() == remote_id;
}

}  // namespace opengns::connection
