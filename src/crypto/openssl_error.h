// Turns a failed OpenSSL call into an absl::Status that names our operation and
// OpenSSL's own reason, and empties the thread's OpenSSL error queue so that a later
// failure is not blamed on an earlier one.
#pragma once

#include <string_view>

#include "absl/status/status.h"

namespace opengns::crypto {

// `what` says which of our operations failed, e.g. "x25519: derive".
absl::Status opensslError(std::string_view what);

// Drops queued OpenSSL errors (used where a failure is an expected outcome, such as
// a bad GCM tag or signature, so nothing stale is left for the next caller).
void clearOpensslErrors();

}  // namespace opengns::crypto
