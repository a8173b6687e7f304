// NetworkingSockets: the factory, the lifetime of an instance, the callback run loop and
// the opengns extension setters (callbacks, log sink).
#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "api/instance.h"
#include "opengns/networking_sockets.h"

namespace opengns {

absl::StatusOr<std::unique_ptr<NetworkingSockets>> NetworkingSockets::create(
    const NetworkingSocketsOptions& options) {
  int32_t level = static_cast<int32_t>(options.log_level);
  if (level < static_cast<int32_t>(DebugOutputType::kNone) ||
      level > static_cast<int32_t>(DebugOutputType::kEverything)) {
    return absl::InvalidArgumentError(
        absl::StrCat("NetworkingSocketsOptions.log_level: ", level, " is outside 0..8"));
  }
  auto instance = std::make_unique<api::Instance>(options);
  return std::unique_ptr<NetworkingSockets>(new NetworkingSockets(std::move(instance)));
}

NetworkingSockets::NetworkingSockets(std::unique_ptr<api::Instance> instance)
    : instance_(std::move(instance)) {}

// The instance's destructor closes the connections with 2999, stops the service thread
// and drops undelivered callbacks.
NetworkingSockets::~NetworkingSockets() = default;

void NetworkingSockets::runNetworkingCallbacks() {
  instance_->callbacks().run();
}

void NetworkingSockets::setConnectionStatusChangedCallback(ConnectionStatusChangedHandler handler) {
  instance_->setStatusChangedHandler(std::move(handler));
}

void NetworkingSockets::setAuthenticationStatusCallback(AuthenticationStatusHandler handler) {
  instance_->setAuthStatusHandler(std::move(handler));
}

void NetworkingSockets::setFakeIPResultCallback(FakeIPResultHandler handler) {
  instance_->setFakeIPResultHandler(std::move(handler));
}

void NetworkingSockets::setLogSink(LogSinkFn sink, DebugOutputType log_level) {
  instance_->setLogSink(std::move(sink), log_level);
}

}  // namespace opengns
