// The command line of opengns-dump, parsed into options. Kept apart from main() so that
// the rules (one capture path, each flag at most once, a port in 1..65535) live in one
// place and every mistake gives a message that says what was wrong.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace opengns::tools {

// The port the recorded sessions' server listens on (../shared/vectors/README.md).
inline constexpr uint16_t kDefaultServerPort = 27020;

struct DumpOptions {
  std::string capture_path;
  std::optional<std::string> keylog_path;     // --keylog: secrets to decrypt AES-GCM chunks
  uint16_t server_port = kDefaultServerPort;  // --server-port: direction fallback only
  bool show_frames = true;                    // --no-frames clears it
  bool show_messages = true;                  // --no-messages clears it
  bool show_hex = false;                      // --hex: payload and plaintext bytes
  bool show_help = false;                     // --help / -h
};

// `args` excludes the program name. Accepts "--keylog FILE" and "--keylog=FILE" (same
// for --server-port). Errors name the argument at fault.
absl::StatusOr<DumpOptions> parseDumpArguments(const std::vector<std::string>& args);

// The usage text printed by --help and after an argument error.
std::string dumpUsage();

}  // namespace opengns::tools
