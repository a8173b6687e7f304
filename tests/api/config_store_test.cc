// ConfigStore against config.md §1.2 (inheritance), §1.3/§1.9 (Get/Set results, bad ids,
// scopes, clearing, conversions, clamping, buffer sizes), §1.4.4 (MTU_DataSize), §1.9.1
// (locking), §6.4 (GodotSteam dictionary conversions) and §8 (extension ids). Every expected
// number below is taken from the cited spec text.
#include "api/config_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/log.h"

namespace opengns::api {
namespace {

using R = GetConfigValueResult;
using V = ConfigValue;

// Captures the process log so tests can check failure lines name the id and the reason.
class ConfigStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setProcessLogSink(
        [this](LogLevel, std::string_view text) {
          std::lock_guard<std::mutex> lock(mu_);
          lines_.emplace_back(text);
        },
        LogLevel::kEverything);
    bugs_before_ = bugCount();
  }
  void TearDown() override {
    setProcessLogSink(nullptr, LogLevel::kWarning);
    EXPECT_EQ(bugCount(), bugs_before_) << "unexpected OPENGNS_BUG";
  }
  std::string lastLine() {
    std::lock_guard<std::mutex> lock(mu_);
    return lines_.empty() ? "" : lines_.back();
  }
  size_t lineCount() {
    std::lock_guard<std::mutex> lock(mu_);
    return lines_.size();
  }

  std::mutex mu_;
  std::vector<std::string> lines_;
  uint64_t bugs_before_ = 0;

  // A private chain global -> interface -> listen socket -> connection (§1.2).
  ConfigStore global_{ConfigScope::kGlobal, nullptr};
  ConfigStore iface_{ConfigScope::kSocketsInterface, &global_};
  ConfigStore listen_{ConfigScope::kListenSocket, &iface_};
  ConfigStore conn_{ConfigScope::kConnection, &listen_};
};

ConfigArg i32(int32_t v) {
  return ConfigArg(v);
}
ConfigArg i64(int64_t v) {
  return ConfigArg(v);
}
ConfigArg f32(float v) {
  return ConfigArg(v);
}
ConfigArg str(const char* v) {
  return ConfigArg(std::string(v));
}
ConfigArg ptr(void* v) {
  return ConfigArg(v);
}

// ---------------------------------------------------------------------------------------
// Bad ids and scopes (§1.9 first rows).

TEST_F(ConfigStoreTest, UnknownIdsFailAndGetBadValue) {
  // Unknown (1, 61, 101), Invalid (0), deleted (35), SDR/Steam-only (19, 29, 106, 203, 998).
  for (int id : {0, 1, 35, 61, 101, 102, 200, 1000, 10000, 19, 29, 30, 106, 203, 207, 998, 39}) {
    SCOPED_TRACE(id);
    const ConfigValue v = static_cast<ConfigValue>(id);
    const size_t lines = lineCount();
    EXPECT_FALSE(global_.set(v, i32(1)));
    EXPECT_GT(lineCount(), lines);  // a log line explains the failure
    EXPECT_NE(lastLine().find(std::to_string(id)), std::string::npos) << lastLine();
    EXPECT_FALSE(conn_.set(v, i32(1)));
    EXPECT_FALSE(global_.reset(v));
    EXPECT_EQ(global_.get(v).result, R::kBadValue);
    EXPECT_EQ(conn_.get(v).result, R::kBadValue);
  }
  // The line names the id by its documented name when the number is known.
  EXPECT_NE(lastLine().find("DualWifi_Enable"), std::string::npos) << lastLine();
}

TEST_F(ConfigStoreTest, GlobalOnlyValuesFailAtNarrowerScopes) {
  // §1.4.7: FakePacketLag_Send is Global only; §1.9: Set false, Get BadScopeObj.
  for (ConfigStore* store : {&iface_, &listen_, &conn_}) {
    EXPECT_FALSE(store->set(V::kFakePacketLagSend, i32(10)));
    EXPECT_NE(lastLine().find("FakePacketLag_Send"), std::string::npos) << lastLine();
    EXPECT_NE(lastLine().find("global-only"), std::string::npos) << lastLine();
    EXPECT_FALSE(store->reset(V::kFakePacketLagSend));
    ConfigStore::GetResult r = store->get(V::kFakePacketLagSend);
    EXPECT_EQ(r.result, R::kBadScopeObj);
    EXPECT_EQ(r.type, ConfigDataType::kInt32);  // the id is registered: type still reported
  }
  EXPECT_TRUE(global_.set(V::kFakePacketLagSend, i32(10)));
  EXPECT_EQ(global_.get(V::kFakePacketLagSend).result, R::kOK);
  // Library code can still read the effective global value through a connection's chain.
  EXPECT_EQ(conn_.getInt32(V::kFakePacketLagSend), 10);
  // Callbacks other than 201 are global too (§1.4.9).
  EXPECT_FALSE(conn_.set(V::kCallbackAuthStatusChanged, ptr(nullptr)));
  EXPECT_TRUE(conn_.set(V::kCallbackConnectionStatusChanged, ptr(nullptr)));
}

// ---------------------------------------------------------------------------------------
// Defaults, OK/OKInherited, inheritance through every level (§1.2, §1.3).

TEST_F(ConfigStoreTest, DefaultsAreReportedAsInherited) {
  ConfigStore::GetResult r = conn_.get(V::kTimeoutInitial);
  EXPECT_EQ(r.result, R::kOKInherited);
  EXPECT_EQ(r.type, ConfigDataType::kInt32);
  EXPECT_EQ(std::get<int32_t>(r.value), 10000);  // §1.4.1
  EXPECT_EQ(r.size_bytes, 4u);
  EXPECT_EQ(conn_.getInt32(V::kSendBufferSize), 524288);                  // §1.4.2
  EXPECT_EQ(conn_.getInt32(V::kIPAllowWithoutAuth), 2);                   // §1.4.5 open-source
  EXPECT_EQ(conn_.getInt32(V::kP2PTransportICEEnable), 2147483647);       // §1.4.10
  EXPECT_EQ(conn_.getInt64(V::kConnectionUserData), -1);                  // §1.4.2
  EXPECT_FLOAT_EQ(global_.getFloat(V::kFakePacketJitterSendPct), 75.0f);  // §1.4.7
  EXPECT_EQ(conn_.getString(V::kP2PSTUNServerList), "");
  EXPECT_EQ(conn_.getPtr(V::kCallbackConnectionStatusChanged), nullptr);
  EXPECT_FALSE(conn_.isSetHere(V::kTimeoutInitial));
}

TEST_F(ConfigStoreTest, InheritanceThroughEveryLevel) {
  ASSERT_TRUE(global_.set(V::kTimeoutConnected, i32(1000)));
  EXPECT_EQ(global_.get(V::kTimeoutConnected).result, R::kOK);
  for (ConfigStore* s : {&iface_, &listen_, &conn_}) {
    ConfigStore::GetResult r = s->get(V::kTimeoutConnected);
    EXPECT_EQ(r.result, R::kOKInherited);
    EXPECT_EQ(std::get<int32_t>(r.value), 1000);
  }
  ASSERT_TRUE(iface_.set(V::kTimeoutConnected, i32(2000)));
  EXPECT_EQ(conn_.getInt32(V::kTimeoutConnected), 2000);
  EXPECT_EQ(global_.getInt32(V::kTimeoutConnected), 1000);
  ASSERT_TRUE(listen_.set(V::kTimeoutConnected, i32(3000)));
  EXPECT_EQ(conn_.getInt32(V::kTimeoutConnected), 3000);
  EXPECT_EQ(iface_.getInt32(V::kTimeoutConnected), 2000);
  ASSERT_TRUE(conn_.set(V::kTimeoutConnected, i32(4000)));
  EXPECT_EQ(conn_.get(V::kTimeoutConnected).result, R::kOK);
  EXPECT_EQ(conn_.getInt32(V::kTimeoutConnected), 4000);
  EXPECT_EQ(listen_.getInt32(V::kTimeoutConnected), 3000);
  // A change higher up does not override a value set lower down, but reaches it once that
  // value is cleared ("not set" inherits again, §1.9).
  ASSERT_TRUE(listen_.set(V::kTimeoutConnected, i32(3500)));
  EXPECT_EQ(conn_.getInt32(V::kTimeoutConnected), 4000);
  ASSERT_TRUE(conn_.reset(V::kTimeoutConnected));
  EXPECT_EQ(conn_.get(V::kTimeoutConnected).result, R::kOKInherited);
  EXPECT_EQ(conn_.getInt32(V::kTimeoutConnected), 3500);
  ASSERT_TRUE(listen_.reset(V::kTimeoutConnected));
  ASSERT_TRUE(iface_.reset(V::kTimeoutConnected));
  EXPECT_EQ(conn_.getInt32(V::kTimeoutConnected), 1000);
  // At Global, clearing resets to the default (§1.9).
  ASSERT_TRUE(global_.reset(V::kTimeoutConnected));
  EXPECT_EQ(conn_.getInt32(V::kTimeoutConnected), 10000);
  EXPECT_EQ(global_.get(V::kTimeoutConnected).result, R::kOKInherited);
  // Clearing a value that is not set is fine.
  EXPECT_TRUE(conn_.reset(V::kTimeoutConnected));
}

TEST_F(ConfigStoreTest, NullValuePointerClears) {
  const ConfigArg value = i32(777);
  ASSERT_TRUE(conn_.set(V::kNagleTime, &value));
  EXPECT_EQ(conn_.getInt32(V::kNagleTime), 777);
  EXPECT_TRUE(conn_.set(V::kNagleTime, nullptr));
  EXPECT_EQ(conn_.getInt32(V::kNagleTime), 5000);
}

// ---------------------------------------------------------------------------------------
// Clamping (§1.9, §7.2): out of range succeeds and clamps.

TEST_F(ConfigStoreTest, ClampsSilentlyToTheRange) {
  struct Case {
    ConfigValue id;
    int32_t set, expect;
  } cases[] = {
      {V::kNagleTime, 30000, 20000},            // [0,20000]
      {V::kNagleTime, -5, 0},                   //
      {V::kLogLevelMessage, 0, 2},              // §1.4.12: 0/1 clamp up to 2 (Error)
      {V::kLogLevelAckRTT, 1, 2},               //
      {V::kLogLevelAckRTT, 9, 8},               //
      {V::kP2PTransportICEEnable, -1, 0},       // §7.2: -1 "Default" clamps to 0 = Disable
      {V::kMTUPacketSize, 100, 200},            // [200,1300]
      {V::kMTUPacketSize, 9000, 1300},          //
      {V::kSendBufferSize, 1, 4096},            // [4096,268435456]
      {V::kRecvMaxSegmentsPerPacket, 0, 1},     // [1,1300]
      {V::kUnencrypted, 7, 3},                  // [0,3]
      {V::kLocalVirtualPort, -100, -1},         // [-1,INT32_MAX]
      {V::kSendTimeSincePreviousPacket, 5, 1},  // [-1,1]
      {V::kTimeoutInitial, -1, 0},              // [0,INT32_MAX]
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(static_cast<int>(c.id));
    EXPECT_TRUE(conn_.set(c.id, i32(c.set)));
    EXPECT_EQ(conn_.getInt32(c.id), c.expect);
  }
  EXPECT_TRUE(global_.set(V::kFakePacketLossSend, f32(150.0f)));  // [0,100]
  EXPECT_FLOAT_EQ(global_.getFloat(V::kFakePacketLossSend), 100.0f);
  EXPECT_TRUE(global_.set(V::kFakePacketLossSend, f32(-3.0f)));
  EXPECT_FLOAT_EQ(global_.getFloat(V::kFakePacketLossSend), 0.0f);
  EXPECT_TRUE(global_.set(V::kFakePacketJitterSendAvg, f32(1e30f)));  // [0,2000]
  EXPECT_FLOAT_EQ(global_.getFloat(V::kFakePacketJitterSendAvg), 2000.0f);
  EXPECT_TRUE(global_.set(V::kFakeRateLimitSendRate, i32(INT32_MAX)));  // [0,1073741824]
  EXPECT_EQ(global_.getInt32(V::kFakeRateLimitSendRate), 1073741824);
  EXPECT_TRUE(global_.set(V::kPacketTraceMaxBytes, i32(-50)));  // [-1,99999]
  EXPECT_EQ(global_.getInt32(V::kPacketTraceMaxBytes), -1);
  EXPECT_TRUE(global_.set(V::kECN, i32(3)));  // [-1,2]
  EXPECT_EQ(global_.getInt32(V::kECN), 2);
  // int64 values are not limited (§1.9).
  EXPECT_TRUE(conn_.set(V::kConnectionUserData, i64(INT64_MIN)));
  EXPECT_EQ(conn_.getInt64(V::kConnectionUserData), INT64_MIN);
}

// ---------------------------------------------------------------------------------------
// Type conversion table of §1.9.

TEST_F(ConfigStoreTest, ConversionsToInt32) {
  const V id = V::kTimeoutInitial;  // int32, [0, INT32_MAX]
  EXPECT_TRUE(conn_.set(id, i32(1234)));
  EXPECT_EQ(conn_.getInt32(id), 1234);
  EXPECT_TRUE(conn_.set(id, i64(5678)));  // copy if it fits
  EXPECT_EQ(conn_.getInt32(id), 5678);
  EXPECT_FALSE(conn_.set(id, i64(int64_t{1} << 31)));  // does not fit: fail
  EXPECT_NE(lastLine().find("TimeoutInitial"), std::string::npos) << lastLine();
  EXPECT_EQ(conn_.getInt32(id), 5678);  // unchanged after a failure
  EXPECT_FALSE(conn_.set(id, i64(INT64_MIN)));
  EXPECT_TRUE(conn_.set(id, f32(2.5f)));  // floor(x + 0.5)
  EXPECT_EQ(conn_.getInt32(id), 3);
  EXPECT_TRUE(conn_.set(id, f32(2.49f)));
  EXPECT_EQ(conn_.getInt32(id), 2);
  EXPECT_TRUE(conn_.set(V::kLocalVirtualPort, f32(-1.5f)));  // floor(-1.0) = -1
  EXPECT_EQ(conn_.getInt32(V::kLocalVirtualPort), -1);
  EXPECT_TRUE(conn_.set(id, str("4321")));  // parse decimal
  EXPECT_EQ(conn_.getInt32(id), 4321);
  EXPECT_FALSE(conn_.set(id, str("abc")));  // unparsable: fail
  EXPECT_FALSE(conn_.set(id, str("12abc")));
  EXPECT_FALSE(conn_.set(id, str("")));
  EXPECT_FALSE(conn_.set(id, str("99999999999")));  // does not fit int32
  EXPECT_FALSE(conn_.set(id, ptr(&conn_)));         // Ptr: fail
  EXPECT_EQ(conn_.getInt32(id), 4321);
}

TEST_F(ConfigStoreTest, ConversionsToInt64) {
  const V id = V::kConnectionUserData;
  EXPECT_TRUE(listen_.set(id, i32(-7)));  // widen
  EXPECT_EQ(listen_.getInt64(id), -7);
  EXPECT_TRUE(listen_.set(id, i64(int64_t{1} << 40)));
  EXPECT_EQ(listen_.getInt64(id), int64_t{1} << 40);
  EXPECT_TRUE(listen_.set(id, f32(3.5f)));  // round to nearest
  EXPECT_EQ(listen_.getInt64(id), 4);
  EXPECT_TRUE(listen_.set(id, str("9000000000")));  // parse decimal 64-bit
  EXPECT_EQ(listen_.getInt64(id), 9000000000);
  EXPECT_FALSE(listen_.set(id, str("nine")));
  EXPECT_FALSE(listen_.set(id, ptr(nullptr)));
  EXPECT_EQ(listen_.getInt64(id), 9000000000);
}

TEST_F(ConfigStoreTest, ConversionsToFloat) {
  const V id = V::kFakePacketLossRecv;   // float [0,100]
  EXPECT_TRUE(global_.set(id, i32(5)));  // GodotSteam int for a float id works (§6.4)
  EXPECT_FLOAT_EQ(global_.getFloat(id), 5.0f);
  EXPECT_TRUE(global_.set(id, i64(7)));
  EXPECT_FLOAT_EQ(global_.getFloat(id), 7.0f);
  EXPECT_TRUE(global_.set(id, f32(12.25f)));
  EXPECT_FLOAT_EQ(global_.getFloat(id), 12.25f);
  EXPECT_TRUE(global_.set(id, str("33.5")));
  EXPECT_FLOAT_EQ(global_.getFloat(id), 33.5f);
  EXPECT_FALSE(global_.set(id, str("lots")));
  EXPECT_FALSE(global_.set(id, ptr(nullptr)));
  EXPECT_FLOAT_EQ(global_.getFloat(id), 33.5f);
}

TEST_F(ConfigStoreTest, ConversionsToString) {
  const V id = V::kP2PSTUNServerList;
  EXPECT_TRUE(conn_.set(id, i32(-42)));  // decimal text
  EXPECT_EQ(conn_.getString(id), "-42");
  EXPECT_TRUE(conn_.set(id, i64(9000000000)));
  EXPECT_EQ(conn_.getString(id), "9000000000");
  EXPECT_TRUE(conn_.set(id, f32(1.5f)));  // shortest %g-style text
  EXPECT_EQ(conn_.getString(id), "1.5");
  EXPECT_TRUE(conn_.set(id, f32(0.1f)));
  EXPECT_EQ(conn_.getString(id), "0.1");
  EXPECT_TRUE(conn_.set(id, f32(100.0f)));
  EXPECT_EQ(conn_.getString(id), "100");
  EXPECT_TRUE(conn_.set(id, f32(0.0001f)));
  EXPECT_EQ(conn_.getString(id), "0.0001");
  EXPECT_TRUE(conn_.set(id, f32(-2.0f)));
  EXPECT_EQ(conn_.getString(id), "-2");
  EXPECT_TRUE(conn_.set(id, str("stun.example.org:3478,10.0.0.1:3478")));  // copy
  EXPECT_EQ(conn_.getString(id), "stun.example.org:3478,10.0.0.1:3478");
  EXPECT_FALSE(conn_.set(id, ptr(nullptr)));
  // The text is copied: the caller's string may go away.
  {
    std::string temp = "turn.example.org";
    ASSERT_TRUE(conn_.set(V::kP2PTURNServerList, ConfigArg(temp)));
    temp.assign("changed");
  }
  EXPECT_EQ(conn_.getString(V::kP2PTURNServerList), "turn.example.org");
  // The C API's strings end at the first NUL.
  EXPECT_TRUE(conn_.set(id, ConfigArg(std::string("abc\0def", 7))));
  EXPECT_EQ(conn_.getString(id), "abc");
}

TEST_F(ConfigStoreTest, PtrValuesOnlyFromPtr) {
  int marker = 0;
  const V id = V::kCallbackConnectionStatusChanged;
  EXPECT_FALSE(iface_.set(id, i32(1)));
  EXPECT_FALSE(iface_.set(id, i64(1)));
  EXPECT_FALSE(iface_.set(id, f32(1)));
  EXPECT_FALSE(iface_.set(id, str("0x1234")));
  EXPECT_TRUE(iface_.set(id, ptr(&marker)));
  EXPECT_EQ(conn_.getPtr(id), &marker);  // inherited by the connection
  ConfigStore::GetResult r = iface_.get(id);
  EXPECT_EQ(r.result, R::kOK);
  EXPECT_EQ(r.type, ConfigDataType::kPtr);
  EXPECT_EQ(std::get<void*>(r.value), &marker);
  EXPECT_EQ(r.size_bytes, 8u);
  EXPECT_TRUE(global_.set(V::kCallbackCreateConnectionSignaling, ptr(&marker)));
  EXPECT_EQ(global_.getPtr(V::kCallbackCreateConnectionSignaling), &marker);
}

// ---------------------------------------------------------------------------------------
// Get buffer sizes (§1.9): 4 for int32/float, 8 for int64/Ptr, strlen+1 for String.

TEST_F(ConfigStoreTest, BufferTooSmallReportsTheNeededSize) {
  ASSERT_TRUE(conn_.set(V::kP2PTURNUserList, str("alice,bob")));
  ConfigStore::GetResult r = conn_.get(V::kP2PTURNUserList, 9);
  EXPECT_EQ(r.result, R::kBufferTooSmall);
  EXPECT_EQ(r.size_bytes, 10u);
  r = conn_.get(V::kP2PTURNUserList, 10);
  EXPECT_EQ(r.result, R::kOK);
  EXPECT_EQ(std::get<std::string>(r.value), "alice,bob");
  EXPECT_EQ(conn_.get(V::kP2PTURNPassList, 0).size_bytes, 1u);  // "" needs its NUL
  EXPECT_EQ(conn_.get(V::kP2PTURNPassList, 0).result, R::kBufferTooSmall);
  EXPECT_EQ(conn_.get(V::kNagleTime, 3).result, R::kBufferTooSmall);
  EXPECT_EQ(conn_.get(V::kNagleTime, 3).size_bytes, 4u);
  EXPECT_EQ(conn_.get(V::kNagleTime, 4).result, R::kOKInherited);
  EXPECT_EQ(conn_.get(V::kConnectionUserData, 7).result, R::kBufferTooSmall);
  EXPECT_EQ(conn_.get(V::kConnectionUserData, 7).size_bytes, 8u);
  EXPECT_EQ(global_.get(V::kFakePacketDupSend, 4).size_bytes, 4u);
  EXPECT_EQ(global_.get(V::kFakePacketDupSend, 4).result, R::kOKInherited);
  // Errors other than size are not masked by the buffer check.
  EXPECT_EQ(conn_.get(static_cast<V>(61), 0).result, R::kBadValue);
}

// ---------------------------------------------------------------------------------------
// MTU_DataSize (§1.4.4).

TEST_F(ConfigStoreTest, MtuDataSizeIsDerivedAndReadOnly) {
  ConfigStore::GetResult r = conn_.get(V::kMTUDataSize);
  EXPECT_EQ(r.result, R::kOKInherited);
  EXPECT_EQ(std::get<int32_t>(r.value), 1200);  // 1300 - 100
  EXPECT_FALSE(conn_.set(V::kMTUDataSize, i32(1000)));
  EXPECT_FALSE(global_.set(V::kMTUDataSize, i32(1000)));
  EXPECT_FALSE(conn_.reset(V::kMTUDataSize));
  ASSERT_TRUE(listen_.set(V::kMTUPacketSize, i32(576)));
  r = conn_.get(V::kMTUDataSize);
  EXPECT_EQ(r.result, R::kOKInherited);  // follows MTU_PacketSize's status at this scope
  EXPECT_EQ(std::get<int32_t>(r.value), 476);
  EXPECT_EQ(listen_.get(V::kMTUDataSize).result, R::kOK);
  EXPECT_EQ(conn_.getInt32(V::kMTUDataSize), 476);
  ASSERT_TRUE(conn_.set(V::kMTUPacketSize, i32(200)));
  EXPECT_EQ(conn_.get(V::kMTUDataSize).result, R::kOK);
  EXPECT_EQ(conn_.getInt32(V::kMTUDataSize), 100);
}

// ---------------------------------------------------------------------------------------
// ConnectionUserData special rules (§1.9, §7.2).

TEST_F(ConfigStoreTest, ConnectionUserDataCannotBeClearedOnAConnection) {
  ASSERT_TRUE(conn_.set(V::kConnectionUserData, i64(99)));
  EXPECT_FALSE(conn_.reset(V::kConnectionUserData));
  EXPECT_NE(lastLine().find("ConnectionUserData"), std::string::npos) << lastLine();
  EXPECT_EQ(conn_.getInt64(V::kConnectionUserData), 99);
  // At the other scopes it clears normally.
  ASSERT_TRUE(listen_.set(V::kConnectionUserData, i64(5)));
  EXPECT_TRUE(listen_.reset(V::kConnectionUserData));
  EXPECT_EQ(listen_.getInt64(V::kConnectionUserData), -1);
}

TEST_F(ConfigStoreTest, PinnedUserDataStopsFollowingHigherScopes) {
  ASSERT_TRUE(listen_.set(V::kConnectionUserData, i64(11)));
  ConfigStore accepted(ConfigScope::kConnection, &listen_);
  accepted.pinEffectiveValue(V::kConnectionUserData);  // at creation
  ASSERT_TRUE(listen_.set(V::kConnectionUserData, i64(22)));
  EXPECT_EQ(accepted.getInt64(V::kConnectionUserData), 11);
  EXPECT_EQ(accepted.get(V::kConnectionUserData).result, R::kOK);
}

// ---------------------------------------------------------------------------------------
// Locking (§1.9.1).

TEST_F(ConfigStoreTest, ConnectionLockedValues) {
  ASSERT_TRUE(conn_.set(V::kUnencrypted, i32(2)));
  conn_.lockFlagged(kConfigFlagLockedOnConnection);
  for (V id :
       {V::kIPAllowWithoutAuth, V::kIPLocalHostAllowWithoutAuth, V::kUnencrypted,
        V::kSymmetricConnect, V::kP2PTransportICEEnable, V::kP2PTransportICEImplementation}) {
    SCOPED_TRACE(static_cast<int>(id));
    EXPECT_TRUE(conn_.isLocked(id));
    EXPECT_FALSE(conn_.set(id, i32(1)));
    EXPECT_NE(lastLine().find("locked"), std::string::npos) << lastLine();
    EXPECT_FALSE(conn_.reset(id));
  }
  // Get still works; the locked value keeps what was given before.
  EXPECT_EQ(conn_.get(V::kUnencrypted).result, R::kOK);
  EXPECT_EQ(conn_.getInt32(V::kUnencrypted), 2);
  // Other values stay settable; the lock is per object (the listen socket is not locked).
  EXPECT_TRUE(conn_.set(V::kNagleTime, i32(0)));
  EXPECT_TRUE(conn_.set(V::kLocalVirtualPort, i32(7)));
  EXPECT_TRUE(listen_.set(V::kUnencrypted, i32(3)));
  // A locked value that was not set keeps following inheritance for reads.
  EXPECT_EQ(conn_.getInt32(V::kIPAllowWithoutAuth), 2);
}

TEST_F(ConfigStoreTest, ListenSocketLockedValuesAndSingleLock) {
  ASSERT_TRUE(listen_.set(V::kSymmetricConnect, i32(1)));
  listen_.lockFlagged(kConfigFlagLockedOnListenSocket);
  EXPECT_FALSE(listen_.set(V::kSymmetricConnect, i32(0)));
  EXPECT_FALSE(listen_.set(V::kLocalVirtualPort, i32(5)));
  EXPECT_TRUE(listen_.set(V::kUnencrypted, i32(1)));
  EXPECT_EQ(listen_.getInt32(V::kSymmetricConnect), 1);
  // Unencrypted is locked alone when the cipher list is chosen (§1.9.1 last row).
  conn_.lock(V::kUnencrypted);
  EXPECT_FALSE(conn_.set(V::kUnencrypted, i32(0)));
  EXPECT_TRUE(conn_.set(V::kIPAllowWithoutAuth, i32(0)));
}

// ---------------------------------------------------------------------------------------
// §8 extension ids.

TEST_F(ConfigStoreTest, ExtensionIds) {
  // 10001: string, global only, default "".
  EXPECT_EQ(global_.getString(V::kOpengnsTrustedCAList), "");
  EXPECT_TRUE(global_.set(V::kOpengnsTrustedCAList, str("ca-key-1")));
  EXPECT_EQ(global_.getString(V::kOpengnsTrustedCAList), "ca-key-1");
  EXPECT_FALSE(conn_.set(V::kOpengnsTrustedCAList, str("x")));
  EXPECT_EQ(conn_.get(V::kOpengnsTrustedCAList).result, R::kBadScopeObj);
  // 10002: int32 0/1, global, socket or connection, default 0.
  EXPECT_EQ(conn_.getInt32(V::kOpengnsRequireCA), 0);
  EXPECT_TRUE(global_.set(V::kOpengnsRequireCA, i32(1)));
  EXPECT_EQ(conn_.getInt32(V::kOpengnsRequireCA), 1);
  EXPECT_TRUE(listen_.set(V::kOpengnsRequireCA, i32(0)));
  EXPECT_EQ(conn_.getInt32(V::kOpengnsRequireCA), 0);
  EXPECT_TRUE(conn_.set(V::kOpengnsRequireCA, i32(1)));
  EXPECT_EQ(conn_.get(V::kOpengnsRequireCA).result, R::kOK);
  // 10003: string, connection only, default "".
  EXPECT_EQ(conn_.getString(V::kOpengnsExpectedRemoteIdentity), "");
  EXPECT_TRUE(conn_.set(V::kOpengnsExpectedRemoteIdentity, str("str:server")));
  EXPECT_EQ(conn_.getString(V::kOpengnsExpectedRemoteIdentity), "str:server");
  EXPECT_FALSE(global_.set(V::kOpengnsExpectedRemoteIdentity, str("str:server")));
  EXPECT_FALSE(listen_.set(V::kOpengnsExpectedRemoteIdentity, str("str:server")));
  EXPECT_EQ(listen_.get(V::kOpengnsExpectedRemoteIdentity).result, R::kBadScopeObj);
}

// ---------------------------------------------------------------------------------------
// Option lists of creating calls (§1.7, §6.4).

TEST_F(ConfigStoreTest, ApplyOptionsInOrderAndFailsNamingTheOption) {
  // The reference's example dictionary: id 4 = 4 ms is global-only, so at connection scope
  // it fails; SendBufferSize 5000 and RecvBufferSize 3000 (clamped to 4096) apply.
  const ConfigOption good[] = {
      {V::kSendBufferSize, i32(5000)},
      {V::kRecvBufferSize, i32(3000)},
      {V::kNagleTime, f32(99.6f)},  // GodotSteam float for an int32 id: rounded
      {V::kNagleTime, i32(100)},    // applied in order: the last one wins
  };
  ASSERT_TRUE(applyOptions(conn_, good).ok());
  EXPECT_EQ(conn_.getInt32(V::kSendBufferSize), 5000);
  EXPECT_EQ(conn_.getInt32(V::kRecvBufferSize), 4096);
  EXPECT_EQ(conn_.getInt32(V::kNagleTime), 100);

  const ConfigOption bad[] = {
      {V::kTimeoutInitial, i32(500)},
      {V::kFakePacketLagSend, i32(4)},
      {V::kTimeoutConnected, i32(600)},
  };
  absl::Status status = applyOptions(conn_, bad);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("option 1"), absl::string_view::npos) << status;
  EXPECT_NE(status.message().find("FakePacketLag_Send"), absl::string_view::npos) << status;
  EXPECT_EQ(conn_.getInt32(V::kTimeoutInitial), 500);
  EXPECT_EQ(conn_.getInt32(V::kTimeoutConnected), 10000);  // not reached
  const ConfigOption unknown[] = {{static_cast<V>(77), i32(1)}};
  status = applyOptions(conn_, unknown);
  EXPECT_NE(status.message().find("77"), absl::string_view::npos) << status;
  EXPECT_TRUE(applyOptions(global_, bad).ok());  // fine at Global scope
  EXPECT_EQ(global_.getInt32(V::kFakePacketLagSend), 4);
}

// ---------------------------------------------------------------------------------------
// Snapshots, generation counter, the process-wide store and concurrency.

TEST_F(ConfigStoreTest, SnapshotRefreshesOnlyWhenSomethingChanged) {
  ConfigSnapshot snap;
  EXPECT_TRUE(snap.stale());  // never taken
  snap.refreshIfStale(conn_);
  EXPECT_FALSE(snap.stale());
  EXPECT_EQ(snap.getInt32(V::kNagleTime), 5000);
  EXPECT_EQ(snap.getInt32(V::kMTUDataSize), 1200);
  EXPECT_EQ(snap.getInt64(V::kConnectionUserData), -1);
  EXPECT_EQ(snap.getString(V::kP2PSTUNServerList), "");
  EXPECT_FLOAT_EQ(snap.getFloat(V::kFakePacketJitterRecvMax), 100.0f);
  ASSERT_TRUE(global_.set(V::kNagleTime, i32(10)));
  EXPECT_TRUE(snap.stale());
  EXPECT_EQ(snap.getInt32(V::kNagleTime), 5000);  // immutable until refreshed
  snap.refreshIfStale(conn_);
  EXPECT_EQ(snap.getInt32(V::kNagleTime), 10);
  EXPECT_FALSE(snap.stale());
}

TEST_F(ConfigStoreTest, GlobalStoreIsProcessWide) {
  ConfigStore& g = globalConfigStore();
  EXPECT_EQ(&g, &globalConfigStore());
  EXPECT_EQ(g.scope(), ConfigScope::kGlobal);
  ConfigStore iface(ConfigScope::kSocketsInterface, &g);
  ConfigStore conn(ConfigScope::kConnection, &iface);
  ASSERT_TRUE(g.set(V::kTimeoutInitial, i32(1234)));
  EXPECT_EQ(conn.getInt32(V::kTimeoutInitial), 1234);
  g.resetAllUnlocked();
  EXPECT_EQ(conn.getInt32(V::kTimeoutInitial), 10000);
  EXPECT_FALSE(g.isSetHere(V::kTimeoutInitial));
}

TEST_F(ConfigStoreTest, ConcurrentSetAndGet) {
  std::atomic<bool> bad{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        ConfigStore& target = (t % 2 == 0) ? global_ : listen_;
        if (!target.set(V::kNagleTime, i32(i))) bad = true;
        const int32_t v = conn_.getInt32(V::kNagleTime);
        if (v < 0 || v > 20000) bad = true;
        if (!target.set(V::kP2PSTUNServerList, ConfigArg(std::string(i % 50, 'x')))) bad = true;
        if (conn_.getString(V::kP2PSTUNServerList).find_first_not_of('x') != std::string::npos) {
          bad = true;
        }
      }
    });
  }
  for (std::thread& th : threads)
    th.join();
  EXPECT_FALSE(bad);
}

}  // namespace
}  // namespace opengns::api
