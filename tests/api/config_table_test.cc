// Checks the config table against config.md itself: the spec's tables (§1.4.x, §8) are parsed
// at test time and every row is compared with the table (id, name, type, scope, default,
// range, registration), so the expectations come from the spec text, not from the table.
// A hand-transcribed subset runs even without ../shared. Also: table invariants, the
// iteration and info calls of §1.8, and the compatibility names of §6.4.
#include "api/config_table.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "opengns/compat_config.h"
#include "opengns/config.h"
#include "support/vectors.h"

namespace opengns::api {
namespace {

// ---------------------------------------------------------------------------------------
// Parsing config.md's tables.

struct SpecRow {
  std::string section;  // e.g. "1.4.2" or "8"
  int32_t id = 0;
  std::map<std::string, std::string> cells;  // column header -> cell text
};

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  size_t e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::vector<std::string> splitRow(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream ss(line);
  std::string cell;
  std::getline(ss, cell, '|');  // text before the first '|'
  while (std::getline(ss, cell, '|'))
    cells.push_back(trim(cell));
  if (!cells.empty() && cells.back().empty()) cells.pop_back();
  return cells;
}

// Rows of every table whose first column is "id" in sections 1.4.x and 8.
std::vector<SpecRow> parseSpecRows() {
  std::vector<SpecRow> rows;
  std::ifstream in(*testing::sharedDir() / "protocol" / "config.md");
  EXPECT_TRUE(in.good()) << "cannot open config.md";
  std::string line;
  std::string section;
  std::vector<std::string> header;
  const std::regex heading(R"(^#+\s+([0-9][0-9.]*)\s)");
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_search(line, m, heading)) {
      section = m[1];
      if (!section.empty() && section.back() == '.') section.pop_back();  // "## 8. ..."
      header.clear();
      continue;
    }
    const bool in_scope = section.rfind("1.4.", 0) == 0 || section == "8";
    if (!in_scope || line.empty() || line[0] != '|') {
      if (line.empty() || line[0] != '|') header.clear();
      continue;
    }
    std::vector<std::string> cells = splitRow(line);
    if (cells.empty()) continue;
    if (cells[0] == "id") {
      header = cells;
      continue;
    }
    if (header.empty() || cells[0].find_first_not_of("-: ") == std::string::npos) continue;
    SpecRow row;
    row.section = section;
    row.id = std::stoi(cells[0]);
    for (size_t i = 0; i < cells.size() && i < header.size(); ++i)
      row.cells[header[i]] = cells[i];
    rows.push_back(row);
  }
  return rows;
}

// First decimal number in a cell ("524288 (512 KiB)" -> 524288), or nullopt ("-", "?").
std::optional<double> firstNumber(const std::string& text) {
  static const std::regex number(R"(-?[0-9]+(\.[0-9]+)?)");
  std::smatch m;
  if (!std::regex_search(text, m, number)) return std::nullopt;
  return std::stod(m[0]);
}

std::optional<ConfigDataType> specType(const std::string& text) {
  if (text == "int32") return ConfigDataType::kInt32;
  if (text == "int64") return ConfigDataType::kInt64;
  if (text == "float") return ConfigDataType::kFloat;
  if (text == "string") return ConfigDataType::kString;
  if (text == "Ptr") return ConfigDataType::kPtr;
  return std::nullopt;  // "-" for Invalid / DELETED
}

TEST(ConfigTableSpecTest, EveryRowOfConfigMdMatchesTheTable) {
  OPENGNS_REQUIRE_SHARED();
  std::vector<SpecRow> rows = parseSpecRows();
  // §1.4.1-1.4.13 list 77 ids and §8 three: check that the parser found every table.
  ASSERT_GE(rows.size(), 80u);

  std::set<int32_t> spec_ids;
  for (const SpecRow& row : rows) {
    SCOPED_TRACE("config.md §" + row.section + " id " + std::to_string(row.id));
    EXPECT_TRUE(spec_ids.insert(row.id).second) << "id listed twice in config.md";
    const ConfigEntry* e = findConfigEntry(static_cast<ConfigValue>(row.id));
    ASSERT_NE(e, nullptr) << "id missing from the table";
    EXPECT_EQ(e->name, row.cells.at("name"));

    if (std::optional<ConfigDataType> type = specType(row.cells.at("type"))) {
      EXPECT_EQ(e->type, *type);
    }

    const std::string scope = row.cells.at("scope");
    if (row.section == "8") {
      // "global" = global only; "global, socket, connection" = inherited connection value;
      // "connection (...)" = connection only.
      EXPECT_TRUE(e->has(kConfigFlagExtension));
      if (scope == "global") {
        EXPECT_EQ(e->scope, ConfigScope::kGlobal);
      } else if (scope.rfind("global,", 0) == 0) {
        EXPECT_EQ(e->scope, ConfigScope::kConnection);
        EXPECT_FALSE(e->has(kConfigFlagConnectionOnly));
      } else {
        EXPECT_EQ(scope.rfind("connection", 0), 0u);
        EXPECT_TRUE(e->has(kConfigFlagConnectionOnly));
      }
    } else if (scope == "conn") {
      EXPECT_EQ(e->scope, ConfigScope::kConnection);
    } else if (scope == "global") {
      EXPECT_EQ(e->scope, ConfigScope::kGlobal);
    }

    // Registration: Y = registered; S = Steam/SDR builds only (unregistered); C = conditional,
    // registered per config.md §7.1's recommendations (ICE builds, Messages callbacks) and
    // because Linux can set ECN; "never" = never valid; "special" = derived (MTU_DataSize).
    // §8 rows have no reg column: opengns registers its own extensions.
    const std::string reg = row.cells.count("reg") ? row.cells.at("reg") : "Y";
    if (reg == "Y" || reg[0] == 'C') {
      EXPECT_TRUE(e->registered());
    } else if (reg[0] == 'S') {
      EXPECT_TRUE(e->has(kConfigFlagUnregistered));
      EXPECT_FALSE(e->registered());
    } else if (reg == "never") {
      EXPECT_TRUE(e->has(kConfigFlagNeverValid));
    } else {
      EXPECT_EQ(reg, "special");
      EXPECT_TRUE(e->has(kConfigFlagDerivedReadOnly));
    }
    if (!e->registered()) continue;

    // Defaults and ranges of registered values (the open-source build's, listed first).
    const std::string def = row.cells.count("default") ? row.cells.at("default") : "";
    switch (e->type) {
      case ConfigDataType::kInt32:
      case ConfigDataType::kInt64: {
        std::optional<double> d = firstNumber(def);
        ASSERT_TRUE(d.has_value()) << "default '" << def << "'";
        // opengns changes one default on purpose (config_table.h): SendRateMax.
        const int64_t expected_default = e->id == ConfigValue::kSendRateMax
                                             ? kOpengnsSendRateMaxDefault
                                             : static_cast<int64_t>(*d);
        EXPECT_EQ(e->int_default, expected_default);
        std::optional<double> lo =
            row.cells.count("min") ? firstNumber(row.cells.at("min")) : std::nullopt;
        std::optional<double> hi =
            row.cells.count("max") ? firstNumber(row.cells.at("max")) : std::nullopt;
        // §8's table has no min/max columns: only check ranges where the spec gives them.
        if (row.cells.count("min")) {
          EXPECT_EQ(e->has_range, lo.has_value() && hi.has_value());
        }
        if (lo) {
          EXPECT_EQ(e->int_min, static_cast<int64_t>(*lo));
        }
        if (hi) {
          EXPECT_EQ(e->int_max, static_cast<int64_t>(*hi));
        }
        break;
      }
      case ConfigDataType::kFloat: {
        EXPECT_FLOAT_EQ(e->float_default, static_cast<float>(*firstNumber(def)));
        EXPECT_FLOAT_EQ(e->float_min, static_cast<float>(*firstNumber(row.cells.at("min"))));
        EXPECT_FLOAT_EQ(e->float_max, static_cast<float>(*firstNumber(row.cells.at("max"))));
        EXPECT_TRUE(e->has_range);
        break;
      }
      case ConfigDataType::kString:
        EXPECT_EQ(def, "\"\"");
        EXPECT_EQ(e->string_default, "");
        EXPECT_FALSE(e->has_range);
        break;
      case ConfigDataType::kPtr:
        EXPECT_EQ(def, "null");
        EXPECT_EQ(std::get<void*>(e->defaultValue()), nullptr);
        break;
    }
  }

  // The table has nothing the spec does not list.
  for (const ConfigEntry& e : allConfigEntries()) {
    EXPECT_TRUE(spec_ids.count(static_cast<int32_t>(e.id))) << "table id " << int(e.id);
  }
}

// ---------------------------------------------------------------------------------------
// Hand-transcribed rows of config.md §1.4 / §8 (run without ../shared too).

struct Expected {
  ConfigValue id;
  int32_t number;
  const char* name;
  ConfigDataType type;
  ConfigScope scope;
  double def, min, max;
};

TEST(ConfigTableTest, TranscribedRowsFromConfigMd) {
  using D = ConfigDataType;
  constexpr ConfigScope kC = ConfigScope::kConnection;
  constexpr ConfigScope kG = ConfigScope::kGlobal;
  const Expected rows[] = {
      {ConfigValue::kTimeoutInitial, 24, "TimeoutInitial", D::kInt32, kC, 10000, 0, 2147483647},
      {ConfigValue::kTimeoutConnected, 25, "TimeoutConnected", D::kInt32, kC, 10000, 0, 2147483647},
      {ConfigValue::kSendBufferSize, 9, "SendBufferSize", D::kInt32, kC, 524288, 4096, 268435456},
      {ConfigValue::kRecvBufferSize, 47, "RecvBufferSize", D::kInt32, kC, 1048576, 4096, 268435456},
      {ConfigValue::kRecvBufferMessages, 48, "RecvBufferMessages", D::kInt32, kC, 1000, 2,
       268435456},
      {ConfigValue::kRecvMaxMessageSize, 49, "RecvMaxMessageSize", D::kInt32, kC, 524288, 64,
       268435456},
      {ConfigValue::kRecvMaxSegmentsPerPacket, 50, "RecvMaxSegmentsPerPacket", D::kInt32, kC, 1300,
       1, 1300},
      {ConfigValue::kSendRateMin, 10, "SendRateMin", D::kInt32, kC, 262144, 1024, 268435456},
      // opengns default (config.md says 262144): no upper clamp, see config_table.h.
      {ConfigValue::kSendRateMax, 11, "SendRateMax", D::kInt32, kC, 268435456, 1024, 268435456},
      {ConfigValue::kNagleTime, 12, "NagleTime", D::kInt32, kC, 5000, 0, 20000},
      {ConfigValue::kMTUPacketSize, 32, "MTU_PacketSize", D::kInt32, kC, 1300, 200, 1300},
      {ConfigValue::kUnencrypted, 34, "Unencrypted", D::kInt32, kC, 0, 0, 3},
      {ConfigValue::kIPAllowWithoutAuth, 23, "IP_AllowWithoutAuth", D::kInt32, kC, 2, 0, 2},
      {ConfigValue::kIPLocalHostAllowWithoutAuth, 52, "IPLocalHost_AllowWithoutAuth", D::kInt32, kC,
       2, 0, 2},
      {ConfigValue::kSymmetricConnect, 37, "SymmetricConnect", D::kInt32, kC, 0, 0, 1},
      {ConfigValue::kLocalVirtualPort, 38, "LocalVirtualPort", D::kInt32, kC, -1, -1, 2147483647},
      {ConfigValue::kSendTimeSincePreviousPacket, 59, "SendTimeSincePreviousPacket", D::kInt32, kC,
       -1, -1, 1},
      {ConfigValue::kFakePacketLossSend, 2, "FakePacketLoss_Send", D::kFloat, kG, 0, 0, 100},
      {ConfigValue::kFakePacketLagRecv, 5, "FakePacketLag_Recv", D::kInt32, kG, 0, 0, 5000},
      {ConfigValue::kFakePacketReorderTime, 8, "FakePacketReorder_Time", D::kInt32, kG, 15, 0,
       5000},
      {ConfigValue::kFakePacketDupRecv, 27, "FakePacketDup_Recv", D::kFloat, kG, 0, 0, 100},
      {ConfigValue::kFakePacketDupTimeMax, 28, "FakePacketDup_TimeMax", D::kInt32, kG, 10, 0, 5000},
      {ConfigValue::kFakePacketJitterSendAvg, 53, "FakePacketJitter_Send_Avg", D::kFloat, kG, 0, 0,
       2000},
      {ConfigValue::kFakePacketJitterSendMax, 54, "FakePacketJitter_Send_Max", D::kFloat, kG, 100,
       0, 5000},
      {ConfigValue::kFakePacketJitterRecvPct, 58, "FakePacketJitter_Recv_Pct", D::kFloat, kG, 75, 0,
       100},
      {ConfigValue::kFakeRateLimitSendRate, 42, "FakeRateLimit_Send_Rate", D::kInt32, kG, 0, 0,
       1073741824},
      {ConfigValue::kFakeRateLimitRecvBurst, 45, "FakeRateLimit_Recv_Burst", D::kInt32, kG, 16384,
       0, 1048576},
      {ConfigValue::kPacketTraceMaxBytes, 41, "PacketTraceMaxBytes", D::kInt32, kG, -1, -1, 99999},
      {ConfigValue::kOutOfOrderCorrectionWindowMicroseconds, 51,
       "OutOfOrderCorrectionWindowMicroseconds", D::kInt32, kG, 1000, 0, 50000},
      {ConfigValue::kLogLevelAckRTT, 13, "LogLevel_AckRTT", D::kInt32, kC, 4, 2, 8},
      {ConfigValue::kLogLevelP2PRendezvous, 17, "LogLevel_P2PRendezvous", D::kInt32, kC, 4, 2, 8},
      {ConfigValue::kP2PTransportICEEnable, 104, "P2P_Transport_ICE_Enable", D::kInt32, kC,
       2147483647, 0, 2147483647},
      {ConfigValue::kP2PTransportICEPenalty, 105, "P2P_Transport_ICE_Penalty", D::kInt32, kC, 0, 0,
       2147483647},
      {ConfigValue::kP2PTransportICEImplementation, 110, "P2P_Transport_ICE_Implementation",
       D::kInt32, kC, 0, 0, 2},
      {ConfigValue::kECN, 999, "ECN", D::kInt32, kG, -1, -1, 2},
      {ConfigValue::kOpengnsRequireCA, 10002, "OPENGNS_RequireCA", D::kInt32, kC, 0, 0, 1},
  };
  for (const Expected& x : rows) {
    SCOPED_TRACE(x.name);
    EXPECT_EQ(static_cast<int32_t>(x.id), x.number);
    const ConfigEntry* e = registeredConfigEntry(x.id);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->name, x.name);
    EXPECT_EQ(e->type, x.type);
    EXPECT_EQ(e->scope, x.scope);
    if (x.type == D::kFloat) {
      EXPECT_FLOAT_EQ(e->float_default, static_cast<float>(x.def));
      EXPECT_FLOAT_EQ(e->float_min, static_cast<float>(x.min));
      EXPECT_FLOAT_EQ(e->float_max, static_cast<float>(x.max));
    } else {
      EXPECT_EQ(e->int_default, static_cast<int64_t>(x.def));
      EXPECT_EQ(e->int_min, static_cast<int64_t>(x.min));
      EXPECT_EQ(e->int_max, static_cast<int64_t>(x.max));
    }
  }
}

TEST(ConfigTableTest, StringPtrAndInt64RowsFromConfigMd) {
  // §1.4.2: ConnectionUserData int64, default -1, no limits.
  const ConfigEntry* user_data = registeredConfigEntry(ConfigValue::kConnectionUserData);
  ASSERT_NE(user_data, nullptr);
  EXPECT_EQ(static_cast<int32_t>(ConfigValue::kConnectionUserData), 40);
  EXPECT_EQ(user_data->type, ConfigDataType::kInt64);
  EXPECT_EQ(user_data->int_default, -1);
  EXPECT_FALSE(user_data->has_range);
  // §1.4.10 strings default "".
  for (ConfigValue id : {ConfigValue::kP2PSTUNServerList, ConfigValue::kP2PTURNServerList,
                         ConfigValue::kP2PTURNUserList, ConfigValue::kP2PTURNPassList}) {
    const ConfigEntry* e = registeredConfigEntry(id);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->type, ConfigDataType::kString);
    EXPECT_EQ(e->scope, ConfigScope::kConnection);
    EXPECT_EQ(std::get<std::string>(e->defaultValue()), "");
  }
  // §1.4.9: 201 conn, 202/204/205/206 global, Ptr; 203 and 207 Steam-only.
  EXPECT_EQ(registeredConfigEntry(ConfigValue::kCallbackConnectionStatusChanged)->scope,
            ConfigScope::kConnection);
  for (int id : {202, 204, 205, 206}) {
    const ConfigEntry* e = registeredConfigEntry(static_cast<ConfigValue>(id));
    ASSERT_NE(e, nullptr) << id;
    EXPECT_EQ(e->type, ConfigDataType::kPtr);
    EXPECT_EQ(e->scope, ConfigScope::kGlobal);
  }
  for (int id : {203, 207})
    EXPECT_EQ(registeredConfigEntry(static_cast<ConfigValue>(id)), nullptr);
  // §8: 10001 global string, 10003 connection string.
  const ConfigEntry* ca = registeredConfigEntry(ConfigValue::kOpengnsTrustedCAList);
  ASSERT_NE(ca, nullptr);
  EXPECT_EQ(ca->name, "OPENGNS_TrustedCAList");
  EXPECT_EQ(ca->type, ConfigDataType::kString);
  EXPECT_EQ(ca->scope, ConfigScope::kGlobal);
  const ConfigEntry* expected = registeredConfigEntry(ConfigValue::kOpengnsExpectedRemoteIdentity);
  ASSERT_NE(expected, nullptr);
  EXPECT_EQ(static_cast<int32_t>(expected->id), 10003);
  EXPECT_EQ(expected->type, ConfigDataType::kString);
  EXPECT_TRUE(expected->allowedAt(ConfigScope::kConnection));
  EXPECT_FALSE(expected->allowedAt(ConfigScope::kListenSocket));
  EXPECT_FALSE(expected->allowedAt(ConfigScope::kGlobal));
}

TEST(ConfigTableTest, UnregisteredAndInvalidIdsFromConfigMd) {
  // §1.4.11 and §7.1: SDR client ids, LogLevel_SDRRelayPings and 998 are unknown here.
  for (int id : {18, 19, 20, 21, 22, 29, 30, 31, 36, 60, 998, 39, 46, 106}) {
    const ConfigEntry* e = findConfigEntry(static_cast<ConfigValue>(id));
    ASSERT_NE(e, nullptr) << id;  // the number and name are still known
    EXPECT_FALSE(e->registered()) << id;
    EXPECT_EQ(registeredConfigEntry(static_cast<ConfigValue>(id)), nullptr) << id;
  }
  // The misspelling "Consecutitive" is part of the API name (§1.4.11).
  EXPECT_EQ(findConfigEntry(static_cast<ConfigValue>(19))->name,
            "SDRClient_ConsecutitivePingTimeoutsFailInitial");
  // §7.2: ids are not dense. 1, 61..100, 101/102, 111..200 and 1000 do not exist at all.
  for (int id : {1, 61, 100, 101, 102, 111, 200, 208, 997, 1000, 10000, 10004, -1}) {
    EXPECT_EQ(findConfigEntry(static_cast<ConfigValue>(id)), nullptr) << id;
  }
  EXPECT_EQ(registeredConfigEntry(ConfigValue::kInvalid), nullptr);
  EXPECT_EQ(registeredConfigEntry(static_cast<ConfigValue>(35)), nullptr);
}

// ---------------------------------------------------------------------------------------
// Invariants.

TEST(ConfigTableTest, Invariants) {
  std::span<const ConfigEntry> all = allConfigEntries();
  std::set<std::string_view> names;
  for (size_t i = 0; i < all.size(); ++i) {
    const ConfigEntry& e = all[i];
    SCOPED_TRACE(std::string(e.name));
    if (i > 0) {
      EXPECT_LT(static_cast<int32_t>(all[i - 1].id), static_cast<int32_t>(e.id));
    }
    EXPECT_TRUE(names.insert(e.name).second) << "duplicate name";
    EXPECT_EQ(findConfigEntryByName(e.name), &e);
    EXPECT_EQ(findConfigEntry(e.id), &e);
    EXPECT_EQ(configEntryIndex(e.id), i);
    EXPECT_TRUE(e.scope == ConfigScope::kGlobal || e.scope == ConfigScope::kConnection);
    if (!e.registered()) continue;
    EXPECT_EQ(configArgType(e.defaultValue()), e.type);
    if (e.type == ConfigDataType::kInt32) {
      ASSERT_TRUE(e.has_range);
      EXPECT_LE(e.int_min, e.int_default);
      EXPECT_LE(e.int_default, e.int_max);
      EXPECT_GE(e.int_min, INT32_MIN);
      EXPECT_LE(e.int_max, INT32_MAX);
    } else if (e.type == ConfigDataType::kFloat) {
      ASSERT_TRUE(e.has_range);
      EXPECT_LE(e.float_min, e.float_default);
      EXPECT_LE(e.float_default, e.float_max);
    } else {
      EXPECT_FALSE(e.has_range);  // §1.9: only int32 and float values have limits
    }
    if (e.type == ConfigDataType::kPtr) {
      EXPECT_TRUE(e.has(kConfigFlagNotIterable));
    }
  }
  EXPECT_EQ(findConfigEntryByName("nagletime"), nullptr);  // exact match only
  EXPECT_EQ(findConfigEntryByName(""), nullptr);
}

// §1.9.1: which values become locked where.
TEST(ConfigTableTest, LockFlagsFromConfigMd) {
  std::set<int32_t> on_connection;
  std::set<int32_t> on_listen;
  for (const ConfigEntry& e : allConfigEntries()) {
    if (e.has(kConfigFlagLockedOnConnection)) on_connection.insert(static_cast<int32_t>(e.id));
    if (e.has(kConfigFlagLockedOnListenSocket)) on_listen.insert(static_cast<int32_t>(e.id));
  }
  // 30 (SDRClient_DevTicket) is in §1.9.1's list but unregistered here, so never settable.
  EXPECT_EQ(on_connection, (std::set<int32_t>{23, 34, 37, 52, 104, 110}));
  EXPECT_EQ(on_listen, (std::set<int32_t>{37, 38}));
}

// ---------------------------------------------------------------------------------------
// §1.8 GetConfigValueInfo / IterateGenericEditableConfigValues.

TEST(ConfigTableTest, ConfigValueInfo) {
  std::optional<ConfigValueInfo> nagle = configValueInfo(ConfigValue::kNagleTime);
  ASSERT_TRUE(nagle.has_value());
  EXPECT_EQ(nagle->name, "NagleTime");  // §1.8's example
  EXPECT_EQ(nagle->type, ConfigDataType::kInt32);
  EXPECT_EQ(nagle->scope, ConfigScope::kConnection);
  std::optional<ConfigValueInfo> loss = configValueInfo(ConfigValue::kFakePacketLossSend);
  ASSERT_TRUE(loss.has_value());
  EXPECT_EQ(loss->type, ConfigDataType::kFloat);
  EXPECT_EQ(loss->scope, ConfigScope::kGlobal);
  // Unknown / unregistered ids and MTU_DataSize (not registered) give no name.
  EXPECT_FALSE(configValueInfo(ConfigValue::kInvalid));
  EXPECT_FALSE(configValueInfo(ConfigValue::kMTUDataSize));
  EXPECT_FALSE(configValueInfo(ConfigValue::kSDRClientSingleSocket));
  EXPECT_FALSE(configValueInfo(static_cast<ConfigValue>(61)));
}

std::vector<int32_t> iterateAll(bool include_dev) {
  std::vector<int32_t> ids;
  ConfigValue id = ConfigValue::kInvalid;
  while ((id = nextEditableConfigValue(id, include_dev)) != ConfigValue::kInvalid) {
    ids.push_back(static_cast<int32_t>(id));
    if (ids.size() > 1000) break;  // never loops forever
  }
  return ids;
}

TEST(ConfigTableTest, IterationSkipsWhatConfigMdSays) {
  std::vector<int32_t> plain = iterateAll(false);
  std::vector<int32_t> dev = iterateAll(true);
  ASSERT_FALSE(plain.empty());
  EXPECT_TRUE(std::is_sorted(plain.begin(), plain.end()));
  EXPECT_TRUE(std::is_sorted(dev.begin(), dev.end()));
  auto has = [](const std::vector<int32_t>& v, int32_t id) {
    return std::find(v.begin(), v.end(), id) != v.end();
  };
  // Skipped always: Ptr values, 37, 38, 40, MTU_DataSize 33, unregistered and invalid ids.
  for (int32_t id : {0, 33, 35, 37, 38, 40, 201, 202, 204, 205, 206, 19, 39, 106, 998}) {
    EXPECT_FALSE(has(plain, id)) << id;
    EXPECT_FALSE(has(dev, id)) << id;
  }
  // Dev values 23 and 34 only with include_dev (36 is unregistered in this build).
  for (int32_t id : {23, 34}) {
    EXPECT_FALSE(has(plain, id)) << id;
    EXPECT_TRUE(has(dev, id)) << id;
  }
  // Ordinary registered values are listed, in ascending order, incl. both ends.
  for (int32_t id : {2, 9, 12, 24, 32, 52, 59, 103, 110, 999})
    EXPECT_TRUE(has(plain, id)) << id;
  EXPECT_EQ(dev.size(), plain.size() + 2);
  EXPECT_EQ(plain.front(), 2);
}

// ---------------------------------------------------------------------------------------
// §1.1-1.3, §1.5, §1.6 enum values and §6.4 compatibility names.

TEST(ConfigEnumsTest, NumbersFromConfigMd) {
  EXPECT_EQ(static_cast<int32_t>(ConfigDataType::kInt32), 1);
  EXPECT_EQ(static_cast<int32_t>(ConfigDataType::kInt64), 2);
  EXPECT_EQ(static_cast<int32_t>(ConfigDataType::kFloat), 3);
  EXPECT_EQ(static_cast<int32_t>(ConfigDataType::kString), 4);
  EXPECT_EQ(static_cast<int32_t>(ConfigDataType::kPtr), 5);
  EXPECT_EQ(static_cast<int32_t>(ConfigScope::kGlobal), 1);
  EXPECT_EQ(static_cast<int32_t>(ConfigScope::kSocketsInterface), 2);
  EXPECT_EQ(static_cast<int32_t>(ConfigScope::kListenSocket), 3);
  EXPECT_EQ(static_cast<int32_t>(ConfigScope::kConnection), 4);
  EXPECT_EQ(static_cast<int32_t>(GetConfigValueResult::kBadValue), -1);
  EXPECT_EQ(static_cast<int32_t>(GetConfigValueResult::kBadScopeObj), -2);
  EXPECT_EQ(static_cast<int32_t>(GetConfigValueResult::kBufferTooSmall), -3);
  EXPECT_EQ(static_cast<int32_t>(GetConfigValueResult::kOK), 1);
  EXPECT_EQ(static_cast<int32_t>(GetConfigValueResult::kOKInherited), 2);
  EXPECT_EQ(static_cast<int32_t>(DebugOutputType::kNone), 0);
  EXPECT_EQ(static_cast<int32_t>(DebugOutputType::kWarning), 4);
  EXPECT_EQ(static_cast<int32_t>(DebugOutputType::kEverything), 8);
  EXPECT_EQ(kIceEnableDefault, -1);
  EXPECT_EQ(kIceEnableDisable, 0);
  EXPECT_EQ(kIceEnableRelay, 1);
  EXPECT_EQ(kIceEnablePrivate, 2);
  EXPECT_EQ(kIceEnablePublic, 4);
  EXPECT_EQ(kIceEnableAll, 2147483647);
  // ConfigArg alternative i carries data type i + 1 (§1.7's m_eDataType).
  EXPECT_EQ(configArgType(ConfigArg(int32_t{1})), ConfigDataType::kInt32);
  EXPECT_EQ(configArgType(ConfigArg(int64_t{1})), ConfigDataType::kInt64);
  EXPECT_EQ(configArgType(ConfigArg(1.0f)), ConfigDataType::kFloat);
  EXPECT_EQ(configArgType(ConfigArg(std::string("x"))), ConfigDataType::kString);
  EXPECT_EQ(configArgType(ConfigArg(static_cast<void*>(nullptr))), ConfigDataType::kPtr);
}

TEST(ConfigCompatTest, DocumentNamesAndMisspellingsFromConfigMd) {
  using namespace opengns::compat;
  auto num = [](ConfigValue v) { return static_cast<int32_t>(v); };
  // §6.4 irregular names keep the document's spelling; corrected aliases are equal.
  EXPECT_EQ(num(NETWORKING_CONFIG_FAKE_PACKET_DUP_REVC), 27);
  EXPECT_EQ(NETWORKING_CONFIG_FAKE_PACKET_DUP_RECV, NETWORKING_CONFIG_FAKE_PACKET_DUP_REVC);
  EXPECT_EQ(num(NETWORKING_CONFIG_P2P_TURN_uSER_LIST), 108);
  EXPECT_EQ(NETWORKING_CONFIG_P2P_TURN_USER_LIST, NETWORKING_CONFIG_P2P_TURN_uSER_LIST);
  EXPECT_EQ(num(NETWORKING_CONFIG_LOG_LEVEL_SRD_RELAY_PINGS), 18);
  EXPECT_EQ(num(NETWORKING_CONFIG_CALLBACK_MESSAGE_SESSION_REQUEST), 204);
  EXPECT_EQ(num(NETWORKING_CONFIG_CALLBACK_MESSAGES_SESSION_FAILED), 205);
  EXPECT_EQ(num(NETWORKING_CONFIG_SDR_CLIENT_CONSEC_PING_TIMEOUT_FAIL_INITIAL), 19);
  EXPECT_EQ(num(NETWORKING_CONFIG_IP_LOCAL_HOST_ALLOW_WITHOUT_AUTH), 52);
  EXPECT_EQ(num(NETWORKING_CONFIG_FAKE_PACKET_LAG_SEND), 4);
  EXPECT_EQ(num(NETWORKING_CONFIG_SEND_BUFFER_SIZE), 9);
  EXPECT_EQ(num(NETWORKING_CONFIG_RECV_BUFFER_SIZE), 47);
  EXPECT_EQ(num(NETWORKING_CONFIG_MTU_DATA_SIZE), 33);
  EXPECT_EQ(num(NETWORKING_CONFIG_P2P_TRANSPORT_ICE_IMPLEMENTATION), 110);
  EXPECT_EQ(num(NETWORKING_CONFIG_CALLBACK_FAKE_IP_RESULT), 207);
  EXPECT_EQ(num(NETWORKING_CONFIG_ECN), 999);
  EXPECT_EQ(num(NETWORKING_CONFIG_VALUE_FORCE32BIT), 2147483647);
  EXPECT_EQ(num(NETWORKING_CONFIG_SEND_TIME_SINCE_PREVIOUS_PACKET), 59);
  EXPECT_EQ(num(NETWORKING_CONFIG_FAKE_PACKET_JITTER_RECV_PCT), 58);
  EXPECT_EQ(num(NETWORKING_CONFIG_OPENGNS_EXPECTED_REMOTE_IDENTITY), 10003);
  EXPECT_EQ(static_cast<int32_t>(NETWORKING_CONFIG_TYPE_FUNCTION_PTR), 5);
  EXPECT_EQ(static_cast<int32_t>(NETWORKING_CONFIG_SCOPE_LISTEN_SOCKET), 3);
  EXPECT_EQ(static_cast<int32_t>(NETWORKING_GET_CONFIG_VALUE_BUFFER_TOO_SMALL), -3);
  EXPECT_EQ(static_cast<int32_t>(NETWORKING_GET_CONFIG_VALUE_OK_INHERITED), 2);
  EXPECT_EQ(static_cast<int32_t>(NETWORKING_SOCKET_DEBUG_OUTPUT_TYPE_EVERYTHING), 8);
  EXPECT_EQ(NETWORKING_SOCKETS_DEBUG_OUTPUT_TYPE_MSG, NETWORKING_SOCKET_DEBUG_OUTPUT_TYPE_MSG);
  EXPECT_EQ(static_cast<int32_t>(NETWORKING_SOCKET_DEBUG_OUTPUT_TYPE_MSG), 5);
}

}  // namespace
}  // namespace opengns::api
