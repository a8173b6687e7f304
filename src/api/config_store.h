// Config values set at one scope object (the process, one NetworkingSockets instance, one
// listen socket or one connection), with exactly config.md §1.9's Set/Get semantics:
// unknown or unregistered ids fail, ids not settable at the store's scope fail, values are
// converted from the caller's data type to the id's stored type (§1.9 conversion table) and
// then clamped silently to [min,max], a null value clears (inherit again / back to default),
// values listed in §1.9.1 can be locked. Every failure writes a log line naming the id and
// the reason.
//
// Inheritance: a store has a parent pointer (connection -> listen socket or sockets
// interface -> global, config.md §1.2); the effective value is the store's own value, else
// the nearest ancestor's, else the table default. The parent must outlive the child.
//
// Threading model: any thread may call any method. Each store has its own mutex; a lookup
// holds one store's mutex at a time while it walks up the chain (never two at once), so there
// is no lock-order problem. A set in a parent is visible to children's next read. Reads on a
// connection's hot path should not walk the chain per packet: every successful change in
// any store bumps a process-wide generation counter (configGeneration()), and a connection
// keeps a ConfigSnapshot (all effective values resolved once) which it rebuilds only when the
// generation changed. That costs one relaxed atomic load per check when nothing changed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "api/config_table.h"
#include "common/mutex.h"
#include "opengns/config.h"

namespace opengns::api {

class ConfigSnapshot;

// Converts `value` to the stored type of `entry` (config.md §1.9 conversion table) and clamps
// it to the entry's range. Errors name the id, the source type and the reason. Pure function.
absl::StatusOr<ConfigArg> convertConfigArg(const ConfigEntry& entry, const ConfigArg& value);

// Process-wide counter bumped by every successful set/reset/lock in any store.
uint64_t configGeneration();

class ConfigStore {
 public:
  // `scope` must be one of the four ConfigScope values; `parent` may be null (a root: the
  // global store, or a test store) and must outlive this store.
  explicit ConfigStore(ConfigScope scope, const ConfigStore* parent);
  ConfigStore(const ConfigStore&) = delete;
  ConfigStore& operator=(const ConfigStore&) = delete;

  ConfigScope scope() const { return scope_; }
  const ConfigStore* parent() const { return parent_; }

  // SetConfigValue (config.md §1.9). False (and a log line) when the id is unknown,
  // unregistered, read-only, not settable at this scope, locked, or the value cannot be
  // converted; otherwise stores the converted, clamped value and returns true.
  bool set(ConfigValue id, const ConfigArg& value);
  // The C API's form: a null `value` clears, as reset().
  bool set(ConfigValue id, const ConfigArg* value);
  // Same checks as set(), with the reason as a Status instead of a log line.
  absl::Status trySet(ConfigValue id, const ConfigArg& value);
  // Clear (config.md §1.9 "value pointer null"): the value is no longer set at this scope,
  // so it inherits again (at Global scope: back to the default). Fails for the same
  // id/scope/lock reasons as set(), and for ConnectionUserData at Connection scope.
  bool reset(ConfigValue id);
  absl::Status tryReset(ConfigValue id);

  // Effective value (own, else inherited, else default) as the id's declared type. These
  // are for library code and do not apply the scope check of get(): a connection store can
  // read a global-only value through its parents. Asking for the wrong type (getInt64 also
  // accepts int32 ids) or an id that is not a stored value is a bug: OPENGNS_BUG and 0 /
  // empty / null. MTU_DataSize is computed (getInt32).
  int32_t getInt32(ConfigValue id) const;
  int64_t getInt64(ConfigValue id) const;
  float getFloat(ConfigValue id) const;
  std::string getString(ConfigValue id) const;
  void* getPtr(ConfigValue id) const;
  // The effective value as a ConfigArg of the id's stored type (default for unknown ids is
  // int32 0, with OPENGNS_BUG).
  ConfigArg getEffective(ConfigValue id) const;

  // GetConfigValue (config.md §1.3, §1.9). `value`, `type` and `size_bytes` are meaningful
  // for kOK/kOKInherited; `type` is also filled for kBadScopeObj and kBufferTooSmall, and
  // `size_bytes` for kBufferTooSmall (the needed size: 4 for int32/float, 8 for int64/Ptr,
  // strlen+1 for strings).
  struct GetResult {
    GetConfigValueResult result = GetConfigValueResult::kBadValue;
    ConfigDataType type = ConfigDataType::kInt32;
    ConfigArg value;
    size_t size_bytes = 0;
  };
  GetResult get(ConfigValue id) const;
  // As get(), but reports kBufferTooSmall when the value needs more than
  // `buffer_size_bytes` bytes.
  GetResult get(ConfigValue id, size_t buffer_size_bytes) const;

  // True if the value was explicitly set at this scope (not inherited / default).
  bool isSetHere(ConfigValue id) const;

  // Locking (config.md §1.9.1): after lock(id), set/reset of id on this store fail; reads
  // still work. lockFlagged() locks every id carrying `flag` (kConfigFlagLockedOnConnection
  // when a connection is created/accepted, kConfigFlagLockedOnListenSocket when a listen
  // socket is created). The connection code additionally locks Unencrypted when it chooses
  // its cipher list.
  void lock(ConfigValue id);
  void lockFlagged(ConfigFlags flag);
  bool isLocked(ConfigValue id) const;

  // Copies the effective value into this store so it no longer follows higher scopes
  // (ConnectionUserData once a connection is created, config.md §1.9). Ignores locks.
  void pinEffectiveValue(ConfigValue id);

  // Clears every unlocked value set at this scope (tests; global store between tests).
  void resetAllUnlocked();

  // All effective values resolved now, for cheap reads on a hot path.
  ConfigSnapshot snapshot() const;

 private:
  // Own value of `id`, if set here.
  bool lookupOwn(ConfigValue id, ConfigArg* out) const;
  // Resolve through the chain; true if found in some store (else `out` = default).
  ConfigArg resolve(const ConfigEntry& entry) const;
  absl::Status checkWritable(const ConfigEntry* entry, ConfigValue id) const;

  const ConfigScope scope_;
  const ConfigStore* const parent_;
  mutable Mutex mu_;
  absl::flat_hash_map<int32_t, ConfigArg> values_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<int32_t> locked_ ABSL_GUARDED_BY(mu_);
};

// Every effective value of one store at one moment, indexed like allConfigEntries().
// Immutable; cheap reads (binary search in an 80-entry table, no locks). A connection keeps
// one and calls refreshIfStale() from its own thread (not thread-safe itself).
class ConfigSnapshot {
 public:
  ConfigSnapshot() = default;

  uint64_t generation() const { return generation_; }
  bool stale() const { return generation_ != configGeneration(); }
  // Rebuilds from `store` if any config changed since this snapshot was taken.
  void refreshIfStale(const ConfigStore& store);

  int32_t getInt32(ConfigValue id) const;
  int64_t getInt64(ConfigValue id) const;
  float getFloat(ConfigValue id) const;
  const std::string& getString(ConfigValue id) const;
  void* getPtr(ConfigValue id) const;

 private:
  friend class ConfigStore;
  const ConfigArg* find(ConfigValue id) const;

  uint64_t generation_ = 0;
  std::vector<ConfigArg> values_;  // empty until first taken
};

// The process-wide Global-scope store (config.md §1.2: global scope is process-wide). Created
// on first use, never destroyed, safe from any thread.
ConfigStore& globalConfigStore();

// Applies creation options in list order (config.md §1.7). Stops at the first option that
// fails and returns InvalidArgument naming its position, id and the reason; options before
// it stay applied (the caller discards the half-created object).
absl::Status applyOptions(ConfigStore& store, std::span<const ConfigOption> options);

}  // namespace opengns::api
