#include "support/vectors.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace opengns::testing {

std::optional<std::filesystem::path> sharedDir() {
  std::filesystem::path dir;
  if (const char* env = std::getenv("OPENGNS_SHARED_DIR"); env && *env) {
    dir = env;
  } else {
    dir = OPENGNS_SHARED_DIR_DEFAULT;
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(dir / "vectors", ec)) return std::nullopt;
  return dir;
}

std::filesystem::path vectorsDir() {
  return sharedDir().value_or("/nonexistent") / "vectors";
}

std::filesystem::path testDataDir() {
  return OPENGNS_TEST_DATA_DIR;
}

nlohmann::json loadJson(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) {
    ADD_FAILURE() << "cannot open " << path;
    return {};
  }
  return nlohmann::json::parse(in);
}

std::vector<nlohmann::json> loadJsonLines(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) ADD_FAILURE() << "cannot open " << path;
  std::vector<nlohmann::json> out;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

Bytes hexBytes(const std::string& hex) {
  auto bytes = fromHex(hex);
  if (!bytes.ok()) {
    ADD_FAILURE() << bytes.status();
    return {};
  }
  return *std::move(bytes);
}

const std::vector<std::string>& udpSessionNames() {
  static const std::vector<std::string> names = {
      "unencrypted_session",     "encrypted_session", "chat_session", "fragment_session",
      "lossy_session",           "lanes_session",     "idle_session", "stats_session",
      "stats_long_session",      "timesince_session", "ipv6_session", "lanes_many_session",
      "unreliable_sizes_session"};
  return names;
}

const std::vector<std::string>& keylogSessionNames() {
  static const std::vector<std::string> names = {"unencrypted_session", "encrypted_session",
                                                 "chat_session"};
  return names;
}

}  // namespace opengns::testing
