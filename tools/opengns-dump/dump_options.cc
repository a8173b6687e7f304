#include "dump_options.h"

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace opengns::tools {

namespace {

// Splits "--name=value" into name and value; a plain "--name" gets no value.
struct SplitArgument {
  std::string name;
  std::optional<std::string> inline_value;
};

SplitArgument splitArgument(const std::string& arg) {
  const size_t eq = arg.find('=');
  if (arg.rfind("--", 0) != 0 || eq == std::string::npos) return {arg, std::nullopt};
  return {arg.substr(0, eq), arg.substr(eq + 1)};
}

}  // namespace

absl::StatusOr<DumpOptions> parseDumpArguments(const std::vector<std::string>& args) {
  DumpOptions options;
  bool have_capture = false;
  bool have_port = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const SplitArgument arg = splitArgument(args[i]);
    // Fetches the value of an option that takes one, inline or as the next argument.
    auto value = [&]() -> absl::StatusOr<std::string> {
      if (arg.inline_value) return *arg.inline_value;
      if (i + 1 >= args.size()) {
        return absl::InvalidArgumentError(absl::StrCat(arg.name, " needs a value"));
      }
      return args[++i];
    };
    if (arg.name == "--help" || arg.name == "-h") {
      options.show_help = true;
    } else if (arg.name == "--keylog") {
      if (options.keylog_path) return absl::InvalidArgumentError("--keylog given twice");
      auto path = value();
      if (!path.ok()) return path.status();
      if (path->empty()) return absl::InvalidArgumentError("--keylog: empty path");
      options.keylog_path = *path;
    } else if (arg.name == "--server-port") {
      if (have_port) return absl::InvalidArgumentError("--server-port given twice");
      auto text = value();
      if (!text.ok()) return text.status();
      uint32_t port = 0;
      if (!absl::SimpleAtoi(*text, &port) || port == 0 || port > 65535) {
        return absl::InvalidArgumentError(
            absl::StrCat("--server-port: '", *text, "' is not a port number (1-65535)"));
      }
      options.server_port = static_cast<uint16_t>(port);
      have_port = true;
    } else if (arg.name == "--no-frames" && !arg.inline_value) {
      options.show_frames = false;
    } else if (arg.name == "--no-messages" && !arg.inline_value) {
      options.show_messages = false;
    } else if (arg.name == "--hex" && !arg.inline_value) {
      options.show_hex = true;
    } else if (arg.name.size() > 1 && arg.name[0] == '-') {
      return absl::InvalidArgumentError(absl::StrCat("unknown option '", args[i], "'"));
    } else {
      if (have_capture) {
        return absl::InvalidArgumentError(absl::StrCat(
            "more than one capture given ('", options.capture_path, "' and '", args[i], "')"));
      }
      options.capture_path = args[i];
      have_capture = true;
    }
  }
  if (!have_capture && !options.show_help) {
    return absl::InvalidArgumentError("no capture file given");
  }
  return options;
}

std::string dumpUsage() {
  return absl::StrCat(
      "usage: opengns-dump CAPTURE.pcap [--keylog KEYLOG.jsonl] [--server-port N]\n"
      "                    [--no-frames] [--no-messages] [--hex]\n"
      "\n"
      "Prints every UDP datagram of a GameNetworkingSockets session, decoded: control\n"
      "messages with all their fields, data packet headers, the SNP frames inside\n"
      "(decrypted with the key log when the session is encrypted) and the application\n"
      "messages as they complete, then per-direction totals.\n"
      "\n"
      "  --keylog FILE     per-endpoint secrets, one JSON line per endpoint (the format of\n"
      "                    ../shared/vectors/*.keylog.jsonl); needed for AES-GCM sessions\n"
      "  --server-port N   the server's UDP port, used to tell the directions apart when\n"
      "                    the capture has no ChallengeRequest (default ",
      kDefaultServerPort,
      ")\n"
      "  --no-frames       do not list the SNP frames of each data packet\n"
      "  --no-messages     do not list the application messages\n"
      "  --hex             also print the UDP payload and the plaintext in hex\n"
      "\n"
      "Decode errors are printed on the packet they belong to; the dump goes on.\n"
      "Exit status: 0 when the capture was read (even with decode errors), 1 when the\n"
      "capture or the key log cannot be read, 2 on a usage error.\n");
}

}  // namespace opengns::tools
