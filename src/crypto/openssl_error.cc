#include "crypto/openssl_error.h"

#include <openssl/err.h>

#include <string>

#include "absl/strings/str_cat.h"

namespace opengns::crypto {

absl::Status opensslError(std::string_view what) {
  std::string detail;
  // Keep the oldest error (the root cause) and drain the rest of the queue.
  unsigned long first = ERR_get_error();
  while (ERR_get_error() != 0) {
  }
  if (first != 0) {
    char buf[256];
    ERR_error_string_n(first, buf, sizeof(buf));
    detail = buf;
  } else {
    detail = "no OpenSSL error queued";
  }
  return absl::InternalError(
      absl::StrCat(absl::string_view(what.data(), what.size()), " failed: ", detail));
}

void clearOpensslErrors() {
  ERR_clear_error();
}

}  // namespace opengns::crypto
