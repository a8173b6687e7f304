#include "api/connection_id_registry.h"

#include <deque>

#include "absl/container/flat_hash_set.h"
#include "common/mutex.h"
#include "connection/connection_id.h"

namespace opengns::api {
namespace {

// Random draws before giving up when the low halves are crowded (at most 8191 + 256 of
// 65535 are taken, so a draw succeeds with probability > 0.87; 64 failures in a row
// mean the random source is broken).
constexpr int kMaxDraws = 64;

struct Registry {
  Mutex mutex;
  absl::flat_hash_set<uint16_t> live_low ABSL_GUARDED_BY(mutex);
  absl::flat_hash_set<uint32_t> live ABSL_GUARDED_BY(mutex);
  std::deque<uint16_t> recent_low ABSL_GUARDED_BY(mutex);
};

Registry& registry() {
  static Registry* instance = new Registry();  // never destroyed: used until exit
  return *instance;
}

bool recentlyUsed(const Registry& r, uint16_t low) ABSL_EXCLUSIVE_LOCKS_REQUIRED(r.mutex) {
  for (uint16_t used : r.recent_low) {
    if (used == low) return true;
  }
  return false;
}

}  // namespace

uint32_t allocateConnectionId() {
  Registry& r = registry();
  MutexLock lock(&r.mutex);
  if (r.live.size() >= kMaxLiveConnectionIds) return 0;
  for (int draw = 0; draw < kMaxDraws; ++draw) {
    absl::StatusOr<uint32_t> id = connection::makeRandomConnectionId();
    if (!id.ok()) return 0;
    const uint16_t low = static_cast<uint16_t>(*id & 0xffff);
    if (r.live_low.contains(low) || recentlyUsed(r, low)) continue;
    r.live_low.insert(low);
    r.live.insert(*id);
    return *id;
  }
  return 0;
}

void releaseConnectionId(uint32_t id) {
  Registry& r = registry();
  MutexLock lock(&r.mutex);
  if (r.live.erase(id) == 0) return;
  const uint16_t low = static_cast<uint16_t>(id & 0xffff);
  r.live_low.erase(low);
  r.recent_low.push_back(low);
  if (r.recent_low.size() > kRecentConnectionIdsAvoided) r.recent_low.pop_front();
}

size_t liveConnectionIdCount() {
  Registry& r = registry();
  MutexLock lock(&r.mutex);
  return r.live.size();
}

}  // namespace opengns::api
