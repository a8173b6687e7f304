// The opengns backend of BenchTransport, written against the public API only
// (include/opengns/networking_sockets.h), as an application would use it:
//  - listen: createListenSocketIP("127.0.0.1:0"); accepted connections join one poll group.
//    Until the API is live, createListenSocketIP / connectByIPAddress return the invalid
//    handle and listen() / connect() report kUnavailable (the table then shows "n/a").
//  - Encryption: the default (Unencrypted = 0), i.e. AES-256-GCM on every data packet.
//  - Rates: SendRateMin stays at its default; SendRateMax is set globally to the top of its
//    config range (268435456 B/s), which the congestion controller treats as "no upper
//    clamp" (snp/congestion_controller.h), so no fixed rate caps the library.
//  - Send flags: kSendReliable / kSendUnreliable, plus kSendNoNagle when Nagle is off. A full
//    send buffer (kLimitExceeded) is kBusy.
//  - Loss: the global FakePacketLoss_Recv option, in both processes (as ENet's hook).
//  - Waiting: the API has no blocking wait, so an idle poll() sleeps `idle_sleep_us` between
//    checks (timer slack is lowered to 1 us so short sleeps are short).
#pragma once

#include <memory>
#include <vector>

#include "bench_transport.h"
#include "opengns/networking_sockets.h"

namespace opengns::bench {

class OpengnsTransport : public BenchTransport {
 public:
  explicit OpengnsTransport(int64_t idle_sleep_us);
  ~OpengnsTransport() override;

  std::string libraryName() const override { return "opengns"; }
  absl::StatusOr<uint16_t> listen(int max_connections) override;
  absl::Status startClient(int max_connections) override;
  absl::StatusOr<ConnId> connect(uint16_t port) override;
  SendStatus send(ConnId conn, std::span<const uint8_t> data, SendMode mode) override;
  int poll(TransportHandler& handler, int64_t max_wait_us) override;
  void close(ConnId conn, bool linger) override;
  void setReceiveLossPercent(double pct) override;
  std::optional<bool> encrypted(ConnId conn) override;

 private:
  absl::Status ensureInstance();
  void onStatusChanged(const ConnectionStatusChangedCallback& event);
  int drainMessages(TransportHandler& handler);

  int64_t idle_sleep_us_;
  std::unique_ptr<NetworkingSockets> sockets_;
  ListenSocketHandle listen_socket_ = kInvalidListenSocket;
  PollGroupHandle poll_group_ = kInvalidPollGroup;
  std::vector<MessagePtr> received_;
  TransportHandler* handler_ = nullptr;  // set while poll() runs the callbacks
  int callback_events_ = 0;
  int ended_logged_ = 0;  // connections whose end was logged to stderr
};

}  // namespace opengns::bench
