// The CA key file (see ca_key_file.h).
#include "ca_key_file.h"

#include "absl/strings/str_cat.h"
#include "connection/certificate.h"

namespace opengns::tools {
namespace {

constexpr std::string_view kBegin = "-----BEGIN OPENGNS ED25519 PRIVATE KEY-----";
constexpr std::string_view kEnd = "-----END OPENGNS ED25519 PRIVATE KEY-----";

absl::string_view av(std::string_view text) {
  return absl::string_view(text.data(), text.size());
}

}  // namespace

std::string caKeyFileText(const crypto::Ed25519KeyPair& key) {
  absl::StatusOr<crypto::Ed25519PrivateKey> raw = key.privateKey();
  if (!raw.ok()) return "";
  return absl::StrCat(av(kBegin), "\n", connection::base64Encode(raw->span()), "\n", av(kEnd),
                      "\n");
}

absl::StatusOr<crypto::Ed25519KeyPair> parseCaKeyFile(std::string_view text) {
  const size_t begin = text.find(kBegin);
  const size_t end = text.find(kEnd);
  if (begin == std::string_view::npos || end == std::string_view::npos || end < begin) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a CA key file (no '", av(kBegin), "' block)"));
  }
  const size_t body = begin + kBegin.size();
  absl::StatusOr<Bytes> raw = connection::base64Decode(text.substr(body, end - body));
  if (!raw.ok()) return raw.status();
  if (raw->size() != crypto::kEd25519PrivateKeyBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("CA key file holds ", raw->size(), " bytes, not a 32-byte Ed25519 key"));
  }
  return crypto::Ed25519KeyPair::fromPrivateKey(*raw);
}

}  // namespace opengns::tools
