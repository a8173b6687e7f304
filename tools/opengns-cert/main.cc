// opengns-cert: a private certificate authority for opengns peers (p2p-and-auth.md §6.7,
// crypto.md §6). See usage() (cert_commands.cc). main() parses the command line and does
// the files; the commands are in cert_commands.cc.
#include <sys/stat.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "ca_key_file.h"
#include "cert_commands.h"
#include "connection/certificate.h"

namespace {

using opengns::Bytes;

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;  // an input error, or (verify) a certificate that is not valid
constexpr int kExitUsage = 2;

struct Args {
  std::string command;
  std::vector<std::string> positional;
  std::vector<std::pair<std::string, std::string>> options;  // --name value
  bool binary = false;

  std::optional<std::string> get(const std::string& name) const {
    for (const auto& [n, v] : options)
      if (n == name) return v;
    return std::nullopt;
  }
  std::vector<std::string> all(const std::string& name) const {
    std::vector<std::string> out;
    for (const auto& [n, v] : options)
      if (n == name) out.push_back(v);
    return out;
  }
};

std::optional<Args> parseArgs(int argc, char** argv) {
  if (argc < 2) return std::nullopt;
  Args args;
  args.command = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--binary") {
      args.binary = true;
    } else if (arg.rfind("--", 0) == 0) {
      if (i + 1 >= argc) return std::nullopt;
      args.options.emplace_back(arg.substr(2), argv[++i]);
    } else {
      args.positional.push_back(arg);
    }
  }
  return args;
}

std::optional<Bytes> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "opengns-cert: cannot read " << path << "\n";
    return std::nullopt;
  }
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool writeOutput(const std::optional<std::string>& path, const std::string& data, bool secret) {
  if (!path) {
    std::cout << data;
    return true;
  }
  std::ofstream out(*path, std::ios::binary | std::ios::trunc);
  if (!out || !(out << data)) {
    std::cerr << "opengns-cert: cannot write " << *path << "\n";
    return false;
  }
  out.close();
  if (secret) chmod(path->c_str(), S_IRUSR | S_IWUSR);  // the key never readable by others
  return true;
}

std::optional<opengns::crypto::Ed25519KeyPair> loadCaKey(const Args& args) {
  std::optional<std::string> path = args.get("ca-key");
  if (!path) {
    std::cerr << "opengns-cert: --ca-key CA_KEY_FILE is required\n";
    return std::nullopt;
  }
  std::optional<Bytes> text = readFile(*path);
  if (!text) return std::nullopt;
  auto key = opengns::tools::parseCaKeyFile(
      std::string_view(reinterpret_cast<const char*>(text->data()), text->size()));
  if (!key.ok()) {
    std::cerr << "opengns-cert: " << *path << ": " << key.status().message() << "\n";
    return std::nullopt;
  }
  return *std::move(key);
}

std::optional<uint32_t> parseId(const std::string& text) {
  uint32_t value = 0;
  if (!absl::SimpleAtoi(text, &value)) {
    std::cerr << "opengns-cert: \"" << text << "\" is not a number\n";
    return std::nullopt;
  }
  return value;
}

int64_t now() {
  return static_cast<int64_t>(std::time(nullptr));
}

int createCa(const Args& args) {
  std::optional<std::string> out = args.get("out");
  if (!out) {
    std::cerr << "opengns-cert: create-ca needs --out CA_KEY_FILE\n";
    return kExitUsage;
  }
  auto ca = opengns::tools::createCa();
  if (!ca.ok()) {
    std::cerr << "opengns-cert: " << ca.status().message() << "\n";
    return kExitFailed;
  }
  if (!writeOutput(out, ca->key_file, true)) return kExitFailed;
  std::cout << ca->summary;
  return kExitOk;
}

int caEntry(const Args& args) {
  std::optional<opengns::crypto::Ed25519KeyPair> ca = loadCaKey(args);
  if (!ca) return kExitFailed;
  std::cout << opengns::tools::trustEntryOf(ca->publicKey()) << "\n";
  return kExitOk;
}

int issue(const Args& args) {
  std::optional<opengns::crypto::Ed25519KeyPair> ca = loadCaKey(args);
  if (!ca) return kExitFailed;
  opengns::tools::IssueOptions options;
  options.identity = args.get("identity");
  if (std::optional<std::string> request_path = args.get("request")) {
    options.request = readFile(*request_path);
    if (!options.request) return kExitFailed;
  }
  if (std::optional<std::string> days = args.get("days")) {
    if (!absl::SimpleAtoi(*days, &options.days)) {
      std::cerr << "opengns-cert: --days \"" << *days << "\" is not a number\n";
      return kExitUsage;
    }
  }
  for (const std::string& app : args.all("app")) {
    std::optional<uint32_t> id = parseId(app);
    if (!id) return kExitUsage;
    options.app_ids.push_back(*id);
  }
  for (const std::string& pop : args.all("datacenter")) {
    std::optional<uint32_t> id = parseId(pop);
    if (!id) return kExitUsage;
    options.datacenter_ids.push_back(*id);
  }
  options.now_sec = now();
  auto cert = opengns::tools::issue(options, *ca);
  if (!cert.ok()) {
    std::cerr << "opengns-cert: " << cert.status().message() << "\n";
    return kExitFailed;
  }
  const std::string output =
      args.binary ? cert->SerializeAsString() : opengns::connection::certificateToPem(*cert);
  return writeOutput(args.get("out"), output, cert->has_private_key_data()) ? kExitOk : kExitFailed;
}

std::optional<opengns::wire::CertificateSigned> loadCert(const Args& args) {
  if (args.positional.size() != 1) {
    std::cerr << "opengns-cert: give one CERT_FILE\n";
    return std::nullopt;
  }
  std::optional<Bytes> contents = readFile(args.positional[0]);
  if (!contents) return std::nullopt;
  auto cert = opengns::tools::parseCertFile(*contents);
  if (!cert.ok()) {
    std::cerr << "opengns-cert: " << args.positional[0] << ": " << cert.status().message() << "\n";
    return std::nullopt;
  }
  return *std::move(cert);
}

int show(const Args& args) {
  std::optional<opengns::wire::CertificateSigned> cert = loadCert(args);
  if (!cert) return kExitFailed;
  std::cout << opengns::tools::describe(*cert);
  return kExitOk;
}

int verify(const Args& args) {
  std::string entries;
  if (std::optional<std::string> entry = args.get("ca-entry")) {
    entries = *entry;
  } else {
    std::optional<opengns::crypto::Ed25519KeyPair> ca = loadCaKey(args);
    if (!ca) return kExitFailed;
    entries = opengns::tools::trustEntryOf(ca->publicKey());
  }
  uint32_t app_id = 0;
  if (std::optional<std::string> app = args.get("app")) {
    std::optional<uint32_t> id = parseId(*app);
    if (!id) return kExitUsage;
    app_id = *id;
  }
  std::optional<opengns::wire::CertificateSigned> cert = loadCert(args);
  if (!cert) return kExitFailed;
  auto why_not = opengns::tools::verify(*cert, entries, app_id, now());
  if (!why_not.ok()) {
    std::cerr << "opengns-cert: " << why_not.status().message() << "\n";
    return kExitUsage;
  }
  if (!why_not->empty()) {
    std::cout << "NOT VALID: " << *why_not << "\n";
    return kExitFailed;
  }
  std::cout << "OK: signed by the CA, valid now, for app id " << app_id << "\n";
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<Args> args = parseArgs(argc, argv);
  if (!args || args->command == "help" || args->command == "--help") {
    std::cerr << opengns::tools::usage();
    return args ? kExitOk : kExitUsage;
  }
  if (args->command == "create-ca") return createCa(*args);
  if (args->command == "ca-entry") return caEntry(*args);
  if (args->command == "issue") return issue(*args);
  if (args->command == "show") return show(*args);
  if (args->command == "verify") return verify(*args);
  std::cerr << "opengns-cert: unknown command \"" << args->command << "\"\n"
            << opengns::tools::usage();
  return kExitUsage;
}
