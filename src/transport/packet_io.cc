#include "transport/packet_io.h"

namespace opengns::transport {

const char* ioModeName(IoMode mode) {
  switch (mode) {
    case IoMode::kPlain:
      return "plain";
    case IoMode::kBatched:
      return "batched";
    case IoMode::kOffload:
      return "offload";
  }
  return "unknown";
}

}  // namespace opengns::transport
