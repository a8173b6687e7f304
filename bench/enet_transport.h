// The ENet backend of BenchTransport (libenet 1.3.x, unencrypted, as ENet always is).
//
// Choices that make the comparison fair, and that the table's config states:
//  - No bandwidth limit: enet_host_create(..., 0, 0), so ENet's own window is the only cap.
//  - One channel; reliable = ENET_PACKET_FLAG_RELIABLE; unreliable = flag 0, i.e. ENet's
//    default *sequenced* unreliable (a late packet is dropped, never reordered). We do not use
//    UNSEQUENCED: its 1024-group window drops packets at high rates, which would measure the
//    window rather than the transport.
//  - "No Nagle" = enet_host_flush() after every message; "Nagle" = messages queue until the
//    next enet_host_service(), which packs them into datagrams (the worker services after at
//    most a small batch of sends).
//  - Send queue bound: ENet queues without limit, so the backend counts the bytes of packets
//    it created and ENet has not freed yet (freed = acknowledged for reliable, sent for
//    unreliable) and reports kBusy above 512 KiB, opengns's default SendBufferSize.
//  - Loss: the host's intercept hook drops received datagrams at random (one transport per
//    process, so the hook finds it through a process-wide pointer).
#pragma once

#include <enet/enet.h>

#include <random>
#include <unordered_set>

#include "bench_transport.h"

namespace opengns::bench {

class EnetTransport : public BenchTransport {
 public:
  EnetTransport();
  ~EnetTransport() override;

  std::string libraryName() const override { return "enet"; }
  absl::StatusOr<uint16_t> listen(int max_connections) override;
  absl::Status startClient(int max_connections) override;
  absl::StatusOr<ConnId> connect(uint16_t port) override;
  SendStatus send(ConnId conn, std::span<const uint8_t> data, SendMode mode) override;
  int poll(TransportHandler& handler, int64_t max_wait_us) override;
  void close(ConnId conn, bool linger) override;
  void setReceiveLossPercent(double pct) override { loss_pct_ = pct; }
  std::optional<bool> encrypted(ConnId) override { return false; }

 private:
  static int interceptHook(ENetHost* host, ENetEvent* event);
  static void onPacketFreed(ENetPacket* packet);
  absl::Status createHost(const ENetAddress* address, int max_connections);
  ENetPeer* peer(ConnId conn) const;
  void dispatch(const ENetEvent& event, TransportHandler& handler);

  ENetHost* host_ = nullptr;
  bool initialized_ = false;
  int64_t queued_bytes_ = 0;  // created by send(), not yet freed by ENet
  double loss_pct_ = 0;
  std::mt19937_64 rng_{0x6f70656e676e73};  // fixed seed: repeatable loss pattern
  std::unordered_set<ConnId> closed_locally_;
};

}  // namespace opengns::bench
