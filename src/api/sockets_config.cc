// NetworkingSockets config functions (opengns extension, config.md §1.9): Global scope is
// the process-wide store, sockets-interface scope this instance's store, listen-socket and
// connection scope the store of that live object (chained: connection -> listen socket or
// interface -> global). Invalid handles fail (false / kBadScopeObj).
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

bool NetworkingSockets::setConfigValue(ListenSocketHandle socket, ConfigValue id,
                                       const ConfigArg& value) {
  return instance_->setConfigAt(socket, id, &value);
}

bool NetworkingSockets::clearConfigValue(ListenSocketHandle socket, ConfigValue id) {
  return instance_->setConfigAt(socket, id, nullptr);
}

ConfigGetResult NetworkingSockets::getConfigValue(ListenSocketHandle socket, ConfigValue id) const {
  std::optional<api::ConfigStore::GetResult> got = instance_->getConfigAt(socket, id);
  return got ? fromStore(*got) : badScopeObject(id);
}

bool NetworkingSockets::setConfigValue(ConnectionHandle connection, ConfigValue id,
                                       const ConfigArg& value) {
  return instance_->setConfigAt(connection, id, &value);
}

bool NetworkingSockets::clearConfigValue(ConnectionHandle connection, ConfigValue id) {
  return instance_->setConfigAt(connection, id, nullptr);
}

ConfigGetResult NetworkingSockets::getConfigValue(ConnectionHandle connection,
                                                  ConfigValue id) const {
  std::optional<api::ConfigStore::GetResult> got = instance_->getConfigAt(connection, id);
  return got ? fromStore(*got) : badScopeObject(id);
}

}  // namespace opengns
