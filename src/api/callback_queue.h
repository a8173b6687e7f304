// The per-instance queue of callbacks waiting for runNetworkingCallbacks (lifecycle.md §1.3,
// config.md §5.13). Any thread may post; run() takes the whole queue atomically and invokes
// the entries in posting order on the calling thread with no lock held, so a callback may
// call back into the library (and post more entries, delivered by the next run()).
// Destroying the queue drops what was not delivered.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "common/mutex.h"

namespace opengns::api {

class CallbackQueue {
 public:
  // The number of undispatched entries above which a warning is logged once per run
  // (GNS asserts above 100, config.md §4.3; the queue itself is unbounded).
  static constexpr size_t kBacklogWarning = 100;

  void post(std::function<void()> callback);
  // Delivers every entry queued before the call; returns how many ran.
  size_t run();
  // Drops everything queued (instance shutdown).
  void clear();
  size_t size() const;

 private:
  mutable Mutex mutex_;
  std::vector<std::function<void()>> queue_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace opengns::api
