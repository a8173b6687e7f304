// The library's mutex: std::mutex with Clang thread-safety annotations, so that
// ABSL_GUARDED_BY / ABSL_EXCLUSIVE_LOCKS_REQUIRED keep working.
//
// Why not absl::Mutex: Debian's abseil is built without ThreadSanitizer, so TSan cannot
// see the happens-before edges absl::Mutex creates (its fast path is plain atomics in an
// uninstrumented library). The tsan preset then reports false races on every guarded
// member and can hide real ones. std::mutex goes through pthread_mutex_*, which TSan
// intercepts, so the threaded tests are meaningful under TSan.
//
// Differences from absl::Mutex that callers rely on not needing: no reader locks, no
// Await/CondVar, no deadlock detection. assertHeld() checks the owner in debug builds
// (NDEBUG unset) and is a no-op otherwise.
#pragma once

#include <mutex>

#include "absl/base/thread_annotations.h"

#ifndef NDEBUG
#include <atomic>
#include <thread>

#include "common/log.h"
#endif

namespace opengns {

class ABSL_LOCKABLE Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() {
    mutex_.lock();
#ifndef NDEBUG
    owner_.store(std::this_thread::get_id(), std::memory_order_relaxed);
#endif
  }

  void unlock() ABSL_UNLOCK_FUNCTION() {
#ifndef NDEBUG
    owner_.store(std::thread::id(), std::memory_order_relaxed);
#endif
    mutex_.unlock();
  }

  // Tells the thread-safety analysis that the caller holds the lock; in debug builds
  // reports a bug when the calling thread does not.
  void assertHeld() const ABSL_ASSERT_EXCLUSIVE_LOCK() {
#ifndef NDEBUG
    if (owner_.load(std::memory_order_relaxed) != std::this_thread::get_id()) {
      OPENGNS_BUG("Mutex::assertHeld: the calling thread does not hold the lock");
    }
#endif
  }

 private:
  std::mutex mutex_;
#ifndef NDEBUG
  std::atomic<std::thread::id> owner_{};
#endif
};

// Holds `mutex` from construction to the end of the scope. Takes a pointer, as
// absl::MutexLock does, so that the lock is visible at the call site.
class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  explicit MutexLock(Mutex* mutex) ABSL_EXCLUSIVE_LOCK_FUNCTION(mutex) : mutex_(mutex) {
    mutex_->lock();
  }
  ~MutexLock() ABSL_UNLOCK_FUNCTION() { mutex_->unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex* const mutex_;
};

}  // namespace opengns
