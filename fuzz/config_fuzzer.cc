// Fuzzes config values (config.md §1.2-1.9, §8): a chain of four stores (global ->
// sockets interface -> listen socket -> connection) takes a fuzzer-chosen sequence of
// set / clear / get / lock / pin / snapshot calls with any id (table ids and raw
// numbers), scope, data type and value bytes. A model kept here (own values and locks
// per store) predicts every result:
//  - a set or clear fails exactly for unknown, unregistered, read-only, wrong-scope or
//    locked ids (and values that do not convert), always with an error status, never a
//    crash; what is stored is the converted, clamped value of the id's own type;
//  - a get reports BadValue / BadScopeObj / BufferTooSmall / OK / OKInherited as the
//    model says, with the value inherited through the chain;
//  - snapshots agree with get, and no library self-check (OPENGNS_BUG) ever fires.
#include <fuzzer/FuzzedDataProvider.h>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <variant>

#include "api/config_store.h"
#include "api/config_table.h"
#include "common/log.h"

namespace {

#define FUZZ_CHECK(cond)       \
  do {                         \
    if (!(cond)) std::abort(); \
  } while (0)

using namespace opengns;
using namespace opengns::api;

constexpr size_t kStores = 4;
constexpr ConfigScope kScopes[kStores] = {ConfigScope::kGlobal, ConfigScope::kSocketsInterface,
                                          ConfigScope::kListenSocket, ConfigScope::kConnection};

struct ModelStore {
  std::map<int32_t, ConfigArg> values;
  std::set<int32_t> locked;
};

bool sameArg(const ConfigArg& a, const ConfigArg& b) {
  return a.index() == b.index() && a == b;  // NaN is never stored (checked on set)
}

class Harness {
 public:
  explicit Harness(FuzzedDataProvider& input) : input_(input) {
    for (size_t i = 0; i < kStores; ++i)
      stores_[i] =
          std::make_unique<ConfigStore>(kScopes[i], i == 0 ? nullptr : stores_[i - 1].get());
  }

  void step() {
    const size_t s = input_.ConsumeIntegralInRange<size_t>(0, kStores - 1);
    switch (input_.ConsumeIntegralInRange<int>(0, 7)) {
      case 0:
      case 1:
        set(s, chooseId(), chooseArg());
        break;
      case 2:
        reset(s, chooseId());
        break;
      case 3:
        get(s, chooseId());
        break;
      case 4: {
        const ConfigValue id = chooseId();
        stores_[s]->lock(id);
        model_[s].locked.insert(static_cast<int32_t>(id));
        FUZZ_CHECK(stores_[s]->isLocked(id));
        break;
      }
      case 5: {
        const ConfigFlags flag =
            input_.ConsumeBool() ? kConfigFlagLockedOnConnection : kConfigFlagLockedOnListenSocket;
        stores_[s]->lockFlagged(flag);
        for (const ConfigEntry& entry : allConfigEntries())
          if (entry.has(flag)) model_[s].locked.insert(static_cast<int32_t>(entry.id));
        break;
      }
      case 6: {
        const ConfigEntry& entry = tableEntry();
        if (!entry.registered()) break;
        stores_[s]->pinEffectiveValue(entry.id);
        model_[s].values[static_cast<int32_t>(entry.id)] = effective(s, entry);
        break;
      }
      case 7:
        checkSnapshot(s);
        break;
    }
  }

  void checkAll() {
    for (size_t s = 0; s < kStores; ++s)
      for (const ConfigEntry& entry : allConfigEntries())
        checkGet(s, entry.id, SIZE_MAX);
  }

 private:
  const ConfigEntry& tableEntry() {
    const auto entries = allConfigEntries();
    return entries[input_.ConsumeIntegralInRange<size_t>(0, entries.size() - 1)];
  }

  ConfigValue chooseId() {
    if (input_.ConsumeIntegralInRange<int>(0, 7) == 0)
      return static_cast<ConfigValue>(input_.ConsumeIntegral<int32_t>());
    return tableEntry().id;
  }

  ConfigArg chooseArg() {
    switch (input_.ConsumeIntegralInRange<int>(0, 4)) {
      case 0:
        return input_.ConsumeIntegral<int32_t>();
      case 1:
        return input_.ConsumeIntegral<int64_t>();
      case 2: {  // any bit pattern: NaN, infinities, denormals
        const uint32_t bits = input_.ConsumeIntegral<uint32_t>();
        float value;
        static_assert(sizeof(value) == sizeof(bits));
        std::memcpy(&value, &bits, sizeof(value));
        return value;
      }
      case 3:
        return input_.ConsumeRandomLengthString(48);
      default:
        return reinterpret_cast<void*>(static_cast<uintptr_t>(input_.ConsumeIntegral<uint16_t>()));
    }
  }

  // The id's own rules, as config.md §1.9 states them.
  static bool writable(const ConfigEntry* entry, ConfigScope scope) {
    return entry != nullptr && entry->registered() && entry->allowedAt(scope);
  }

  ConfigArg effective(size_t s, const ConfigEntry& entry) const {
    for (size_t i = s + 1; i-- > 0;) {
      auto it = model_[i].values.find(static_cast<int32_t>(entry.id));
      if (it != model_[i].values.end()) return it->second;
    }
    return entry.defaultValue();
  }

  void checkStored(const ConfigEntry& entry, const ConfigArg& value) {
    FUZZ_CHECK(configArgType(value) == entry.type);
    if (const auto* i = std::get_if<int32_t>(&value); i && entry.has_range)
      FUZZ_CHECK(*i >= entry.int_min && *i <= entry.int_max);
    if (const auto* f = std::get_if<float>(&value)) {
      FUZZ_CHECK(!std::isnan(*f));
      if (entry.has_range) FUZZ_CHECK(*f >= entry.float_min && *f <= entry.float_max);
    }
    if (const auto* text = std::get_if<std::string>(&value))
      FUZZ_CHECK(text->find('\0') == std::string::npos);
  }

  void set(size_t s, ConfigValue id, const ConfigArg& arg) {
    const ConfigEntry* entry = findConfigEntry(id);
    const bool use_bool_form = input_.ConsumeBool();
    const absl::Status status =
        use_bool_form ? (stores_[s]->set(id, &arg) ? absl::OkStatus() : absl::UnknownError("set"))
                      : stores_[s]->trySet(id, arg);
    bool expect_ok =
        writable(entry, kScopes[s]) && model_[s].locked.count(static_cast<int32_t>(id)) == 0;
    absl::StatusOr<ConfigArg> converted;
    if (expect_ok) {
      converted = convertConfigArg(*entry, arg);
      expect_ok = converted.ok();
    }
    FUZZ_CHECK(status.ok() == expect_ok);
    if (!status.ok()) {
      FUZZ_CHECK(!status.message().empty());
      return;
    }
    checkStored(*entry, *converted);
    model_[s].values[static_cast<int32_t>(id)] = *converted;
    checkGet(s, id, SIZE_MAX);
  }

  void reset(size_t s, ConfigValue id) {
    const ConfigEntry* entry = findConfigEntry(id);
    const absl::Status status = input_.ConsumeBool()
                                    ? (stores_[s]->set(id, static_cast<const ConfigArg*>(nullptr))
                                           ? absl::OkStatus()
                                           : absl::UnknownError("clear"))
                                    : stores_[s]->tryReset(id);
    const bool expect_ok =
        writable(entry, kScopes[s]) && model_[s].locked.count(static_cast<int32_t>(id)) == 0 &&
        !(entry->has(kConfigFlagNoClearAtConnection) && kScopes[s] == ConfigScope::kConnection);
    FUZZ_CHECK(status.ok() == expect_ok);
    if (status.ok()) {
      model_[s].values.erase(static_cast<int32_t>(id));
      FUZZ_CHECK(!stores_[s]->isSetHere(id));
    }
  }

  void get(size_t s, ConfigValue id) {
    checkGet(s, id, input_.ConsumeBool() ? SIZE_MAX : input_.ConsumeIntegralInRange<size_t>(0, 64));
  }

  void checkGet(size_t s, ConfigValue id, size_t buffer) {
    const ConfigStore::GetResult r = stores_[s]->get(id, buffer);
    const ConfigEntry* entry = findConfigEntry(id);
    if (entry == nullptr || entry->has(kConfigFlagNeverValid | kConfigFlagUnregistered)) {
      FUZZ_CHECK(r.result == GetConfigValueResult::kBadValue);
      return;
    }
    FUZZ_CHECK(r.type == entry->type);
    if (!entry->allowedAt(kScopes[s])) {
      FUZZ_CHECK(r.result == GetConfigValueResult::kBadScopeObj);
      return;
    }
    const bool derived = entry->has(kConfigFlagDerivedReadOnly);
    const ConfigEntry& source = derived ? *findConfigEntry(ConfigValue::kMTUPacketSize) : *entry;
    ConfigArg expected = effective(s, source);
    if (derived) expected = std::max<int32_t>(0, std::get<int32_t>(expected) - 100);
    FUZZ_CHECK(sameArg(r.value, expected));
    checkStored(*entry, r.value);
    size_t needed = 8;
    if (entry->type == ConfigDataType::kInt32 || entry->type == ConfigDataType::kFloat) needed = 4;
    if (const auto* text = std::get_if<std::string>(&expected)) needed = text->size() + 1;
    FUZZ_CHECK(r.size_bytes == needed);
    const bool own = model_[s].values.count(static_cast<int32_t>(source.id)) != 0;
    if (needed > buffer) {
      FUZZ_CHECK(r.result == GetConfigValueResult::kBufferTooSmall);
    } else {
      FUZZ_CHECK(r.result ==
                 (own ? GetConfigValueResult::kOK : GetConfigValueResult::kOKInherited));
    }
    if (!derived) FUZZ_CHECK(sameArg(stores_[s]->getEffective(id), expected));
  }

  void checkSnapshot(size_t s) {
    const ConfigSnapshot snapshot = stores_[s]->snapshot();
    for (const ConfigEntry& entry : allConfigEntries()) {
      if (!entry.registered()) continue;
      ConfigArg value;
      switch (entry.type) {
        case ConfigDataType::kInt32:
          value = snapshot.getInt32(entry.id);
          break;
        case ConfigDataType::kInt64:
          value = snapshot.getInt64(entry.id);
          break;
        case ConfigDataType::kFloat:
          value = snapshot.getFloat(entry.id);
          break;
        case ConfigDataType::kString:
          value = snapshot.getString(entry.id);
          break;
        case ConfigDataType::kPtr:
          value = snapshot.getPtr(entry.id);
          break;
      }
      FUZZ_CHECK(sameArg(value, effective(s, entry)));
    }
  }

  FuzzedDataProvider& input_;
  std::array<std::unique_ptr<ConfigStore>, kStores> stores_;
  std::array<ModelStore, kStores> model_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = [] {
    // Failed sets log a warning each; the fuzzer makes millions.
    setProcessLogSink([](LogLevel, std::string_view) {}, LogLevel::kNone);
    return true;
  }();
  (void)quiet;
  const uint64_t bugs_before = bugCount();
  FuzzedDataProvider input(data, size);
  Harness harness(input);
  while (input.remaining_bytes() > 0)
    harness.step();
  harness.checkAll();
  FUZZ_CHECK(bugCount() == bugs_before);
  return 0;
}
