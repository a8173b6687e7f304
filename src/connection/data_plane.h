// The data plane of a connection: the SNP engine (reliability, acks, lanes, pacing) seen
// through exactly the operations the connection state machine needs. The connection owns
// the packet numbers, the encryption and the UDP framing; the data plane sees only full
// packet numbers and plaintext.
//
// Lifetime: created with the connection (DataPlaneParams::connected false), so that
// messages sent while connecting are accepted and numbered at send time (snp.md §2.1,
// §6.2) and lanes configured before the handshake apply; onConnected() gives the real
// peer version and packet budget once the handshake is done. The connection calls
// buildPacket() only after that, and drops the data plane when it closes.
//
// Why an interface: the state machine is tested with a small test double, and the real
// engine (src/snp/snp_session.h) is plugged in by an adapter, without either depending
// on the other's internals.
//
// Contract: sans-IO, every call takes the current time; one thread at a time; the
// connection calls receivePacket() only for packets that passed the replay window and
// decrypted, in the order they arrived. The data plane numbers the packets it builds
// (strictly increasing by one, never skipped, udp.md §4.4): the connection uses that
// number for the header and the nonce and sends every packet built (a packet it cannot
// send counts as lost).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/bytes.h"
#include "snp/ack_tracker.h"
#include "snp/received_message.h"
#include "snp/time.h"

namespace opengns::connection {

struct DataPlaneReceiveResult {
  enum class Kind {
    kProcessed,  // frames applied; the packet will be acked
    kRefused,    // processed but not to be acked (resource limits, snp.md §2.4)
    kFatal,      // the peer broke the protocol: the connection fails with end_reason
  };
  Kind kind = Kind::kProcessed;
  int end_reason = 0;  // for kFatal (e.g. 5002)
  std::string debug;   // for kFatal
};

// Why a data plane refuses to go on (the connection fails with this reason).
struct DataPlaneFailure {
  int end_reason = 0;
  std::string debug;
};

struct BuiltPacket {
  uint64_t packet_number = 0;     // full number; strictly increasing, never skipping
  Bytes plaintext;                // the SNP frames of one packet (never empty)
  bool carries_reliable = false;  // reliable segments inside: the packet expects a reply
};

struct DataPlaneParams;

class DataPlane {
 public:
  virtual ~DataPlane() = default;

  // Queues an application message (API send flags). Returns the message number. Also
  // before onConnected(): the message is numbered now and goes out once connected, except
  // a NoDelay one, refused with Unavailable (-> Ignored, snp.md §6.1).
  virtual absl::StatusOr<int64_t> sendMessage(snp::Usec now, ByteSpan payload, int send_flags,
                                              int lane) = 0;

  // The handshake finished: `params` has the peer's protocol version (it decides where
  // packet numbers start, snp.md §3.1) and the final packet budget. A failure (several
  // lanes configured for a peer below protocol 11, snp.md §7.1) ends the connection.
  // Default: nothing to do (a data plane created with final values).
  virtual std::optional<DataPlaneFailure> onConnected(const DataPlaneParams& /*params*/) {
    return std::nullopt;
  }
  // Lanes configured so far (the handshake refuses several lanes with an old peer,
  // crypto.md §3.4 check 3).
  virtual int laneCount() const { return 1; }

  // Applies one decrypted packet. `urgency` is the ack request of the packet's inline
  // stats blob (udp.md §6.2), to be applied after the frames. Complete messages are
  // appended to `delivered`.
  virtual DataPlaneReceiveResult receivePacket(snp::Usec now, uint64_t packet_number,
                                               ByteSpan plaintext, snp::AckUrgency urgency,
                                               std::vector<snp::ReceivedMessage>& delivered) = 0;

  // Whether a packet should go out now (data allowed by pacing, an ack due, ...).
  virtual bool wantsToSend(snp::Usec now) = 0;
  // The next packet, its plaintext at most `max_plaintext_bytes` (udp.md §4.6 budget,
  // computed by the connection with `stats_total_bytes` of inline stats blob and
  // time-since-previous field). With `must_send` (keepalive, urgent ping) a minimal packet
  // is produced even if there is nothing to say; otherwise nullopt = nothing to send.
  virtual std::optional<BuiltPacket> buildPacket(snp::Usec now, size_t max_plaintext_bytes,
                                                 size_t stats_total_bytes, bool must_send) = 0;

  // Earliest time the data plane wants wantsToSend() re-evaluated (kNever if idle).
  virtual snp::Usec nextWakeTime(snp::Usec now) = 0;

  // Reliable bytes queued or sent but not yet acknowledged (Linger waits for none).
  virtual bool hasPendingReliableData(snp::Usec now) = 0;
  // Drops queued unreliable messages (closeConnection, lifecycle.md §4.1).
  virtual void discardUnreliableQueue() = 0;

  // Smoothed round-trip time, if known.
  virtual std::optional<snp::Usec> smoothedRttUsec(snp::Usec now) = 0;
  // A ping sample taken by the handshake (ChallengeReply / ConnectOK / ping_est_ms), as
  // it is taken (also before onConnected()).
  virtual void onHandshakeRttSample(snp::Usec now, snp::Usec rtt_usec) = 0;

  // Control datagrams (udp.md §2) the connection exchanged with its peer, for the traffic
  // numbers of the status (lifecycle.md §8.4). Default: not counted.
  virtual void countControlDatagramIn(snp::Usec /*now*/, size_t /*udp_bytes*/) {}
  virtual void countControlDatagramOut(snp::Usec /*now*/, size_t /*udp_bytes*/) {}

  // The application closed the connection (Linger): from now on received message data
  // is thrown away, and the packets carrying it are still acked (snp.md §2.4,
  // lifecycle.md §4.4), so the application's receive queue limits must not refuse them.
  // The connection drops whatever receivePacket() still delivers. Default: nothing.
  virtual void discardReceivedMessages() {}
};

// What a data plane is created with (at connection creation, `connected` false) and what
// onConnected() then confirms (`connected` true).
struct DataPlaneParams {
  snp::Usec now = 0;
  // False at creation: the peer version is our own (wire::kProtocolVersion) and the
  // budget is a guess from our cipher list until onConnected() gives the real values.
  bool connected = true;
  uint32_t peer_protocol_version = 0;
  // Largest plaintext one packet can carry with no stats blob (udp.md §4.6 max_plain).
  size_t max_plaintext_bytes = 0;
  uint32_t mtu_bytes = 1300;      // MTU_PacketSize, clamped to 200..1300
  uint32_t cipher_tag_bytes = 0;  // 16 for AES-GCM, 0 for NULL
};

using DataPlaneFactory = std::function<std::unique_ptr<DataPlane>(const DataPlaneParams&)>;

}  // namespace opengns::connection
