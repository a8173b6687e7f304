// Helpers shared by the worker roles (worker_server.cc, worker_client.cc): JSON lines on
// stdout, bounded waiting loops, sending control messages, reading our own RSS.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "bench_message.h"
#include "bench_transport.h"
#include "scenario_catalog.h"

namespace opengns::bench {

// Writes one JSON line to stdout and flushes it.
void emitLine(const nlohmann::json& line);
// {"event":"error"/"unavailable","reason":...}; returns the matching exit code.
int emitFailure(const absl::Status& status);

// Polls until `done()` is true or `deadline_ns` passes; returns done().
bool pumpUntil(BenchTransport& transport, TransportHandler& handler,
               const std::function<bool()>& done, int64_t deadline_ns, int64_t wait_us = 1000);
// Sends a small reliable, unbuffered control message, retrying while the queue is full.
bool sendControl(BenchTransport& transport, TransportHandler& handler, ConnId conn,
                 MessageKind kind, int64_t deadline_ns);
// VmRSS of this process in KiB (-1 if unknown).
int64_t selfRssKib();

// The server and client roles.
int runServer(BenchTransport& transport, const Workload& workload);
int runClient(BenchTransport& transport, const Workload& workload, uint16_t port);

}  // namespace opengns::bench
