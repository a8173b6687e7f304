// Reads a key log: one JSON object per line, one line per endpoint ("client",
// "server"), in the format of ../shared/vectors/*.keylog.jsonl (README "Field
// reference"). The dump needs only the negotiated cipher and, for each direction, the
// sender's key_send / iv_send; the connection ids are kept to label packets.
//
// Guarantees: any malformed input (bad JSON, a missing or mistyped field, hex of the
// wrong length, two endpoints that disagree on the cipher) is an error naming the line
// and the field; secrets are held in self-wiping arrays.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "crypto/crypto_constants.h"
#include "crypto/key_schedule.h"

namespace opengns::tools {

// What one endpoint logged, from its own point of view.
struct LoggedEndpoint {
  uint32_t connection_id_local = 0;
  uint32_t connection_id_remote = 0;
  crypto::AesKey key_send;
  crypto::AesKey key_recv;
  crypto::AesGcmIv iv_send{};
  crypto::AesGcmIv iv_recv{};
};

// The key and base IV that protect the chunks one endpoint sends.
struct SenderKeys {
  crypto::AesKey key;
  crypto::AesGcmIv iv{};
};

struct KeyLog {
  crypto::CipherId cipher = crypto::CipherId::kInvalid;
  std::optional<LoggedEndpoint> client;
  std::optional<LoggedEndpoint> server;

  // The sender's own key_send/iv_send, or else the other endpoint's key_recv/iv_recv
  // (the same values); nullopt when neither endpoint's line is present.
  std::optional<SenderKeys> keysOfSender(crypto::Role sender) const;
};

absl::StatusOr<KeyLog> parseKeyLog(std::string_view text);
absl::StatusOr<KeyLog> readKeyLogFile(const std::string& path);

std::string_view cipherName(crypto::CipherId cipher);

}  // namespace opengns::tools
