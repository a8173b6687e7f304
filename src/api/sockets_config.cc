// NetworkingSockets config functions (opengns extension, config.md §1.9): Global scope is
// the process-wide store, sockets-interface scope this instance's store. Listen-socket and
// connection scope fail for invalid handles (false / kBadScopeObj); no listen socket or
// connection exists until connections land (#4), so today every such handle is invalid.
#include "api/config_table.h"
#include "api/instance.h"
#include "opengns/networking_sockets.h"

namespace opengns {
namespace {

ConfigGetResult fromStore(const api::ConfigStore::GetResult& got) {
  ConfigGetResult result;
  result.result = got.result;
  result.type = got.type;
  result.value = got.value;
  return result;
}

// Get with a scope object that does not exist: an unknown id still reports kBadValue (the
// id is checked first, as at the other scopes); a known one reports kBadScopeObj.
ConfigGetResult badScopeObject(ConfigValue id) {
  ConfigGetResult result;
  const api::ConfigEntry* entry = api::findConfigEntry(id);
  if (entry == nullptr || entry->has(api::kConfigFlagUnregistered | api::kConfigFlagNeverValid)) {
    result.result = GetConfigValueResult::kBadValue;
    return result;
  }
  result.result = GetConfigValueResult::kBadScopeObj;
  result.type = entry->type;
  return result;
}

}  // namespace

bool NetworkingSockets::setGlobalConfigValue(ConfigValue id, const ConfigArg& value) {
  return api::globalConfigStore().set(id, value);
}

bool NetworkingSockets::clearGlobalConfigValue(ConfigValue id) {
  return api::globalConfigStore().reset(id);
}

ConfigGetResult NetworkingSockets::getGlobalConfigValue(ConfigValue id) const {
  return fromStore(api::globalConfigStore().get(id));
}

bool NetworkingSockets::setConfigValue(ConfigValue id, const ConfigArg& value) {
  return instance_->config().set(id, value);
}

bool NetworkingSockets::clearConfigValue(ConfigValue id) {
  return instance_->config().reset(id);
}

ConfigGetResult NetworkingSockets::getConfigValue(ConfigValue id) const {
  return fromStore(instance_->config().get(id));
}

bool NetworkingSockets::setConfigValue(ListenSocketHandle, ConfigValue, const ConfigArg&) {
  return false;  // not yet: no listen socket exists (#4)
}

bool NetworkingSockets::clearConfigValue(ListenSocketHandle, ConfigValue) {
  return false;
}

ConfigGetResult NetworkingSockets::getConfigValue(ListenSocketHandle, ConfigValue id) const {
  return badScopeObject(id);
}

bool NetworkingSockets::setConfigValue(ConnectionHandle, ConfigValue, const ConfigArg&) {
  return false;  // not yet: no connection exists (#4)
}

bool NetworkingSockets::clearConfigValue(ConnectionHandle, ConfigValue) {
  return false;
}

ConfigGetResult NetworkingSockets::getConfigValue(ConnectionHandle, ConfigValue id) const {
  return badScopeObject(id);
}

}  // namespace opengns
