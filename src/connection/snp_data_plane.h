// The adapter that plugs the SNP engine (snp/snp_session.h) into a UdpConnection as its
// DataPlane. Nothing of SNP leaks into the state machine: the connection sees message
// numbers, plaintexts and packet numbers; the session sees decrypted packets and the
// connection's budget.
//
// Mapping (snp_session.h -> data_plane.h):
//   receivePacket outcome  kAcked -> kProcessed; kNotAcked, kDropped -> kRefused (the
//                          window still marks the number, as the session asks); kClose ->
//                          kFatal with its end reason and debug.
//   buildPacket            only when wantsToSend() or must_send; the inline stats blob
//                          and time-since-previous bytes shrink the budget
//                          (BuildOptions::stats_total_bytes), as udp.md §4.6 says.
//   pending reliable data  real-time status pending_reliable + send_unacknowledged_reliable.
//   smoothed RTT           real-time status ping (ms) once a sample exists.
//   discardUnreliableQueue no-op: the session has no such operation; GNS most likely sends
//                          queued unreliable data during Linger anyway (lifecycle.md §4.4).
//   handshake RTT sample   SnpSession::onHandshakeRttSample (first RTO, ping, min RTT).
//   created / onConnected  the session starts not connected (queues and numbers messages,
//                          builds nothing); onConnected passes the peer version, MTU and
//                          cipher tag to SnpSession::onConnected; its FailedPrecondition
//                          (lanes vs. old peer) becomes 4006 BadProtocolVersion.
//   control datagrams      SnpSession::countDatagramIn/Out.
//   discardReceivedMessages the receive limits then see an empty application queue (the
//                          connection throws the delivered messages away).
// Threading: as the session (one connection, one thread).
#pragma once

#include <functional>
#include <memory>

#include "connection/data_plane.h"
#include "snp/snp_session.h"

namespace opengns::connection {

// How the application's receive queue stands (RecvBufferSize / RecvBufferMessages); the
// API layer owns that queue. Null = always empty.
using AppQueueProbe = std::function<snp::ReceiveQueueState()>;

class SnpDataPlane : public DataPlane {
 public:
  SnpDataPlane(snp::SnpConfig config, AppQueueProbe app_queue);

  absl::StatusOr<int64_t> sendMessage(snp::Usec now, ByteSpan payload, int send_flags,
                                      int lane) override;
  DataPlaneReceiveResult receivePacket(snp::Usec now, uint64_t packet_number, ByteSpan plaintext,
                                       snp::AckUrgency urgency,
                                       std::vector<snp::ReceivedMessage>& delivered) override;
  bool wantsToSend(snp::Usec now) override;
  std::optional<BuiltPacket> buildPacket(snp::Usec now, size_t max_plaintext_bytes,
                                         size_t stats_total_bytes, bool must_send) override;
  snp::Usec nextWakeTime(snp::Usec now) override;
  bool hasPendingReliableData(snp::Usec now) override;
  void discardUnreliableQueue() override {}
  std::optional<snp::Usec> smoothedRttUsec(snp::Usec now) override;
  void onHandshakeRttSample(snp::Usec now, snp::Usec rtt_usec) override {
    session_.onHandshakeRttSample(now, rtt_usec);
  }
  std::optional<DataPlaneFailure> onConnected(const DataPlaneParams& params) override;
  int laneCount() const override { return static_cast<int>(session_.laneCount()); }
  void countControlDatagramIn(snp::Usec now, size_t udp_bytes) override {
    session_.countDatagramIn(now, static_cast<uint32_t>(udp_bytes));
  }
  void countControlDatagramOut(snp::Usec now, size_t udp_bytes) override {
    session_.countDatagramOut(now, static_cast<uint32_t>(udp_bytes));
  }
  void discardReceivedMessages() override { discarding_ = true; }

  snp::SnpSession& session() { return session_; }

 private:
  snp::SnpSession session_;
  AppQueueProbe app_queue_;
  bool discarding_ = false;
};

// A DataPlaneFactory making SnpDataPlanes from `base` (the connection's SNP config values:
// Nagle, rates, buffers, lanes); the peer version, MTU, cipher overhead and whether the
// session starts connected come from the connection (DataPlaneParams).
DataPlaneFactory snpDataPlaneFactory(snp::SnpConfig base, AppQueueProbe app_queue = nullptr);

}  // namespace opengns::connection
