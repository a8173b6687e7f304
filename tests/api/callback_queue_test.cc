// The callback queue and runNetworkingCallbacks (lifecycle.md §1.3, config.md §5.13):
// posting order is delivery order, delivery happens on the caller's thread with no library
// lock held (so API calls from inside a callback work), entries posted during a run wait for
// the next run, and destroying the instance drops what was not delivered.
#include "api/callback_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "api/instance.h"
#include "opengns/networking_sockets.h"

namespace opengns {
namespace {

std::unique_ptr<NetworkingSockets> newInstance() {
  absl::StatusOr<std::unique_ptr<NetworkingSockets>> created = NetworkingSockets::create({});
  EXPECT_TRUE(created.ok());
  return std::move(*created);
}

ConnectionStatusChangedCallback record(uint32_t handle, ConnectionState new_state) {
  ConnectionStatusChangedCallback r;
  r.connect_handle = ConnectionHandle{handle};
  r.connection.connection_state = new_state;
  r.old_state = ConnectionState::kNone;
  return r;
}

TEST(CallbackQueueTest, RunsInPostingOrderAndPostsDuringARunWait) {
  api::CallbackQueue queue;
  std::vector<int> order;
  queue.post([&] { order.push_back(1); });
  queue.post([&] {
    order.push_back(2);
    queue.post([&] { order.push_back(4); });  // delivered by the next run
  });
  queue.post([&] { order.push_back(3); });
  EXPECT_EQ(queue.run(), 3u);
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(queue.size(), 1u);
  EXPECT_EQ(queue.run(), 1u);
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3, 4}));
  EXPECT_EQ(queue.run(), 0u);
}

TEST(CallbackQueueTest, PostsFromManyThreads) {
  api::CallbackQueue queue;
  std::atomic<int> ran{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 250; ++i)
        queue.post([&] { ran.fetch_add(1); });
    });
  }
  size_t delivered = 0;
  while (delivered < 1000) {
    delivered += queue.run();  // concurrently with the posters
    std::this_thread::yield();
  }
  for (std::thread& thread : threads)
    thread.join();
  EXPECT_EQ(ran.load(), 1000);
  EXPECT_EQ(queue.size(), 0u);
}

TEST(CallbackQueueTest, ClearDropsEverything) {
  api::CallbackQueue queue;
  bool ran = false;
  queue.post([&] { ran = true; });
  queue.clear();
  EXPECT_EQ(queue.run(), 0u);
  EXPECT_FALSE(ran);
}

TEST(RunNetworkingCallbacksTest, DeliversStatusChangesInOrderOnTheCallersThread) {
  auto sockets = newInstance();
  std::vector<uint32_t> handles;
  std::thread::id caller = std::this_thread::get_id();
  sockets->setConnectionStatusChangedCallback([&](const ConnectionStatusChangedCallback& r) {
    EXPECT_EQ(std::this_thread::get_id(), caller);
    handles.push_back(static_cast<uint32_t>(r.connect_handle));
  });
  api::Instance& instance = api::InstanceAccess::of(*sockets);
  ConnectionStatusChangedHandler handler = instance.statusChangedHandlerFor(instance.config());
  ASSERT_TRUE(handler);
  // Posted from another thread, as the service thread will.
  std::thread poster([&] {
    for (uint32_t h = 1; h <= 5; ++h) {
      instance.postStatusChanged(handler, record(h, ConnectionState::kConnecting));
    }
  });
  poster.join();
  EXPECT_TRUE(handles.empty());  // nothing is delivered outside runNetworkingCallbacks
  sockets->runNetworkingCallbacks();
  EXPECT_EQ(handles, (std::vector<uint32_t>{1, 2, 3, 4, 5}));
}

TEST(RunNetworkingCallbacksTest, ApiCallsFromInsideACallbackDoNotDeadlock) {
  auto sockets = newInstance();
  api::Instance& instance = api::InstanceAccess::of(*sockets);
  int calls = 0;
  PollGroupHandle group = kInvalidPollGroup;
  sockets->setConnectionStatusChangedCallback([&](const ConnectionStatusChangedCallback&) {
    ++calls;
    // Functions that take every internal lock: tables, config, handlers, the queue itself.
    group = sockets->createPollGroup();
    EXPECT_TRUE(sockets->destroyPollGroup(group));
    EXPECT_TRUE(sockets->setConfigValue(ConfigValue::kNagleTime, int32_t{1000}));
    EXPECT_EQ(sockets->getConfigValue(ConfigValue::kNagleTime).result, GetConfigValueResult::kOK);
    sockets->setAuthenticationStatusCallback(nullptr);
    sockets->runNetworkingCallbacks();  // re-entrant: delivers what was posted meanwhile
    // Replacing the running handler is allowed; the running copy stays alive.
    sockets->setConnectionStatusChangedCallback(
        [&](const ConnectionStatusChangedCallback&) { calls += 100; });
  });
  ConnectionStatusChangedHandler handler = instance.statusChangedHandlerFor(instance.config());
  instance.postStatusChanged(handler, record(1, ConnectionState::kConnected));
  sockets->runNetworkingCallbacks();
  EXPECT_EQ(calls, 1);
  // The new handler is in effect for events resolved after the change.
  instance.postStatusChanged(instance.statusChangedHandlerFor(instance.config()),
                             record(2, ConnectionState::kConnected));
  sockets->runNetworkingCallbacks();
  EXPECT_EQ(calls, 101);
}

TEST(RunNetworkingCallbacksTest, HandlerIsTheInstanceConfigValue) {
  auto sockets = newInstance();
  api::Instance& instance = api::InstanceAccess::of(*sockets);
  // No handler: nothing is queued (config.md §5.13).
  instance.postStatusChanged(instance.statusChangedHandlerFor(instance.config()),
                             record(1, ConnectionState::kConnecting));
  EXPECT_EQ(instance.callbacks().size(), 0u);
  EXPECT_EQ(
      std::get<void*>(sockets->getConfigValue(ConfigValue::kCallbackConnectionStatusChanged).value),
      nullptr);

  sockets->setConnectionStatusChangedCallback([](const ConnectionStatusChangedCallback&) {});
  ConfigGetResult got = sockets->getConfigValue(ConfigValue::kCallbackConnectionStatusChanged);
  EXPECT_EQ(got.result, GetConfigValueResult::kOK);
  EXPECT_NE(std::get<void*>(got.value), nullptr);

  sockets->setConnectionStatusChangedCallback(nullptr);
  EXPECT_EQ(
      std::get<void*>(sockets->getConfigValue(ConfigValue::kCallbackConnectionStatusChanged).value),
      nullptr);
  EXPECT_FALSE(instance.statusChangedHandlerFor(instance.config()));
}

int raw_fn_calls = 0;
ConnectionHandle raw_fn_last{0};
void rawStatusFn(const ConnectionStatusChangedCallback* r) {
  ++raw_fn_calls;
  raw_fn_last = r->connect_handle;
}

TEST(RunNetworkingCallbacksTest, AFunctionPointerSetThroughConfigIsCalled) {
  auto sockets = newInstance();
  api::Instance& instance = api::InstanceAccess::of(*sockets);
  raw_fn_calls = 0;
  ASSERT_TRUE(sockets->setConfigValue(ConfigValue::kCallbackConnectionStatusChanged,
                                      reinterpret_cast<void*>(&rawStatusFn)));
  instance.postStatusChanged(instance.statusChangedHandlerFor(instance.config()),
                             record(42, ConnectionState::kConnected));
  sockets->runNetworkingCallbacks();
  EXPECT_EQ(raw_fn_calls, 1);
  EXPECT_EQ(raw_fn_last, ConnectionHandle{42});
  // Only a Ptr value is accepted for a callback id (config.md §1.4.9).
  EXPECT_FALSE(sockets->setConfigValue(ConfigValue::kCallbackConnectionStatusChanged, 5));
}

int raw_auth_calls = 0;
void rawAuthFn(const AuthenticationStatusCallback*) {
  ++raw_auth_calls;
}

TEST(RunNetworkingCallbacksTest, AuthenticationStatusHandlerAndGlobalFallback) {
  auto sockets = newInstance();
  api::Instance& instance = api::InstanceAccess::of(*sockets);
  std::vector<Availability> seen;
  sockets->setAuthenticationStatusCallback(
      [&](const AuthenticationStatusCallback& r) { seen.push_back(r.available); });
  AuthenticationStatusCallback status;
  status.available = Availability::kCurrent;
  status.debug_message = "OK";
  instance.postAuthStatus(status);
  sockets->runNetworkingCallbacks();
  EXPECT_EQ(seen, (std::vector<Availability>{Availability::kCurrent}));

  // Without an instance handler, the global Callback_AuthStatusChanged (202) is used.
  sockets->setAuthenticationStatusCallback(nullptr);
  raw_auth_calls = 0;
  ASSERT_TRUE(sockets->setGlobalConfigValue(ConfigValue::kCallbackAuthStatusChanged,
                                            reinterpret_cast<void*>(&rawAuthFn)));
  instance.postAuthStatus(status);
  sockets->runNetworkingCallbacks();
  EXPECT_EQ(raw_auth_calls, 1);
  ASSERT_TRUE(sockets->clearGlobalConfigValue(ConfigValue::kCallbackAuthStatusChanged));
  instance.postAuthStatus(status);
  EXPECT_EQ(instance.callbacks().size(), 0u);
}

TEST(RunNetworkingCallbacksTest, DestroyingTheInstanceDropsUndeliveredCallbacks) {
  auto sockets = newInstance();
  api::Instance& instance = api::InstanceAccess::of(*sockets);
  auto witness = std::make_shared<int>(0);
  bool ran = false;
  sockets->setConnectionStatusChangedCallback(
      [&ran, witness](const ConnectionStatusChangedCallback&) { ran = true; });
  instance.postStatusChanged(instance.statusChangedHandlerFor(instance.config()),
                             record(1, ConnectionState::kConnecting));
  EXPECT_GT(witness.use_count(), 1);
  sockets.reset();
  EXPECT_FALSE(ran);
  EXPECT_EQ(witness.use_count(), 1);  // the queued copy and the handler are gone
}

}  // namespace
}  // namespace opengns
