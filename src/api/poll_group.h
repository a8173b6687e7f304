// One poll group (lifecycle.md §6.4): the set of member connections and the group's queue
// of references to their received messages, in arrival order (see receive_queue.h).
// Owned by the instance's handle table; the instance lock serializes every use.
#pragma once

#include <cstdint>

#include "absl/container/flat_hash_set.h"
#include "api/receive_queue.h"

namespace opengns::api {

struct PollGroup {
  absl::flat_hash_set<uint32_t> members;  // connection handles
  PollGroupQueue queue;
};

}  // namespace opengns::api
