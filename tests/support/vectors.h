// Access to ../shared for the tests: the protocol's recorded sessions (vectors) and
// the conformance peer. A user's clone may not have ../shared; tests that need it
// call OPENGNS_REQUIRE_SHARED() and are skipped with a clear message then.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"

namespace opengns::testing {

// The shared/ folder: $OPENGNS_SHARED_DIR, else the path configured at build time.
std::optional<std::filesystem::path> sharedDir();
std::filesystem::path vectorsDir();   // sharedDir()/vectors; only valid if sharedDir()
std::filesystem::path testDataDir();  // tests/data in the source tree

nlohmann::json loadJson(const std::filesystem::path& path);
// Loads a JSON-lines file (one document per line).
std::vector<nlohmann::json> loadJsonLines(const std::filesystem::path& path);
Bytes hexBytes(const std::string& hex);  // fails the test on bad hex

// The 13 recorded UDP sessions (P2P sessions excluded).
const std::vector<std::string>& udpSessionNames();
// Sessions that ship a keylog.jsonl.
const std::vector<std::string>& keylogSessionNames();

}  // namespace opengns::testing

#define OPENGNS_REQUIRE_SHARED()                                                           \
  do {                                                                                     \
    if (!::opengns::testing::sharedDir()) {                                                \
      GTEST_SKIP() << "../shared not found (set OPENGNS_SHARED_DIR): vector test skipped"; \
    }                                                                                      \
  } while (0)
