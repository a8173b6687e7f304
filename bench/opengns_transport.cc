#include "opengns_transport.h"

#include <sys/prctl.h>
#include <time.h>

#include <algorithm>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "bench_clock.h"

namespace opengns::bench {
namespace {

// config.md §1.4.2: the top of SendRateMax's range, which means "no upper clamp".
constexpr int32_t kSendRateUncappedBytesPerSec = 268435456;
constexpr int kReceiveBatch = 256;
constexpr int kEndedLogLimit = 5;

void sleepUs(int64_t us) {
  timespec ts{static_cast<time_t>(us / 1'000'000), static_cast<long>((us % 1'000'000) * 1000)};
  nanosleep(&ts, nullptr);
}

}  // namespace

OpengnsTransport::OpengnsTransport(int64_t idle_sleep_us) : idle_sleep_us_(idle_sleep_us) {
  prctl(PR_SET_TIMERSLACK, 1000UL);  // 1 us: the idle sleeps below are a few us long
}

OpengnsTransport::~OpengnsTransport() {
  if (sockets_ == nullptr) return;
  if (listen_socket_ != kInvalidListenSocket) sockets_->closeListenSocket(listen_socket_);
  if (poll_group_ != kInvalidPollGroup) sockets_->destroyPollGroup(poll_group_);
}

absl::Status OpengnsTransport::ensureInstance() {
  if (sockets_ != nullptr) return absl::OkStatus();
  NetworkingSocketsOptions options;
  options.log_level = DebugOutputType::kWarning;
  absl::StatusOr<std::unique_ptr<NetworkingSockets>> created = NetworkingSockets::create(options);
  if (!created.ok()) return created.status();
  sockets_ = std::move(*created);
  sockets_->setGlobalConfigValue(ConfigValue::kSendRateMax, kSendRateUncappedBytesPerSec);
  sockets_->setConnectionStatusChangedCallback(
      [this](const ConnectionStatusChangedCallback& event) { onStatusChanged(event); });
  poll_group_ = sockets_->createPollGroup();
  if (poll_group_ == kInvalidPollGroup) {
    return absl::UnavailableError("opengns: createPollGroup returned the invalid handle");
  }
  return absl::OkStatus();
}

absl::StatusOr<uint16_t> OpengnsTransport::listen(int) {
  if (absl::Status status = ensureInstance(); !status.ok()) return status;
  listen_socket_ = sockets_->createListenSocketIP("127.0.0.1:0");
  if (listen_socket_ == kInvalidListenSocket) {
    return absl::UnavailableError("opengns: createListenSocketIP returned the invalid handle");
  }
  std::optional<NetworkingIPAddr> bound =
      NetworkingIPAddr::parse(sockets_->getListenSocketAddress(listen_socket_, true));
  if (!bound || bound->port() == 0) {
    return absl::UnavailableError("opengns: getListenSocketAddress gave no port");
  }
  return bound->port();
}

absl::Status OpengnsTransport::startClient(int) {
  return ensureInstance();
}

absl::StatusOr<ConnId> OpengnsTransport::connect(uint16_t port) {
  if (absl::Status status = ensureInstance(); !status.ok()) return status;
  ConnectionHandle conn = sockets_->connectByIPAddress(absl::StrCat("127.0.0.1:", port));
  if (conn == kInvalidConnection) {
    return absl::UnavailableError("opengns: connectByIPAddress returned the invalid handle");
  }
  sockets_->setConnectionPollGroup(conn, poll_group_);
  return static_cast<ConnId>(conn);
}

SendStatus OpengnsTransport::send(ConnId conn, std::span<const uint8_t> data, SendMode mode) {
  int flags = (mode.reliable ? kSendReliable : kSendUnreliable) | (mode.nagle ? 0 : kSendNoNagle);
  SendMessageResult sent =
      sockets_->sendMessageToConnection(ConnectionHandle{conn}, std::as_bytes(data), flags);
  switch (sent.result) {
    case Result::kOK:
      return SendStatus::kOk;
    case Result::kLimitExceeded:
      return SendStatus::kBusy;
    default:
      return SendStatus::kError;
  }
}

void OpengnsTransport::onStatusChanged(const ConnectionStatusChangedCallback& event) {
  ConnectionHandle conn = event.connect_handle;
  switch (event.connection.connection_state) {
    case ConnectionState::kConnecting:
      // Only an incoming connection needs accepting (its info names our listen socket).
      if (event.connection.listen_socket != kInvalidListenSocket) {
        if (sockets_->acceptConnection(conn) != Result::kOK) {
          sockets_->closeConnection(conn, 0, "accept failed", false);
          return;
        }
        sockets_->setConnectionPollGroup(conn, poll_group_);
      }
      break;
    case ConnectionState::kConnected:
      ++callback_events_;
      if (handler_ != nullptr) handler_->onConnected(static_cast<ConnId>(conn));
      break;
    case ConnectionState::kClosedByPeer:
    case ConnectionState::kProblemDetectedLocally: {
      // Diagnostics for a failed run: why the first few connections failed.
      bool by_application = endReasonInRange(event.connection.end_reason, ConnectionEnd::kAppMin,
                                             ConnectionEnd::kAppExceptionMax);
      if (!by_application && ++ended_logged_ <= kEndedLogLimit) {
        std::cerr << "opengns-bench: opengns connection " << static_cast<uint32_t>(conn)
                  << " ended, reason " << static_cast<int>(event.connection.end_reason) << " ("
                  << event.connection.end_debug << ")\n";
      }
      sockets_->closeConnection(conn, 0, "closed", false);
      ++callback_events_;
      if (handler_ != nullptr) handler_->onClosed(static_cast<ConnId>(conn));
      break;
    }
    default:
      break;
  }
}

int OpengnsTransport::drainMessages(TransportHandler& handler) {
  int handled = 0;
  for (;;) {
    received_.clear();
    int count = sockets_->receiveMessagesOnPollGroup(poll_group_, kReceiveBatch, &received_);
    for (const MessagePtr& message : received_) {
      std::span<const std::byte> payload = message->payload();
      handler.onMessage(static_cast<ConnId>(message->connection),
                        {reinterpret_cast<const uint8_t*>(payload.data()), payload.size()});
    }
    received_.clear();  // frees the messages
    if (count <= 0) return handled;
    handled += count;
    if (count < kReceiveBatch) return handled;
  }
}

int OpengnsTransport::poll(TransportHandler& handler, int64_t max_wait_us) {
  if (sockets_ == nullptr) return 0;
  int64_t deadline_ns = monotonicNs() + max_wait_us * kNsPerUs;
  for (;;) {
    handler_ = &handler;
    callback_events_ = 0;
    sockets_->runNetworkingCallbacks();
    handler_ = nullptr;
    int handled = callback_events_ + drainMessages(handler);
    int64_t now_ns = monotonicNs();
    if (handled > 0 || now_ns >= deadline_ns) return handled;
    sleepUs(std::min<int64_t>(idle_sleep_us_, (deadline_ns - now_ns) / kNsPerUs + 1));
  }
}

void OpengnsTransport::close(ConnId conn, bool linger) {
  sockets_->closeConnection(ConnectionHandle{conn}, 0, "bench done", linger);
}

void OpengnsTransport::setReceiveLossPercent(double pct) {
  if (ensureInstance().ok()) {
    sockets_->setGlobalConfigValue(ConfigValue::kFakePacketLossRecv, static_cast<float>(pct));
  }
}

std::optional<bool> OpengnsTransport::encrypted(ConnId conn) {
  std::optional<ConnectionInfo> info = sockets_->getConnectionInfo(ConnectionHandle{conn});
  if (!info) return std::nullopt;
  return (info->info_flags & kConnectionInfoFlagUnencrypted) == 0;
}

}  // namespace opengns::bench
