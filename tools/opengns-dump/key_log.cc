#include "key_log.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/bytes.h"

namespace opengns::tools {

namespace {

using nlohmann::json;

absl::Status fieldError(size_t line_number, std::string_view field, std::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat("key log line ", line_number, ": field '",
                                                 std::string(field), "' ", std::string(problem)));
}

absl::StatusOr<uint64_t> unsignedField(const json& line, size_t line_number, const char* field,
                                       uint64_t max_value) {
  const auto it = line.find(field);
  if (it == line.end()) return fieldError(line_number, field, "is missing");
  if (!it->is_number_unsigned() || it->get<uint64_t>() > max_value) {
    return fieldError(line_number, field,
                      absl::StrCat("is not an integer in 0..", max_value, ": ", it->dump()));
  }
  return it->get<uint64_t>();
}

// Fills `out` from a hex string field of exactly out.size() bytes.
absl::Status hexField(const json& line, size_t line_number, const char* field,
                      MutableByteSpan out) {
  const auto it = line.find(field);
  if (it == line.end()) return fieldError(line_number, field, "is missing");
  if (!it->is_string()) return fieldError(line_number, field, "is not a hex string");
  auto bytes = fromHex(it->get<std::string>());
  if (!bytes.ok()) return fieldError(line_number, field, "is not valid hex");
  if (bytes->size() != out.size()) {
    return fieldError(line_number, field,
                      absl::StrCat("has ", bytes->size(), " bytes, expected ", out.size()));
  }
  std::copy(bytes->begin(), bytes->end(), out.begin());
  std::fill(bytes->begin(), bytes->end(), uint8_t{0});  // do not leave a key copy behind
  return absl::OkStatus();
}

absl::StatusOr<LoggedEndpoint> parseEndpoint(const json& line, size_t line_number) {
  LoggedEndpoint endpoint;
  auto local = unsignedField(line, line_number, "connection_id_local", UINT32_MAX);
  if (!local.ok()) return local.status();
  auto remote = unsignedField(line, line_number, "connection_id_remote", UINT32_MAX);
  if (!remote.ok()) return remote.status();
  endpoint.connection_id_local = static_cast<uint32_t>(*local);
  endpoint.connection_id_remote = static_cast<uint32_t>(*remote);
  for (const absl::Status& status :
       {hexField(line, line_number, "key_send", endpoint.key_send.mutableSpan()),
        hexField(line, line_number, "key_recv", endpoint.key_recv.mutableSpan()),
        hexField(line, line_number, "iv_send", endpoint.iv_send),
        hexField(line, line_number, "iv_recv", endpoint.iv_recv)}) {
    if (!status.ok()) return status;
  }
  return endpoint;
}

}  // namespace

std::optional<SenderKeys> KeyLog::keysOfSender(crypto::Role sender) const {
  const std::optional<LoggedEndpoint>& own = sender == crypto::Role::kClient ? client : server;
  const std::optional<LoggedEndpoint>& peer = sender == crypto::Role::kClient ? server : client;
  if (own) return SenderKeys{own->key_send, own->iv_send};
  if (peer) return SenderKeys{peer->key_recv, peer->iv_recv};
  return std::nullopt;
}

absl::StatusOr<KeyLog> parseKeyLog(std::string_view text) {
  KeyLog log;
  std::istringstream in{std::string(text)};
  std::string raw_line;
  size_t line_number = 0;
  while (std::getline(in, raw_line)) {
    ++line_number;
    if (raw_line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const json line = json::parse(raw_line, nullptr, /*allow_exceptions=*/false);
    if (line.is_discarded() || !line.is_object()) {
      return absl::InvalidArgumentError(
          absl::StrCat("key log line ", line_number, ": not a JSON object"));
    }
    const auto role = line.find("role");
    if (role == line.end() || !role->is_string()) {
      return fieldError(line_number, "role", "is missing or not a string");
    }
    const std::string role_name = role->get<std::string>();
    std::optional<LoggedEndpoint>* slot = role_name == "client"   ? &log.client
                                          : role_name == "server" ? &log.server
                                                                  : nullptr;
    if (slot == nullptr) {
      return fieldError(line_number, "role",
                        absl::StrCat("is '", role_name, "', expected 'client' or 'server'"));
    }
    if (slot->has_value()) {
      return fieldError(line_number, "role", absl::StrCat("'", role_name, "' appears twice"));
    }
    auto cipher_value = unsignedField(line, line_number, "negotiated_cipher", UINT32_MAX);
    if (!cipher_value.ok()) return cipher_value.status();
    const auto cipher = static_cast<crypto::CipherId>(*cipher_value);
    if (cipher != crypto::CipherId::kNull && cipher != crypto::CipherId::kAes256Gcm) {
      return fieldError(
          line_number, "negotiated_cipher",
          absl::StrCat("is ", *cipher_value, ", expected 1 (NULL) or 2 (AES-256-GCM)"));
    }
    if (log.cipher != crypto::CipherId::kInvalid && log.cipher != cipher) {
      return fieldError(line_number, "negotiated_cipher",
                        absl::StrCat("is ", *cipher_value, " but the other endpoint logged ",
                                     static_cast<uint32_t>(log.cipher)));
    }
    log.cipher = cipher;
    auto endpoint = parseEndpoint(line, line_number);
    if (!endpoint.ok()) return endpoint.status();
    *slot = std::move(*endpoint);
  }
  if (!log.client && !log.server) {
    return absl::InvalidArgumentError("key log: no 'client' or 'server' line");
  }
  return log;
}

absl::StatusOr<KeyLog> readKeyLogFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open key log '", path, "'"));
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat("cannot read key log '", path, "'"));
  auto log = parseKeyLog(contents.str());
  if (!log.ok()) {
    return absl::Status(log.status().code(), absl::StrCat(path, ": ", log.status().message()));
  }
  return log;
}

std::string_view cipherName(crypto::CipherId cipher) {
  switch (cipher) {
    case crypto::CipherId::kNull:
      return "NULL (no encryption)";
    case crypto::CipherId::kAes256Gcm:
      return "AES-256-GCM";
    case crypto::CipherId::kInvalid:
      break;
  }
  return "unknown";
}

}  // namespace opengns::tools
