// ConfigStore: config.md §1.9 Set/Get semantics over the table of config_table.h.
#include "api/config_store.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string_view>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace opengns::api {
namespace {

std::atomic<uint64_t> g_generation{1};  // starts at 1 so a never-taken snapshot (0) is stale

void bumpGeneration() {
  g_generation.fetch_add(1, std::memory_order_release);
}

// Debian's abseil has its own string_view: convert explicitly.
absl::string_view av(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

std::string_view typeName(ConfigDataType type) {
  switch (type) {
    case ConfigDataType::kInt32:
      return "Int32";
    case ConfigDataType::kInt64:
      return "Int64";
    case ConfigDataType::kFloat:
      return "Float";
    case ConfigDataType::kString:
      return "String";
    case ConfigDataType::kPtr:
      return "Ptr";
  }
  return "?";
}

std::string idLabel(const ConfigEntry* entry, ConfigValue id) {
  if (entry == nullptr) return absl::StrCat("id ", static_cast<int32_t>(id));
  return absl::StrCat(av(entry->name), " (id ", static_cast<int32_t>(id), ")");
}

// config.md §1.9: float -> string is "shortest %g-style text": printf's %g (6 significant
// digits, trailing zeros dropped, exponent form only for very large/small magnitudes).
std::string floatToText(float value) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%g", static_cast<double>(value));
  return buf;
}

std::string argText(const ConfigArg& value) {
  switch (value.index()) {
    case 0:
      return absl::StrCat(std::get<int32_t>(value));
    case 1:
      return absl::StrCat(std::get<int64_t>(value));
    case 2:
      return floatToText(std::get<float>(value));
    case 3:
      return absl::StrCat("\"", std::get<std::string>(value), "\"");
    default:
      return "<pointer>";
  }
}

// floor(x + 0.5) as config.md §1.9 says, refusing results that do not fit.
template <typename Int>
std::optional<Int> roundToInt(float x) {
  const double rounded = std::floor(static_cast<double>(x) + 0.5);
  if (!std::isfinite(rounded)) return std::nullopt;
  // The int64 bounds are exact powers of two as doubles; max is exclusive.
  constexpr double kMin = static_cast<double>(std::numeric_limits<Int>::min());
  constexpr double kMaxExclusive = -kMin;
  if (rounded < kMin || rounded >= kMaxExclusive) return std::nullopt;
  return static_cast<Int>(rounded);
}

size_t sizeOfValue(const ConfigArg& value) {
  switch (value.index()) {
    case 0:  // int32
    case 2:  // float
      return 4;
    case 3:
      return std::get<std::string>(value).size() + 1;
    default:  // int64, Ptr
      return 8;
  }
}

absl::Status conversionError(const ConfigEntry& entry, const ConfigArg& value,
                             std::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat(
      "config ", idLabel(&entry, entry.id), ": cannot store ", av(typeName(configArgType(value))),
      " value ", argText(value), " as ", av(typeName(entry.type)), ": ", av(reason)));
}

}  // namespace

uint64_t configGeneration() {
  return g_generation.load(std::memory_order_acquire);
}

absl::StatusOr<ConfigArg> convertConfigArg(const ConfigEntry& entry, const ConfigArg& value) {
  const ConfigDataType from = configArgType(value);
  if ((from == ConfigDataType::kPtr) != (entry.type == ConfigDataType::kPtr)) {
    return conversionError(entry, value, "pointers convert only to and from Ptr");
  }
  switch (entry.type) {
    case ConfigDataType::kInt32: {
      int32_t v = 0;
      if (const auto* i32 = std::get_if<int32_t>(&value)) {
        v = *i32;
      } else if (const auto* i64 = std::get_if<int64_t>(&value)) {
        if (*i64 < std::numeric_limits<int32_t>::min() ||
            *i64 > std::numeric_limits<int32_t>::max()) {
          return conversionError(entry, value, "does not fit in int32");
        }
        v = static_cast<int32_t>(*i64);
      } else if (const auto* f = std::get_if<float>(&value)) {
        std::optional<int32_t> rounded = roundToInt<int32_t>(*f);
        if (!rounded) return conversionError(entry, value, "not a finite int32 after rounding");
        v = *rounded;
      } else if (!absl::SimpleAtoi(std::get<std::string>(value), &v)) {
        return conversionError(entry, value, "not a decimal int32");
      }
      if (entry.has_range) {
        v = static_cast<int32_t>(std::clamp<int64_t>(v, entry.int_min, entry.int_max));
      }
      return ConfigArg(v);
    }
    case ConfigDataType::kInt64: {
      int64_t v = 0;
      if (const auto* i32 = std::get_if<int32_t>(&value)) {
        v = *i32;
      } else if (const auto* i64 = std::get_if<int64_t>(&value)) {
        v = *i64;
      } else if (const auto* f = std::get_if<float>(&value)) {
        std::optional<int64_t> rounded = roundToInt<int64_t>(*f);
        if (!rounded) return conversionError(entry, value, "not a finite int64 after rounding");
        v = *rounded;
      } else if (!absl::SimpleAtoi(std::get<std::string>(value), &v)) {
        return conversionError(entry, value, "not a decimal int64");
      }
      // §1.9: int64 values have no limits and are stored as given.
      return ConfigArg(v);
    }
    case ConfigDataType::kFloat: {
      float v = 0;
      if (const auto* i32 = std::get_if<int32_t>(&value)) {
        v = static_cast<float>(*i32);
      } else if (const auto* i64 = std::get_if<int64_t>(&value)) {
        v = static_cast<float>(*i64);
      } else if (const auto* f = std::get_if<float>(&value)) {
        v = *f;
      } else if (!absl::SimpleAtof(std::get<std::string>(value), &v)) {
        return conversionError(entry, value, "not a decimal float");
      }
      // NaN cannot be clamped into a range: refuse it (infinities clamp to the limits).
      if (std::isnan(v)) return conversionError(entry, value, "NaN is not a valid setting");
      if (entry.has_range) v = std::clamp(v, entry.float_min, entry.float_max);
      return ConfigArg(v);
    }
    case ConfigDataType::kString: {
      if (const auto* s = std::get_if<std::string>(&value)) {
        // The C API carries NUL-terminated text: nothing after a NUL is part of the value.
        return ConfigArg(s->substr(0, s->find('\0')));
      }
      if (const auto* f = std::get_if<float>(&value)) return ConfigArg(floatToText(*f));
      if (const auto* i32 = std::get_if<int32_t>(&value)) return ConfigArg(absl::StrCat(*i32));
      return ConfigArg(absl::StrCat(std::get<int64_t>(value)));
    }
    case ConfigDataType::kPtr:
      return ConfigArg(std::get<void*>(value));
  }
  return conversionError(entry, value, "unknown stored type");
}

ConfigStore::ConfigStore(ConfigScope scope, const ConfigStore* parent)
    : scope_(scope), parent_(parent) {}

absl::Status ConfigStore::checkWritable(const ConfigEntry* entry, ConfigValue id) const {
  auto fail = [&](std::string_view reason) {
    return absl::InvalidArgumentError(absl::StrCat("config ", idLabel(entry, id), " at ",
                                                   av(configScopeName(scope_)),
                                                   " scope: ", av(reason)));
  };
  if (entry == nullptr) return fail("unknown config id");
  if (entry->has(kConfigFlagNeverValid)) return fail("not a valid config id");
  if (entry->has(kConfigFlagUnregistered)) {
    return fail("not available in this build (Steam/SDR-only feature)");
  }
  if (entry->has(kConfigFlagDerivedReadOnly)) return fail("read-only value");
  if (!entry->allowedAt(scope_)) {
    return fail(entry->has(kConfigFlagConnectionOnly) ? "can only be set on a connection"
                                                      : "global-only value");
  }
  return absl::OkStatus();
}

absl::Status ConfigStore::trySet(ConfigValue id, const ConfigArg& value) {
  const ConfigEntry* entry = findConfigEntry(id);
  if (absl::Status s = checkWritable(entry, id); !s.ok()) return s;
  absl::StatusOr<ConfigArg> converted = convertConfigArg(*entry, value);
  if (!converted.ok()) return converted.status();
  {
    MutexLock lock(&mu_);
    if (locked_.contains(static_cast<int32_t>(id))) {
      return absl::FailedPreconditionError(absl::StrCat("config ", idLabel(entry, id), " at ",
                                                        av(configScopeName(scope_)),
                                                        " scope: locked, cannot change it now"));
    }
    values_[static_cast<int32_t>(id)] = *std::move(converted);
  }
  bumpGeneration();
  return absl::OkStatus();
}

bool ConfigStore::set(ConfigValue id, const ConfigArg& value) {
  absl::Status status = trySet(id, value);
  if (!status.ok()) OPENGNS_LOG(LogLevel::kWarning, "Set failed: ", status.message());
  return status.ok();
}

bool ConfigStore::set(ConfigValue id, const ConfigArg* value) {
  return value == nullptr ? reset(id) : set(id, *value);
}

absl::Status ConfigStore::tryReset(ConfigValue id) {
  const ConfigEntry* entry = findConfigEntry(id);
  if (absl::Status s = checkWritable(entry, id); !s.ok()) return s;
  auto fail = [&](std::string_view reason) {
    return absl::FailedPreconditionError(absl::StrCat("config ", idLabel(entry, id), " at ",
                                                      av(configScopeName(scope_)),
                                                      " scope: ", av(reason)));
  };
  // config.md §1.9 / §7.2: the original would crash here; we refuse.
  if (entry->has(kConfigFlagNoClearAtConnection) && scope_ == ConfigScope::kConnection) {
    return fail("cannot be cleared on a connection");
  }
  {
    MutexLock lock(&mu_);
    if (locked_.contains(static_cast<int32_t>(id))) return fail("locked, cannot clear it now");
    values_.erase(static_cast<int32_t>(id));
  }
  bumpGeneration();
  return absl::OkStatus();
}

bool ConfigStore::reset(ConfigValue id) {
  absl::Status status = tryReset(id);
  if (!status.ok()) OPENGNS_LOG(LogLevel::kWarning, "Clear failed: ", status.message());
  return status.ok();
}

bool ConfigStore::lookupOwn(ConfigValue id, ConfigArg* out) const {
  MutexLock lock(&mu_);
  auto it = values_.find(static_cast<int32_t>(id));
  if (it == values_.end()) return false;
  *out = it->second;
  return true;
}

ConfigArg ConfigStore::resolve(const ConfigEntry& entry) const {
  if (entry.has(kConfigFlagDerivedReadOnly)) {
    // MTU_DataSize = max(0, MTU_PacketSize - 100), config.md §1.4.4.
    const ConfigEntry* packet = findConfigEntry(ConfigValue::kMTUPacketSize);
    const int32_t packet_size_bytes = std::get<int32_t>(resolve(*packet));
    return ConfigArg(std::max<int32_t>(0, packet_size_bytes - 100));
  }
  ConfigArg out;
  for (const ConfigStore* store = this; store != nullptr; store = store->parent_) {
    if (store->lookupOwn(entry.id, &out)) return out;
  }
  return entry.defaultValue();
}

ConfigArg ConfigStore::getEffective(ConfigValue id) const {
  const ConfigEntry* entry = findConfigEntry(id);
  if (entry == nullptr || entry->has(kConfigFlagNeverValid | kConfigFlagUnregistered)) {
    OPENGNS_BUG("config read of ", idLabel(entry, id), ", which is not a stored value");
    return ConfigArg(int32_t{0});
  }
  return resolve(*entry);
}

namespace {

// Typed read helper: the effective value must carry `Want`.
template <typename Want>
Want typedRead(const ConfigArg& value, ConfigValue id, std::string_view want_name) {
  if (const auto* v = std::get_if<Want>(&value)) return *v;
  OPENGNS_BUG("config read of ", idLabel(findConfigEntry(id), id), " as ", av(want_name),
              ", but it is ", av(typeName(configArgType(value))));
  return Want{};
}

}  // namespace

int32_t ConfigStore::getInt32(ConfigValue id) const {
  return typedRead<int32_t>(getEffective(id), id, "Int32");
}

int64_t ConfigStore::getInt64(ConfigValue id) const {
  ConfigArg value = getEffective(id);
  if (const auto* i32 = std::get_if<int32_t>(&value)) return *i32;
  return typedRead<int64_t>(value, id, "Int64");
}

float ConfigStore::getFloat(ConfigValue id) const {
  return typedRead<float>(getEffective(id), id, "Float");
}

std::string ConfigStore::getString(ConfigValue id) const {
  return typedRead<std::string>(getEffective(id), id, "String");
}

void* ConfigStore::getPtr(ConfigValue id) const {
  return typedRead<void*>(getEffective(id), id, "Ptr");
}

ConfigStore::GetResult ConfigStore::get(ConfigValue id) const {
  GetResult r;
  const ConfigEntry* entry = findConfigEntry(id);
  if (entry == nullptr || entry->has(kConfigFlagNeverValid | kConfigFlagUnregistered)) {
    r.result = GetConfigValueResult::kBadValue;
    return r;
  }
  r.type = entry->type;
  if (!entry->allowedAt(scope_)) {
    r.result = GetConfigValueResult::kBadScopeObj;
    return r;
  }
  // A derived value reports OK/OKInherited as the value it is derived from (§1.4.4). The own
  // value is read once so the result code and the value agree under concurrent changes.
  const bool derived = entry->has(kConfigFlagDerivedReadOnly);
  const ConfigEntry* source = derived ? findConfigEntry(ConfigValue::kMTUPacketSize) : entry;
  const bool own = lookupOwn(source->id, &r.value);
  if (!own) r.value = parent_ != nullptr ? parent_->resolve(*source) : source->defaultValue();
  if (derived) r.value = ConfigArg(std::max<int32_t>(0, std::get<int32_t>(r.value) - 100));
  r.result = own ? GetConfigValueResult::kOK : GetConfigValueResult::kOKInherited;
  r.size_bytes = sizeOfValue(r.value);
  return r;
}

ConfigStore::GetResult ConfigStore::get(ConfigValue id, size_t buffer_size_bytes) const {
  GetResult r = get(id);
  if ((r.result == GetConfigValueResult::kOK || r.result == GetConfigValueResult::kOKInherited) &&
      r.size_bytes > buffer_size_bytes) {
    r.result = GetConfigValueResult::kBufferTooSmall;
  }
  return r;
}

bool ConfigStore::isSetHere(ConfigValue id) const {
  MutexLock lock(&mu_);
  return values_.contains(static_cast<int32_t>(id));
}

void ConfigStore::lock(ConfigValue id) {
  MutexLock lock(&mu_);
  locked_.insert(static_cast<int32_t>(id));
}

void ConfigStore::lockFlagged(ConfigFlags flag) {
  MutexLock lock(&mu_);
  for (const ConfigEntry& entry : allConfigEntries()) {
    if (entry.has(flag)) locked_.insert(static_cast<int32_t>(entry.id));
  }
}

bool ConfigStore::isLocked(ConfigValue id) const {
  MutexLock lock(&mu_);
  return locked_.contains(static_cast<int32_t>(id));
}

void ConfigStore::pinEffectiveValue(ConfigValue id) {
  const ConfigEntry* entry = registeredConfigEntry(id);
  if (entry == nullptr) {
    OPENGNS_BUG("config pin of ", idLabel(findConfigEntry(id), id), ", not a stored value");
    return;
  }
  ConfigArg value = resolve(*entry);
  {
    MutexLock lock(&mu_);
    values_[static_cast<int32_t>(id)] = std::move(value);
  }
  bumpGeneration();
}

void ConfigStore::resetAllUnlocked() {
  {
    MutexLock lock(&mu_);
    absl::erase_if(values_, [&](const auto& kv) { return !locked_.contains(kv.first); });
  }
  bumpGeneration();
}

ConfigSnapshot ConfigStore::snapshot() const {
  ConfigSnapshot snap;
  // Taken before resolving: a change racing with us makes the snapshot stale, never stuck.
  snap.generation_ = configGeneration();
  std::span<const ConfigEntry> entries = allConfigEntries();
  snap.values_.reserve(entries.size());
  for (const ConfigEntry& entry : entries) {
    const bool stored = entry.registered() || entry.has(kConfigFlagDerivedReadOnly);
    snap.values_.push_back(stored ? resolve(entry) : ConfigArg(int32_t{0}));
  }
  return snap;
}

void ConfigSnapshot::refreshIfStale(const ConfigStore& store) {
  if (values_.empty() || stale()) *this = store.snapshot();
}

const ConfigArg* ConfigSnapshot::find(ConfigValue id) const {
  std::optional<size_t> index = configEntryIndex(id);
  if (!index || *index >= values_.size()) return nullptr;
  return &values_[*index];
}

int32_t ConfigSnapshot::getInt32(ConfigValue id) const {
  const ConfigArg* value = find(id);
  return value != nullptr ? typedRead<int32_t>(*value, id, "Int32") : int32_t{0};
}

int64_t ConfigSnapshot::getInt64(ConfigValue id) const {
  const ConfigArg* value = find(id);
  if (value == nullptr) return 0;
  if (const auto* i32 = std::get_if<int32_t>(value)) return *i32;
  return typedRead<int64_t>(*value, id, "Int64");
}

float ConfigSnapshot::getFloat(ConfigValue id) const {
  const ConfigArg* value = find(id);
  return value != nullptr ? typedRead<float>(*value, id, "Float") : 0.0f;
}

const std::string& ConfigSnapshot::getString(ConfigValue id) const {
  static const std::string kEmpty;
  const ConfigArg* value = find(id);
  if (value != nullptr) {
    if (const auto* s = std::get_if<std::string>(value)) return *s;
  }
  OPENGNS_BUG("config snapshot read of ", idLabel(findConfigEntry(id), id), " as String");
  return kEmpty;
}

void* ConfigSnapshot::getPtr(ConfigValue id) const {
  const ConfigArg* value = find(id);
  return value != nullptr ? typedRead<void*>(*value, id, "Ptr") : nullptr;
}

ConfigStore& globalConfigStore() {
  // Never destroyed: callbacks and service threads may read it during process exit.
  static ConfigStore* const store = new ConfigStore(ConfigScope::kGlobal, nullptr);
  return *store;
}

absl::Status applyOptions(ConfigStore& store, std::span<const ConfigOption> options) {
  for (size_t i = 0; i < options.size(); ++i) {
    absl::Status status = store.trySet(options[i].id, options[i].value);
    if (!status.ok()) {
      OPENGNS_LOG(LogLevel::kWarning, "option ", i, " rejected: ", status.message());
      return absl::InvalidArgumentError(absl::StrCat("option ", i, ": ", status.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace opengns::api
