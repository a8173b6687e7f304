// The state behind one NetworkingSockets facade: its sockets-interface config store, its
// callback queue and handlers, its log sink, its handle tables and its identity/auth
// status. The facade's functions (src/api/sockets_*.cc) read and change it; later layers
// (connections, messages, socket pairs, auth) add their objects here.
//
// Threading: every method may be called from any thread. mutex_ guards the tables and the
// handlers; it is never held while a callback, the log sink or user code runs.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "api/callback_queue.h"
#include "api/config_store.h"
#include "api/handle_table.h"
#include "api/poll_group.h"
#include "opengns/networking_sockets.h"

namespace opengns::api {

class Instance {
 public:
  explicit Instance(const NetworkingSocketsOptions& options);
  ~Instance();
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  uint32_t appId() const { return app_id_; }
  // The sockets-interface scope store; its parent is the global store.
  ConfigStore& config() { return config_; }
  const ConfigStore& config() const { return config_; }
  CallbackQueue& callbacks() { return callbacks_; }

  // ---- Logging: to the instance's sink if it has one, else to the process log.
  void setLogSink(LogSinkFn sink, DebugOutputType level);
  bool logEnabled(DebugOutputType level) const;
  void log(DebugOutputType level, std::string_view text) const;

  // ---- Callback handlers (lifecycle.md §1.3, config.md §5.13).
  // Stores the handler and sets Callback_ConnectionStatusChanged (201) at sockets-interface
  // scope to an opaque token (null when the handler is empty).
  void setStatusChangedHandler(ConnectionStatusChangedHandler handler);
  // The handler in effect for an object whose config store is `object_config` (a connection
  // or listen socket store chained to config(), or config() itself): the token means this
  // instance's handler, any other non-null value a ConnectionStatusChangedFn. Empty if none.
  ConnectionStatusChangedHandler statusChangedHandlerFor(const ConfigStore& object_config) const;
  void setAuthStatusHandler(AuthenticationStatusHandler handler);
  // This instance's handler, else the global Callback_AuthStatusChanged (202) function.
  AuthenticationStatusHandler authStatusHandler() const;
  void setFakeIPResultHandler(FakeIPResultHandler handler);

  // Queue a record for `handler` (resolved by the caller when the event happened, as GNS
  // does); nothing is queued when the handler is empty.
  void postStatusChanged(const ConnectionStatusChangedHandler& handler,
                         const ConnectionStatusChangedCallback& record);
  // Resolves the handler now and queues the record (nothing if no handler).
  void postAuthStatus(const AuthenticationStatusCallback& record);

  // ---- Poll groups (lifecycle.md §6.4).
  PollGroupHandle createPollGroup();
  bool destroyPollGroup(PollGroupHandle poll_group);
  bool pollGroupExists(PollGroupHandle poll_group) const;

  // ---- Authentication status (p2p-and-auth.md §6.4): CannotTry until a certificate is set.
  Availability authAvailability() const;

 private:
  const uint32_t app_id_;
  ConfigStore config_;
  CallbackQueue callbacks_;

  mutable absl::Mutex log_mutex_;
  std::shared_ptr<const LogSinkFn> log_sink_ ABSL_GUARDED_BY(log_mutex_);  // null: process log
  std::atomic<int32_t> log_level_;

  mutable absl::Mutex mutex_;
  ConnectionStatusChangedHandler status_handler_ ABSL_GUARDED_BY(mutex_);
  AuthenticationStatusHandler auth_handler_ ABSL_GUARDED_BY(mutex_);
  FakeIPResultHandler fake_ip_handler_ ABSL_GUARDED_BY(mutex_);
  HandleTable<PollGroup> poll_groups_ ABSL_GUARDED_BY(mutex_);
  Availability auth_availability_ ABSL_GUARDED_BY(mutex_) = Availability::kCannotTry;
  // Its address is the opaque value of config 201 meaning "this instance's handler".
  char status_handler_token_ = 0;
};

// Reaches the Instance behind a facade (library code and test peers).
class InstanceAccess {
 public:
  static Instance& of(NetworkingSockets& sockets) { return *sockets.instance_; }
  static const Instance& of(const NetworkingSockets& sockets) { return *sockets.instance_; }
};

}  // namespace opengns::api
