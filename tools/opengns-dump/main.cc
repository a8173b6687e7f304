// opengns-dump: prints a captured GameNetworkingSockets session, decoded. See
// dumpUsage() (dump_options.cc) for the command line. main() only wires the pieces:
// read the capture and key log, decide directions, decode each datagram, render.
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "dump_options.h"
#include "dump_render.h"
#include "key_log.h"
#include "pcap_reader.h"
#include "session_decoder.h"
#include "session_endpoints.h"

namespace {

using opengns::tools::DumpOptions;
using opengns::tools::KeyLog;

constexpr int kExitOk = 0;
constexpr int kExitInputError = 1;
constexpr int kExitUsage = 2;

std::string decryptionLine(const DumpOptions& options, const KeyLog* key_log) {
  if (key_log == nullptr) {
    return "no key log: data packets are decoded when the handshake offers only the NULL "
           "cipher; encrypted ones are shown as headers only";
  }
  std::string directions;
  if (key_log->keysOfSender(opengns::crypto::Role::kClient)) directions = "c2s";
  if (key_log->keysOfSender(opengns::crypto::Role::kServer)) {
    absl::StrAppend(&directions, directions.empty() ? "" : " and ", "s2c");
  }
  return absl::StrCat("key log ", *options.keylog_path, ": cipher ",
                      std::string(opengns::tools::cipherName(key_log->cipher)), ", keys for ",
                      directions);
}

int run(const DumpOptions& options) {
  auto datagrams = opengns::tools::readPcapFile(options.capture_path);
  if (!datagrams.ok()) {
    std::cerr << "opengns-dump: " << datagrams.status().message() << "\n";
    return kExitInputError;
  }
  std::optional<KeyLog> key_log;
  if (options.keylog_path) {
    auto loaded = opengns::tools::readKeyLogFile(*options.keylog_path);
    if (!loaded.ok()) {
      std::cerr << "opengns-dump: " << loaded.status().message() << "\n";
      return kExitInputError;
    }
    key_log = std::move(*loaded);
  }
  const KeyLog* key_log_ptr = key_log ? &*key_log : nullptr;
  auto decoder = opengns::tools::SessionDecoder::create(
      opengns::tools::identifyEndpoints(*datagrams, options.server_port), key_log_ptr);
  if (!decoder.ok()) {
    std::cerr << "opengns-dump: key log: " << decoder.status().message() << "\n";
    return kExitInputError;
  }

  const double start_sec = datagrams->empty() ? 0 : datagrams->front().time_sec;
  opengns::tools::DumpRenderer renderer(options, std::cout);
  renderer.header({options.capture_path, datagrams->size(),
                   datagrams->empty() ? 0 : datagrams->back().time_sec - start_sec,
                   decoder->endpoints(), decryptionLine(options, key_log_ptr)});
  for (size_t i = 0; i < datagrams->size(); ++i) {
    const opengns::tools::CapturedDatagram& datagram = (*datagrams)[i];
    renderer.packet(decoder->decode(i, datagram.time_sec - start_sec, datagram));
  }
  renderer.totals();
  std::cout.flush();
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  const std::vector<std::string> args(argv + 1, argv + argc);
  auto options = opengns::tools::parseDumpArguments(args);
  if (!options.ok()) {
    std::cerr << "opengns-dump: " << options.status().message() << "\n\n"
              << opengns::tools::dumpUsage();
    return kExitUsage;
  }
  if (options->show_help) {
    std::cout << opengns::tools::dumpUsage();
    return kExitOk;
  }
  return run(*options);
}
