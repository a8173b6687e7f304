// A whole application message put together by the SNP receive side: what the
// reassemblers hand up towards the application receive queue. Owns its bytes.
#pragma once

#include <cstdint>

#include "common/bytes.h"

namespace opengns::snp {

struct ReceivedMessage {
  uint32_t lane = 0;
  uint64_t message_number = 0;  // the sender's per-lane number (snp.md §2.1)
  bool reliable = false;
  Bytes data;
};

}  // namespace opengns::snp
