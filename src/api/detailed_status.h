// The text of getDetailedConnectionStatus (lifecycle.md §8.5): human-readable, multi-line,
// in GNS's order (end-to-end state, then current rates, then lifetime counters). The
// format is ours (LOCAL) and applications must not parse it.
#pragma once

#include <string>

#include "opengns/types.h"
#include "snp/snp_session.h"

namespace opengns::api {

struct DetailedStatusInputs {
  ConnectionInfo info;
  // Present once the connection has an SNP session (sent or received data).
  const RealTimeStatus* status = nullptr;
  const snp::SnpSessionCounters* counters = nullptr;
};

std::string describeConnectionStatus(const DetailedStatusInputs& inputs);

}  // namespace opengns::api
