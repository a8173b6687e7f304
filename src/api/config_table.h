// The one static table of every configuration id (config.md §1.4, §1.8, §1.9.1, §8): its
// documented short name, stored data type, the narrowest scope it can be set at, default,
// [min,max] range and behaviour flags. Everything that needs to know what a config id is
// (the config store, GetConfigValueInfo, the iteration call, name lookups for tools) reads
// this table, so each fact about an id is written down exactly once.
//
// Guarantees: the table is sorted by id with unique ids and names; every int32/float default
// lies within its range; lookups never fail on an unknown number (they return nullptr).
// The table is immutable and safe to read from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "opengns/config.h"

namespace opengns::api {

// Where opengns's default deliberately differs from the original's (README, "Where we
// differ"): SendRateMax defaults to the top of its range, meaning no upper clamp on the
// congestion controller, so a transfer finds the path's capacity (issue 5).
inline constexpr int64_t kOpengnsSendRateMaxDefault = 268435456;

using ConfigFlags = uint32_t;

// The id's number is reserved by the API but it is not registered in the original's
// open-source build (Steam/SDR/FakeIP/DualWifi-only features, config.md §1.4.11, §7.1):
// Get -> BadValue, Set -> false, not listed by iteration or GetConfigValueInfo.
inline constexpr ConfigFlags kConfigFlagUnregistered = 1u << 0;
// Never a valid id: Invalid (0) and DELETED_EnumerateDevVars (35), config.md §1.4.13.
inline constexpr ConfigFlags kConfigFlagNeverValid = 1u << 1;
// Read-only and derived, not stored: MTU_DataSize (33) = max(0, MTU_PacketSize - 100).
// Set always fails; Get computes it (config.md §1.4.4).
inline constexpr ConfigFlags kConfigFlagDerivedReadOnly = 1u << 2;
// Becomes locked on a listen socket when it is created (config.md §1.9.1).
inline constexpr ConfigFlags kConfigFlagLockedOnListenSocket = 1u << 3;
// Becomes locked on a connection when it is created (locally initiated) or accepted
// (remotely initiated), config.md §1.9.1.
inline constexpr ConfigFlags kConfigFlagLockedOnConnection = 1u << 4;
// Skipped by IterateGenericEditableConfigValues (config.md §1.8): Ptr values,
// SymmetricConnect, LocalVirtualPort, ConnectionUserData.
inline constexpr ConfigFlags kConfigFlagNotIterable = 1u << 5;
// Listed by iteration only when include_dev is true (config.md §1.8).
inline constexpr ConfigFlags kConfigFlagDevOnly = 1u << 6;
// Clearing (null value) at Connection scope fails: ConnectionUserData (config.md §1.9).
inline constexpr ConfigFlags kConfigFlagNoClearAtConnection = 1u << 7;
// Settable and readable at Connection scope only (opengns extension 10003, config.md §8).
inline constexpr ConfigFlags kConfigFlagConnectionOnly = 1u << 8;
// opengns extension id (config.md §8); never visible to a peer.
inline constexpr ConfigFlags kConfigFlagExtension = 1u << 9;

struct ConfigEntry {
  ConfigValue id = ConfigValue::kInvalid;
  std::string_view name;  // documented short name, e.g. "NagleTime", "MTU_PacketSize"
  ConfigDataType type = ConfigDataType::kInt32;
  // Narrowest scope the value lives at: kConnection (settable at every scope, inherited
  // downwards) or kGlobal (Global scope only).
  ConfigScope scope = ConfigScope::kGlobal;
  // Default and limits for kInt32/kInt64 values; has_range is false for kInt64 (no limit).
  int64_t int_default = 0;
  int64_t int_min = 0;
  int64_t int_max = 0;
  // Default and limits for kFloat values.
  float float_default = 0;
  float float_min = 0;
  float float_max = 0;
  std::string_view string_default;  // kString values
  bool has_range = false;           // only int32 and float values are clamped (§1.9)
  ConfigFlags flags = 0;

  bool has(ConfigFlags flag) const { return (flags & flag) != 0; }
  // A real stored value of this build: not unregistered, never-valid or derived.
  bool registered() const {
    return !has(kConfigFlagUnregistered | kConfigFlagNeverValid | kConfigFlagDerivedReadOnly);
  }
  // True if the value may be set/read at `scope` (config.md §1.2, §1.9).
  bool allowedAt(ConfigScope scope) const;
  // The default as a ConfigArg of this entry's type (Ptr default is nullptr).
  ConfigArg defaultValue() const;
};

// Every entry, sorted by ascending id.
std::span<const ConfigEntry> allConfigEntries();

// Any entry of the table (also unregistered / never-valid / derived ones), or nullptr if the
// number is not in the table at all.
const ConfigEntry* findConfigEntry(ConfigValue id);
// Exact, case-sensitive match on the documented short name; nullptr if none.
const ConfigEntry* findConfigEntryByName(std::string_view name);
// The entry if it is a registered stored value of this build, else nullptr.
const ConfigEntry* registeredConfigEntry(ConfigValue id);
// Position of `id` in allConfigEntries(), or nullopt.
std::optional<size_t> configEntryIndex(ConfigValue id);

// GetConfigValueInfo (config.md §1.8): name, data type and scope (Global or Connection only)
// of a registered id; nullopt for unknown/unregistered ids and for MTU_DataSize.
struct ConfigValueInfo {
  std::string_view name;
  ConfigDataType type = ConfigDataType::kInt32;
  ConfigScope scope = ConfigScope::kGlobal;
};
std::optional<ConfigValueInfo> configValueInfo(ConfigValue id);

// IterateGenericEditableConfigValues (config.md §1.8): the next registered, generically
// editable id after `current` in ascending order (start with kInvalid); kInvalid at the end.
ConfigValue nextEditableConfigValue(ConfigValue current, bool include_dev);

// "Scope" in log lines and error messages.
std::string_view configScopeName(ConfigScope scope);

}  // namespace opengns::api
