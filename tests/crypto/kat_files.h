// Test-only readers for the known-answer files of Debian's python3-cryptography-vectors
// package (NIST CAVP .rsp files, the RFC 7748 and RFC 4231 text files, RFC 8032's
// sign.input). Header-only because the test CMake builds only *_test.cc files.
//
// The package is not part of ../shared; tests call OPENGNS_REQUIRE_KAT_DIR() and are
// skipped with a clear message when it is missing.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/bytes.h"

namespace opengns::crypto::testing {

inline std::filesystem::path katDir() {
  if (const char* env = std::getenv("OPENGNS_CRYPTO_KAT_DIR"); env && *env) return env;
  return "/usr/lib/python3/dist-packages/cryptography_vectors";
}

inline bool katDirPresent() {
  std::error_code ec;
  return std::filesystem::is_directory(katDir(), ec);
}

// One test case: its `Key = value` lines plus the `[Key = value]` section lines in
// force at that point (a record's own lines win), and bare words such as FAIL.
struct KatRecord {
  std::map<std::string, std::string> fields;
  std::set<std::string> flags;

  bool has(const std::string& key) const { return fields.count(key) != 0; }
  const std::string& at(const std::string& key) const {
    static const std::string kMissing;
    auto it = fields.find(key);
    if (it == fields.end()) {
      ADD_FAILURE() << "KAT record has no field " << key;
      return kMissing;
    }
    return it->second;
  }
  Bytes bytes(const std::string& key) const {
    auto parsed = fromHex(at(key));
    if (!parsed.ok()) {
      ADD_FAILURE() << "KAT field " << key << ": " << parsed.status();
      return {};
    }
    return *std::move(parsed);
  }
};

namespace internal {
inline std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}
}  // namespace internal

// Blank lines separate records; `#` lines are comments.
inline std::vector<KatRecord> readKatRecords(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) {
    ADD_FAILURE() << "cannot open " << path;
    return {};
  }
  std::vector<KatRecord> records;
  std::map<std::string, std::string> section;
  KatRecord current;
  auto flush = [&] {
    if (!current.fields.empty()) {
      for (const auto& [k, v] : section)
        current.fields.emplace(k, v);  // emplace: record's own value wins
      records.push_back(std::move(current));
    }
    current = KatRecord{};
  };
  std::string raw;
  while (std::getline(in, raw)) {
    std::string line = internal::trim(raw);
    if (line.empty()) {
      flush();
      continue;
    }
    if (line[0] == '#') continue;
    bool is_section = line.front() == '[' && line.back() == ']';
    std::string body = is_section ? line.substr(1, line.size() - 2) : line;
    size_t eq = body.find('=');
    if (eq == std::string::npos) {
      if (!is_section) current.flags.insert(body);
      continue;
    }
    std::string key = internal::trim(body.substr(0, eq));
    std::string value = internal::trim(body.substr(eq + 1));
    if (is_section) {
      section[key] = value;
    } else {
      current.fields[key] = value;
    }
  }
  flush();
  return records;
}

// RFC 8032 sign.input line: seed‖pk : pk : message : signature‖message :
struct Ed25519SignCase {
  Bytes seed;
  Bytes public_key;
  Bytes message;
  Bytes signature;
};

inline std::vector<Ed25519SignCase> readEd25519SignInput(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) {
    ADD_FAILURE() << "cannot open " << path;
    return {};
  }
  std::vector<Ed25519SignCase> cases;
  std::string line;
  while (std::getline(in, line)) {
    line = internal::trim(line);
    if (line.empty()) continue;
    std::vector<std::string> parts;
    size_t start = 0;
    for (size_t colon; (colon = line.find(':', start)) != std::string::npos; start = colon + 1)
      parts.push_back(line.substr(start, colon - start));
    if (parts.size() < 4) {
      ADD_FAILURE() << "sign.input line with " << parts.size() << " fields";
      continue;
    }
    auto secret = fromHex(parts[0]);
    auto pk = fromHex(parts[1]);
    auto msg = fromHex(parts[2]);
    auto sig = fromHex(parts[3]);
    if (!secret.ok() || !pk.ok() || !msg.ok() || !sig.ok() || secret->size() != 64 ||
        sig->size() < 64) {
      ADD_FAILURE() << "bad sign.input line: " << line.substr(0, 80);
      continue;
    }
    cases.push_back({Bytes(secret->begin(), secret->begin() + 32), *pk, *msg,
                     Bytes(sig->begin(), sig->begin() + 64)});
  }
  return cases;
}

}  // namespace opengns::crypto::testing

#define OPENGNS_REQUIRE_KAT_DIR()                                                                  \
  do {                                                                                             \
    if (!::opengns::crypto::testing::katDirPresent()) {                                            \
      GTEST_SKIP() << "known-answer vectors not found at " << ::opengns::crypto::testing::katDir() \
                   << " (install python3-cryptography-vectors or set OPENGNS_CRYPTO_KAT_DIR)";     \
    }                                                                                              \
  } while (0)
