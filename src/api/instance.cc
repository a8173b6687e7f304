// Instance: lifetime, the lock guard, logging, callback handlers and poll groups (see
// instance.h for the locking rules and the other implementation files).
#include "api/instance.h"

#include <string>
#include <utility>

#include "api/connection_id_registry.h"
#include "common/log.h"
#include "transport/monotonic_clock.h"

namespace opengns::api {
namespace {

// Process-wide sequence counters of listen-socket and poll-group handles (lifecycle.md §6.1).
std::atomic<uint32_t> poll_group_sequence{0};
std::atomic<uint32_t> listen_socket_sequence{0};

}  // namespace

Instance::Locked::Locked(const Instance* instance) : instance_(const_cast<Instance*>(instance)) {
  instance_->mutex_.lock();
  instance_->now_usec_ = transport::nowUsec();
}

Instance::Locked::~Locked() {
  std::vector<std::pair<DebugOutputType, std::string>> logs;
  logs.swap(instance_->pending_logs_);
  instance_->mutex_.unlock();
  for (const auto& [level, text] : logs)
    instance_->log(level, text);  // no lock held: the sink is user code
}

Instance::Instance(const NetworkingSocketsOptions& options)
    : app_id_(options.app_id),
      config_(ConfigScope::kSocketsInterface, &globalConfigStore()),
      log_level_(static_cast<int32_t>(options.log_level)),
      poll_groups_(kPollGroupHandleFlag, &poll_group_sequence),
      listen_sockets_(kListenSocketHandleFlag, &listen_socket_sequence) {
  if (options.log_sink) log_sink_ = std::make_shared<const LogSinkFn>(options.log_sink);
}

Instance::~Instance() {
  std::unique_ptr<transport::ServiceLoop> loop;
  {
    Locked lock(this);
    shutdownLocked();
    loop = std::move(loop_);
  }
  // Joined without the lock: the loop thread may be waiting for it. After this no thread
  // but ours touches the instance.
  loop.reset();
  {
    Locked lock(this);
    listen_sockets_.forEach([](uint32_t, std::unique_ptr<ListenSocketRecord>& socket) {
      socket->core.reset();  // before the records its connections report to
    });
    for (auto& [id, record] : connections_) {
      record->client.reset();
      releaseConnectionId(id);
    }
    connections_.clear();
    listen_sockets_.clear();
    endpoint_owners_.clear();
  }
  // Undelivered callbacks are dropped (the conventions: the destructor drops them).
  callbacks_.clear();
}

void Instance::deferLog(DebugOutputType level, std::string text) {
  pending_logs_.emplace_back(level, std::move(text));
}

void Instance::setLogSink(LogSinkFn sink, DebugOutputType level) {
  std::shared_ptr<const LogSinkFn> shared;
  if (sink) shared = std::make_shared<const LogSinkFn>(std::move(sink));
  MutexLock lock(&log_mutex_);
  log_sink_ = std::move(shared);
  log_level_.store(static_cast<int32_t>(level));
}

bool Instance::logEnabled(DebugOutputType level) const {
  std::shared_ptr<const LogSinkFn> sink;
  {
    MutexLock lock(&log_mutex_);
    sink = log_sink_;
  }
  if (sink == nullptr) return ::opengns::logEnabled(static_cast<LogLevel>(level));
  return static_cast<int32_t>(level) <= log_level_.load(std::memory_order_relaxed);
}

void Instance::log(DebugOutputType level, std::string_view text) const {
  std::shared_ptr<const LogSinkFn> sink;
  {
    MutexLock lock(&log_mutex_);
    sink = log_sink_;
  }
  if (sink == nullptr) {
    if (::opengns::logEnabled(static_cast<LogLevel>(level))) {
      logLine(static_cast<LogLevel>(level), text);
    }
    return;
  }
  if (static_cast<int32_t>(level) <= log_level_.load(std::memory_order_relaxed)) {
    (*sink)(level, text);  // no lock held
  }
}

void Instance::setStatusChangedHandler(ConnectionStatusChangedHandler handler) {
  bool has_handler = static_cast<bool>(handler);
  ConnectionStatusChangedHandler old;
  {
    MutexLock lock(&mutex_);
    old = std::exchange(status_handler_, std::move(handler));
  }
  // Config 201 lives in the instance's own store, so no other instance sees the token.
  void* token = has_handler ? static_cast<void*>(&status_handler_token_) : nullptr;
  if (!config_.set(ConfigValue::kCallbackConnectionStatusChanged, ConfigArg(token))) {
    OPENGNS_BUG("could not set Callback_ConnectionStatusChanged at interface scope");
  }
  // `old` is destroyed here, outside the lock.
}

ConnectionStatusChangedHandler Instance::statusChangedHandlerFor(
    const ConfigStore& object_config) const {
  MutexLock lock(&mutex_);
  return statusChangedHandlerLocked(object_config);
}

ConnectionStatusChangedHandler Instance::statusChangedHandlerLocked(
    const ConfigStore& object_config) const {
  void* value = object_config.getPtr(ConfigValue::kCallbackConnectionStatusChanged);
  if (value == nullptr) return {};
  if (value == static_cast<const void*>(&status_handler_token_)) return status_handler_;
  auto fn = reinterpret_cast<ConnectionStatusChangedFn>(value);
  return [fn](const ConnectionStatusChangedCallback& record) { fn(&record); };
}

void Instance::setAuthStatusHandler(AuthenticationStatusHandler handler) {
  AuthenticationStatusHandler old;  // destroyed after the lock is released
  MutexLock lock(&mutex_);
  old = std::exchange(auth_handler_, std::move(handler));
}

AuthenticationStatusHandler Instance::authStatusHandler() const {
  {
    MutexLock lock(&mutex_);
    if (auth_handler_) return auth_handler_;
  }
  void* value = globalConfigStore().getPtr(ConfigValue::kCallbackAuthStatusChanged);
  if (value == nullptr) return {};
  auto fn = reinterpret_cast<AuthenticationStatusFn>(value);
  return [fn](const AuthenticationStatusCallback& record) { fn(&record); };
}

void Instance::setFakeIPResultHandler(FakeIPResultHandler handler) {
  FakeIPResultHandler old;  // destroyed after the lock is released
  MutexLock lock(&mutex_);
  old = std::exchange(fake_ip_handler_, std::move(handler));
}

void Instance::postStatusChanged(const ConnectionStatusChangedHandler& handler,
                                 const ConnectionStatusChangedCallback& record) {
  if (!handler) return;
  callbacks_.post([handler, record] { handler(record); });
}

void Instance::postAuthStatus(const AuthenticationStatusCallback& record) {
  AuthenticationStatusHandler handler = authStatusHandler();
  if (!handler) return;
  callbacks_.post([handler = std::move(handler), record] { handler(record); });
}

PollGroupHandle Instance::createPollGroup() {
  Locked lock(this);
  return PollGroupHandle{poll_groups_.insert(PollGroup{})};
}

bool Instance::destroyPollGroup(PollGroupHandle poll_group) {
  Locked lock(this);
  PollGroup* group = poll_groups_.find(static_cast<uint32_t>(poll_group));
  if (group == nullptr) return false;
  // Members leave the group; their messages stay on the connection queues (§6.4).
  for (uint32_t member : group->members) {
    if (ConnectionRecord* record = findRecord(member)) record->poll_group = 0;
  }
  return poll_groups_.erase(static_cast<uint32_t>(poll_group));
}

bool Instance::pollGroupExists(PollGroupHandle poll_group) const {
  Locked lock(this);
  return poll_groups_.find(static_cast<uint32_t>(poll_group)) != nullptr;
}

bool Instance::setConnectionPollGroup(ConnectionHandle connection, PollGroupHandle poll_group) {
  Locked lock(this);
  ConnectionRecord* record = findVisible(connection);
  if (record == nullptr) return false;
  const uint32_t group_handle = static_cast<uint32_t>(poll_group);
  PollGroup* group = nullptr;
  if (group_handle != 0) {
    group = poll_groups_.find(group_handle);
    if (group == nullptr) return false;
  }
  if (record->poll_group == group_handle) return true;
  removeFromPollGroup(*record);
  if (group != nullptr) {
    record->poll_group = group_handle;
    group->members.insert(record->id);
    // Messages already queued on the connection join the group's queue by receive time.
    group->queue.merge(record->queue.entries(record->id));
  }
  return true;
}

void Instance::removeFromPollGroup(ConnectionRecord& record) {
  if (record.poll_group == 0) return;
  if (PollGroup* group = poll_groups_.find(record.poll_group)) {
    group->members.erase(record.id);
    group->queue.removeConnection(record.id);
  }
  record.poll_group = 0;
}

}  // namespace opengns::api
