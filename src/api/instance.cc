#include "api/instance.h"

#include <string>
#include <utility>

#include "common/log.h"

namespace opengns::api {
namespace {

// Process-wide sequence counter of poll-group handles (lifecycle.md §6.1).
std::atomic<uint32_t> poll_group_sequence{0};

}  // namespace

Instance::Instance(const NetworkingSocketsOptions& options)
    : app_id_(options.app_id),
      config_(ConfigScope::kSocketsInterface, &globalConfigStore()),
      log_level_(static_cast<int32_t>(options.log_level)),
      poll_groups_(kPollGroupHandleFlag, &poll_group_sequence) {
  if (options.log_sink) log_sink_ = std::make_shared<const LogSinkFn>(options.log_sink);
}

Instance::~Instance() {
  // Undelivered callbacks are dropped (the conventions: the destructor drops them).
  callbacks_.clear();
}

void Instance::setLogSink(LogSinkFn sink, DebugOutputType level) {
  std::shared_ptr<const LogSinkFn> shared;
  if (sink) shared = std::make_shared<const LogSinkFn>(std::move(sink));
  absl::MutexLock lock(&log_mutex_);
  log_sink_ = std::move(shared);
  log_level_.store(static_cast<int32_t>(level));
}

bool Instance::logEnabled(DebugOutputType level) const {
  std::shared_ptr<const LogSinkFn> sink;
  {
    absl::MutexLock lock(&log_mutex_);
    sink = log_sink_;
  }
  if (sink == nullptr) return ::opengns::logEnabled(static_cast<LogLevel>(level));
  return static_cast<int32_t>(level) <= log_level_.load(std::memory_order_relaxed);
}

void Instance::log(DebugOutputType level, std::string_view text) const {
  std::shared_ptr<const LogSinkFn> sink;
  {
    absl::MutexLock lock(&log_mutex_);
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
    absl::MutexLock lock(&mutex_);
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
  void* value = object_config.getPtr(ConfigValue::kCallbackConnectionStatusChanged);
  if (value == nullptr) return {};
  if (value == static_cast<const void*>(&status_handler_token_)) {
    absl::MutexLock lock(&mutex_);
    return status_handler_;
  }
  auto fn = reinterpret_cast<ConnectionStatusChangedFn>(value);
  return [fn](const ConnectionStatusChangedCallback& record) { fn(&record); };
}

void Instance::setAuthStatusHandler(AuthenticationStatusHandler handler) {
  AuthenticationStatusHandler old;  // destroyed after the lock is released
  absl::MutexLock lock(&mutex_);
  old = std::exchange(auth_handler_, std::move(handler));
}

AuthenticationStatusHandler Instance::authStatusHandler() const {
  {
    absl::MutexLock lock(&mutex_);
    if (auth_handler_) return auth_handler_;
  }
  void* value = globalConfigStore().getPtr(ConfigValue::kCallbackAuthStatusChanged);
  if (value == nullptr) return {};
  auto fn = reinterpret_cast<AuthenticationStatusFn>(value);
  return [fn](const AuthenticationStatusCallback& record) { fn(&record); };
}

void Instance::setFakeIPResultHandler(FakeIPResultHandler handler) {
  FakeIPResultHandler old;  // destroyed after the lock is released
  absl::MutexLock lock(&mutex_);
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
  absl::MutexLock lock(&mutex_);
  return PollGroupHandle{poll_groups_.insert(PollGroup{})};
}

bool Instance::destroyPollGroup(PollGroupHandle poll_group) {
  absl::MutexLock lock(&mutex_);
  // Member connections leave the group when connections exist (#4/#5); nothing else to do.
  return poll_groups_.erase(static_cast<uint32_t>(poll_group));
}

bool Instance::pollGroupExists(PollGroupHandle poll_group) const {
  absl::MutexLock lock(&mutex_);
  return poll_groups_.find(static_cast<uint32_t>(poll_group)) != nullptr;
}

Availability Instance::authAvailability() const {
  absl::MutexLock lock(&mutex_);
  return auth_availability_;
}

}  // namespace opengns::api
