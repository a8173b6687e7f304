// Random connection IDs (see connection_id.h).
#include "connection/connection_id.h"

#include "crypto/secure_random.h"

namespace opengns::connection {

absl::StatusOr<uint32_t> makeRandomConnectionId() {
  // Each draw fails the halves test with probability < 2^-15: loop until it passes.
  for (;;) {
    absl::StatusOr<uint32_t> id = crypto::secureRandomU32();
    if (!id.ok()) return id.status();
    if (isValidConnectionId(*id)) return *id;
  }
}

}  // namespace opengns::connection
