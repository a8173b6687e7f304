#include "api/callback_queue.h"

#include <utility>

#include "common/log.h"

namespace opengns::api {

void CallbackQueue::post(std::function<void()> callback) {
  if (!callback) return;
  MutexLock lock(&mutex_);
  queue_.push_back(std::move(callback));
}

size_t CallbackQueue::run() {
  std::vector<std::function<void()>> batch;
  {
    MutexLock lock(&mutex_);
    batch.swap(queue_);
  }
  if (batch.size() > kBacklogWarning) {
    OPENGNS_LOG(LogLevel::kWarning, batch.size(),
                " callbacks were waiting: call runNetworkingCallbacks more often");
  }
  size_t ran = 0;
  for (std::function<void()>& callback : batch) {
    callback();  // no lock held: the callback may call any API function
    ++ran;
  }
  return ran;
}

void CallbackQueue::clear() {
  std::vector<std::function<void()>> dropped;
  {
    MutexLock lock(&mutex_);
    dropped.swap(queue_);
  }
  // `dropped` is destroyed here, outside the lock: destroying a captured object may run
  // arbitrary code.
}

size_t CallbackQueue::size() const {
  MutexLock lock(&mutex_);
  return queue_.size();
}

}  // namespace opengns::api
