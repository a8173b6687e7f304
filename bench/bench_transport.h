// BenchTransport: the small surface a benchmark worker needs from a networking library
// (listen, connect, send, poll for events, close, inject loss), implemented once per library
// (enet_transport.cc, opengns_transport.cc). The scenarios in worker.cc are written once
// against it, so both libraries run exactly the same application logic.
//
// Threading: one thread (the worker's) calls everything; handler callbacks run inside poll().
// Ownership: a span passed to onMessage is valid only during the call.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "absl/status/statusor.h"

namespace opengns::bench {

using ConnId = uint32_t;

// Events of poll(). onClosed reports a connection ended by the peer or by a problem; a
// connection the worker closed itself reports nothing more.
class TransportHandler {
 public:
  virtual ~TransportHandler() = default;
  virtual void onConnected(ConnId conn) = 0;
  virtual void onClosed(ConnId conn) = 0;
  virtual void onMessage(ConnId conn, std::span<const uint8_t> data) = 0;
};

enum class SendStatus {
  kOk,
  kBusy,   // the library's send queue is full: poll() and try again
  kError,  // the connection is unusable
};

struct SendMode {
  bool reliable = true;
  bool nagle = true;  // false: the message leaves now instead of waiting to coalesce
};

class BenchTransport {
 public:
  virtual ~BenchTransport() = default;

  virtual std::string libraryName() const = 0;
  // Server: listens on 127.0.0.1 (ephemeral port) for up to `max_connections`; returns the
  // port. kUnavailable when the library cannot listen at all (e.g. API not live yet).
  virtual absl::StatusOr<uint16_t> listen(int max_connections) = 0;
  // Client: prepares for up to `max_connections` outgoing connections.
  virtual absl::Status startClient(int max_connections) = 0;
  // Client: starts connecting to 127.0.0.1:port; onConnected follows.
  virtual absl::StatusOr<ConnId> connect(uint16_t port) = 0;
  virtual SendStatus send(ConnId conn, std::span<const uint8_t> data, SendMode mode) = 0;
  // Runs the library and delivers events to `handler`; waits up to `max_wait_us` when nothing
  // happens. Returns the number of events delivered.
  virtual int poll(TransportHandler& handler, int64_t max_wait_us) = 0;
  // Closes one connection; with linger, queued reliable data is still delivered.
  virtual void close(ConnId conn, bool linger) = 0;
  // Drops this percentage of received packets from now on (0 = none).
  virtual void setReceiveLossPercent(double pct) = 0;
  // Whether the connection's payload is encrypted (nullopt if unknown).
  virtual std::optional<bool> encrypted(ConnId conn) = 0;
};

// "enet" or "opengns"; nullptr for another name. `idle_sleep_us` is how long a library
// without a blocking wait (opengns) sleeps between polls when idle.
std::unique_ptr<BenchTransport> makeTransport(const std::string& library, int64_t idle_sleep_us);

}  // namespace opengns::bench
