// The process-wide trusted CAs of opengns/trust.h: the environment variable
// OPENGNS_TRUSTED_CA (read once), the global config value OPENGNS_TrustedCAList (10001,
// re-parsed whenever its text changes) and the entries added through addTrustedCA.
// The store is rebuilt only when one of them changed; readers get an immutable snapshot.
// Thread-safe; takes its own lock and the global config store's, never an instance's.
#pragma once

#include "connection/auth_policy.h"

namespace opengns::api {

// The current trusted CAs and the wall-clock Unix time: the connection layer's
// AuthPolicy::ca_trust (it reads no clock itself).
connection::CaTrust currentCaTrust();
// The wall-clock Unix time in seconds (certificate expiry).
int64_t unixNowSec();

}  // namespace opengns::api
