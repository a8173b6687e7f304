// The process-wide trust store (see trusted_ca_config.h) and opengns/trust.h.
#include "api/trusted_ca_config.h"

#include <cstdlib>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "api/config_store.h"
#include "common/log.h"
#include "common/mutex.h"
#include "connection/certificate.h"
#include "opengns/trust.h"

namespace opengns::api {
namespace {

// p2p-and-auth.md §6.7.
constexpr char kTrustedCAEnvironmentVariable[] = "OPENGNS_TRUSTED_CA";

class TrustRegistry {
 public:
  std::shared_ptr<const connection::TrustStore> snapshot() {
    const std::string config_text =
        globalConfigStore().getString(ConfigValue::kOpengnsTrustedCAList);
    MutexLock lock(&mutex_);
    if (!environment_read_) {
      environment_read_ = true;
      if (const char* env = std::getenv(kTrustedCAEnvironmentVariable)) environment_ = env;
      dirty_ = true;
    }
    if (config_text != config_text_) {
      config_text_ = config_text;
      dirty_ = true;
    }
    if (dirty_) rebuild();
    return store_;
  }

  absl::Status add(std::string_view entries) {
    connection::TrustStore probe;  // validates before anything is kept
    absl::Status status = probe.addList(entries);
    MutexLock lock(&mutex_);
    added_.emplace_back(entries);
    dirty_ = true;
    return status;
  }

  void clear() {
    MutexLock lock(&mutex_);
    added_.clear();
    dirty_ = true;
  }

 private:
  void rebuild() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    auto store = std::make_shared<connection::TrustStore>();
    if (absl::Status s = store->addList(environment_); !s.ok()) {
      OPENGNS_LOG(LogLevel::kWarning, kTrustedCAEnvironmentVariable, ": ", s.message());
    }
    if (absl::Status s = store->addList(config_text_); !s.ok()) {
      OPENGNS_LOG(LogLevel::kWarning, "OPENGNS_TrustedCAList: ", s.message());
    }
    for (const std::string& entries : added_)
      store->addList(entries).IgnoreError();  // reported by addTrustedCA
    store_ = std::move(store);
    dirty_ = false;
  }

  Mutex mutex_;
  bool environment_read_ ABSL_GUARDED_BY(mutex_) = false;
  bool dirty_ ABSL_GUARDED_BY(mutex_) = true;
  std::string environment_ ABSL_GUARDED_BY(mutex_);
  std::string config_text_ ABSL_GUARDED_BY(mutex_);
  std::vector<std::string> added_ ABSL_GUARDED_BY(mutex_);
  std::shared_ptr<const connection::TrustStore> store_ ABSL_GUARDED_BY(mutex_);
};

TrustRegistry& registry() {
  static TrustRegistry* const instance = new TrustRegistry();  // never destroyed
  return *instance;
}

}  // namespace

connection::CaTrust currentCaTrust() {
  return connection::CaTrust{registry().snapshot(), unixNowSec()};
}

int64_t unixNowSec() {
  return static_cast<int64_t>(std::time(nullptr));
}

}  // namespace opengns::api

namespace opengns {

bool addTrustedCA(std::string_view entries, std::string* error) {
  absl::Status status = api::registry().add(entries);
  if (!status.ok() && error != nullptr) *error = std::string(status.message());
  return status.ok();
}

bool addTrustedCAKey(std::span<const uint8_t> ed25519_public_key, std::string* error) {
  if (ed25519_public_key.size() != crypto::kEd25519PublicKeyBytes) {
    if (error != nullptr) {
      *error = absl::StrCat("a CA key is 32 bytes, not ", ed25519_public_key.size());
    }
    return false;
  }
  return addTrustedCA(absl::StrCat("ID", connection::keyIdOf(ed25519_public_key), ":",
                                   connection::base64Encode(ed25519_public_key)),
                      error);
}

void clearTrustedCAs() {
  api::registry().clear();
}

}  // namespace opengns
