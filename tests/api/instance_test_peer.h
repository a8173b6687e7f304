// Test-only access to an instance's internals (STYLE.md: a small peer class instead of
// wider public headers): the SNP counters of a connection, the service loop's counters
// and how many connection objects (including closed ones lingering in FinWait) it holds.
#pragma once

#include <cstddef>
#include <optional>

#include "api/instance.h"
#include "opengns/networking_sockets.h"

namespace opengns::api {

class InstanceTestPeer {
 public:
  static std::optional<snp::SnpSessionCounters> counters(NetworkingSockets& sockets,
                                                         ConnectionHandle connection) {
    Instance& instance = InstanceAccess::of(sockets);
    Instance::Locked lock(&instance);
    ConnectionRecord* record = instance.findRecord(static_cast<uint32_t>(connection));
    if (record == nullptr) return std::nullopt;
    snp::SnpSession* session = instance.sessionOf(*record);
    if (session == nullptr) return std::nullopt;
    return session->counters();
  }

  static std::optional<transport::ServiceLoop::Stats> loopStats(NetworkingSockets& sockets) {
    Instance& instance = InstanceAccess::of(sockets);
    Instance::Locked lock(&instance);
    if (instance.loop_ == nullptr) return std::nullopt;
    return instance.loop_->stats();
  }

  static size_t connectionObjects(NetworkingSockets& sockets) {
    Instance& instance = InstanceAccess::of(sockets);
    Instance::Locked lock(&instance);
    return instance.connections_.size();
  }
};

}  // namespace opengns::api
