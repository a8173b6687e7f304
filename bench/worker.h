// The worker half of opengns-bench: one OS process playing the server or the client of one
// run of one scenario with one library. The orchestrator starts it as
//   opengns-bench --worker server|client --lib enet|opengns --scenario S --variant V
//                 [--port P] [--quick]
// and reads JSON lines from its stdout:
//   {"event":"ready","port":P}                    server: listening
//   {"event":"result",...}                        the figures of this process
//   {"event":"unavailable","reason":...}          the library cannot run this (exit code 3)
//   {"event":"error","reason":...}                the run failed (exit code 1)
#pragma once

#include <cstdint>
#include <string>

namespace opengns::bench {

struct WorkerOptions {
  std::string role;  // "server" or "client"
  std::string library;
  std::string scenario;
  std::string variant;
  uint16_t port = 0;  // client: the server's port
  bool quick = false;
};

inline constexpr int kWorkerExitUnavailable = 3;

// Runs the worker and returns the process exit code.
int runWorker(const WorkerOptions& options);

}  // namespace opengns::bench
