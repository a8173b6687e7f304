// The CA private key file of opengns-cert: the 32-byte Ed25519 private key (RFC 8032
// seed) in base64 between "-----BEGIN OPENGNS ED25519 PRIVATE KEY-----" and the matching
// END line. Keep it secret: whoever has it can issue certificates your peers trust.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "crypto/ed25519.h"

namespace opengns::tools {

std::string caKeyFileText(const crypto::Ed25519KeyPair& key);
absl::StatusOr<crypto::Ed25519KeyPair> parseCaKeyFile(std::string_view text);

}  // namespace opengns::tools
