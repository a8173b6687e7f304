// The SNP engine of one connection (snp.md, all of it): the send side (lanes, message
// numbers, Nagle, fragmentation, the reliable streams, resends, congestion control and
// pacing), the receive side (frame decoding, reassembly, delivery, receive limits) and
// the ack machinery between them (stop-waiting, ack frames, delayed acks, loss
// detection, RTT). It owns every src/snp component for that connection; the connection
// layer owns the session, encrypts what it builds and decrypts what it is given.
//
// sans-IO: every entry point takes `now` (snp/time.h); nextWakeTime(now) says when to call
// again. The driving loop of the connection is:
//   on a decrypted data packet: receivePacket(...)   (after the replay window accepted it)
//   whenever woken or after receiving:
//       onWake(now);
//       while (wantsToSend(now)) { packet = buildPacket(now); encrypt, add header, send; }
//       sleep until nextWakeTime(now)
// Not thread-safe: one connection, one thread (the connection's lock).
//
// What it guarantees to the application (snp.md §7.4): reliable messages of a lane are
// delivered exactly once, in order, byte-identical (as long as the connection lives);
// unreliable ones whole or not at all, at most once (with the replay window below); message
// numbers are the sender's per-lane numbers.
//
// Send results (sendMessage, flush, configureLanes) are absl::Status; the public Result is
// sendResultFromStatus():
//   InvalidArgument    -> InvalidParam (8): lane not configured, message above 512 KiB
//                         (with a log line naming the size and the limit), lane count
//                         outside 1-255 or shrinking, a weight of 0;
//   ResourceExhausted  -> LimitExceeded (25): SendBufferSize would overflow (no number used);
//   Unavailable        -> Ignored (41): NoDelay message that cannot go out in the next
//                         packet (see kNoDelayMaxWaitUsec), flush while not connected;
//   FailedPrecondition -> Fail (2): several lanes with a peer below protocol 11 (the
//                         connection then closes with BadProtocolVersion).
//
// Receive results (receivePacket) follow snp.md: decode errors and stream errors that the
// spec says close the connection give kClose with end reason 5002 (Misc_InternalError)
// and a debug text; receive limits (RecvBufferSize, RecvBufferMessages, stream holes,
// RecvMaxSegmentsPerPacket) give kNotAcked: the packet is not acked, so the peer resends.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/bytes.h"
#include "opengns/types.h"
#include "snp/ack_tracker.h"
#include "snp/congestion_controller.h"
#include "snp/lane_scheduler.h"
#include "snp/pacer.h"
#include "snp/packet_assembler.h"
#include "snp/received_message.h"
#include "snp/reliable_stream_receiver.h"
#include "snp/send_lane.h"
#include "snp/sent_packet_tracker.h"
#include "snp/time.h"
#include "snp/traffic_stats.h"
#include "snp/unreliable_reassembler.h"
#include "wire/snp_frame_decoder.h"

namespace opengns::snp {

// udp.md §4.6 (WIRE): the data header in front of every encrypted chunk, and the GCM tag.
inline constexpr uint32_t kDataHeaderBytes = 7;
inline constexpr uint32_t kAesGcmTagBytes = 16;
// udp.md §4.6 (LOCAL, GNS): MTU_PacketSize default and range, and the 52 bytes kept free
// for the header and an inline stats blob.
inline constexpr uint32_t kDefaultMtuBytes = 1300;
inline constexpr uint32_t kMinMtuBytes = 200;
inline constexpr uint32_t kMaxMtuBytes = 1300;
inline constexpr uint32_t kMtuHeaderReserveBytes = 52;
// snp.md §7.1: several lanes need a peer of at least this protocol version.
inline constexpr uint32_t kMinProtocolVersionForLanes = 11;
// Ours: at most this many handshake RTT samples are kept for onConnected() (a client
// takes one per ChallengeReply, two per second at most, within TimeoutInitial).
inline constexpr size_t kMaxKeptHandshakeRttSamples = 32;
// Ours (snp.md §6.1 leaves NoDelay to us): a NoDelay message is dropped (Ignored) when the
// data queued before it will not be cleared at the send rate within this time.
inline constexpr Usec kNoDelayMaxWaitUsec = 5 * kUsecPerMsec;

// The plaintext budget of one data packet (udp.md §4.6):
// min(mtu - 7 - stats_total - tag, mtu - 52 - tag), where stats_total is the encoded size
// of an inline stats blob (its length var-int included), 0 without one. 0 if nothing fits.
size_t maxPlaintextBytes(uint32_t mtu_bytes, uint32_t cipher_tag_bytes, uint32_t stats_total_bytes);

// The public Result of a send-side Status (see the file comment).
Result sendResultFromStatus(const absl::Status& status);

struct SnpConfig {
  // The peer's protocol version (its crypt info). From 10 on, the handshake counts as packet
  // 1 and data starts at 2 (snp.md §3.1). Used from the start if `connected`; otherwise
  // onConnected() gives the real one.
  uint32_t peer_protocol_version = 13;
  // MTU_PacketSize, bytes (config id 32; default 1300, range 200-1300, clamped).
  uint32_t mtu_bytes = kDefaultMtuBytes;
  // Cipher overhead per packet: kAesGcmTagBytes, or 0 for the NULL cipher.
  uint32_t cipher_tag_bytes = kAesGcmTagBytes;
  // NagleTime, usec (config id 12; default 5000, range 0-20000, clamped).
  Usec nagle_time_usec = kDefaultNagleTimeUsec;
  // SendBufferSize, bytes (config id 9; default 524288, range 4096-268435456, clamped).
  uint64_t send_buffer_bytes = kDefaultSendBufferSizeBytes;
  // SendRateMin / SendRateMax, bytes/s (config ids 10, 11; see congestion_controller.h
  // for our defaults: max at the top of the range means no upper clamp).
  uint64_t send_rate_min_bytes_per_sec = kDefaultSendRateMinBytesPerSec;
  uint64_t send_rate_max_bytes_per_sec = kDefaultSendRateMaxBytesPerSec;
  // RecvBufferSize, bytes (config id 47; default 1 MiB, range 4096-268435456): how far
  // reliable data may reach past the next undelivered byte, and the application queue's
  // byte limit.
  uint64_t recv_buffer_bytes = wire::kDefaultRecvBufferSizeBytes;
  // RecvBufferMessages (config id 48; default 1000, range 2-268435456): the application
  // queue's message limit.
  uint64_t recv_buffer_messages = 1000;
  // RecvMaxMessageSize, bytes (config id 49; default 524288, range 64-268435456): a larger
  // reliable message closes the connection.
  uint32_t recv_max_message_bytes = wire::kDefaultRecvMaxMessageSizeBytes;
  // RecvMaxSegmentsPerPacket (config id 50; default 1300, range 1-1300).
  uint32_t recv_max_segments_per_packet = wire::kDefaultRecvMaxSegmentsPerPacket;
  // Initial lanes (ConfigureConnectionLanes semantics, snp.md §7.1); empty spans: defaults.
  size_t lane_count = 1;
  std::vector<int> lane_priorities;
  std::vector<uint16_t> lane_weights;
  // False while the connection is still connecting: messages are queued (and numbered)
  // but nothing is sent until onConnected().
  bool connected = true;
  // See kNoDelayMaxWaitUsec.
  Usec no_delay_max_wait_usec = kNoDelayMaxWaitUsec;
  // When we ack (LOCAL, §3.2). Ours, by default: (1) a packet with unreliable segments is
  // acked like reliable data, so that a sender of only unreliable data gets RTT and
  // delivery-rate samples; (2) a delayed ack waits clamp(smoothed RTT / 4, 1 ms, 50 ms)
  // (50 ms before an RTT sample), and (3) goes at once after kAckEveryPackets packets
  // that asked for one: a fast sender's congestion control needs acks several times per
  // RTT. True = the reference's rules: unreliable-only packets schedule nothing, and
  // every delayed ack waits 50 ms (tests comparing our packets with its captures).
  bool reference_ack_rules = false;
};

// See SnpConfig::reference_ack_rules.
inline constexpr uint32_t kAckEveryPackets = 16;
inline constexpr Usec kMinDelayedAckUsec = 1 * kUsecPerMsec;

// How the application queue of received messages stands (the connection owns it), for
// the RecvBufferSize / RecvBufferMessages limits.
struct ReceiveQueueState {
  uint64_t messages = 0;
  uint64_t bytes = 0;
};

struct ReceiveOutcome {
  enum class Action : uint8_t {
    kAcked,     // processed and recorded: it will be acked
    kNotAcked,  // a receive limit refused (part of) it: not acked, the peer will resend.
                // The other frames were processed (acks, unreliable data, other lanes),
                // except those after the RecvMaxSegmentsPerPacket-th segment
    kDropped,   // ignored as a whole, without error: its ack frame acks a packet we never
                // sent (snp.md §1.8)
    kClose,     // the connection must close with end_reason and debug
  };
  Action action = Action::kAcked;
  ConnectionEnd end_reason = ConnectionEnd::kInvalid;
  std::string debug;
  size_t messages_delivered = 0;
};

struct OutgoingPacket {
  uint64_t packet_number = 0;
  Bytes plaintext;
  // UDP payload size once the connection adds the header, the stats blob it reserved
  // and the cipher tag: what the rate logic counted.
  uint32_t udp_bytes = 0;
  bool carries_data = false;           // any segment
  bool carries_reliable_data = false;  // the peer will ack it within 50 ms
  bool carries_ack = false;
};

struct BuildOptions {
  // Encoded size of the inline stats blob the connection will attach (varint length
  // included), 0 for none: shrinks the plaintext budget as udp.md §4.6 says.
  uint32_t stats_total_bytes = 0;
  // False: stop-waiting and ack only (e.g. a keepalive the connection wants right now).
  bool allow_data = true;
};

// Monotonic counts since creation, for logs, the detailed status and tests.
struct SnpSessionCounters {
  uint64_t messages_queued = 0;
  uint64_t messages_refused = 0;       // any send error
  uint64_t no_delay_dropped = 0;       // NoDelay messages answered Ignored
  uint64_t data_packets_built = 0;     // packets with at least one segment
  uint64_t control_packets_built = 0;  // stop-waiting + ack only
  uint64_t reliable_bytes_sent = 0;    // new stream bytes
  uint64_t reliable_bytes_resent = 0;  // stream bytes sent again
  uint64_t unreliable_bytes_sent = 0;
  uint64_t packets_received = 0;
  uint64_t packets_not_acked = 0;           // kNotAcked
  uint64_t packets_dropped = 0;             // kDropped
  uint64_t packets_closing = 0;             // kClose
  uint64_t segments_refused = 0;            // reliable segments refused by a receive limit
  uint64_t segments_over_packet_limit = 0;  // beyond RecvMaxSegmentsPerPacket
  uint64_t unreliable_dropped_queue_full = 0;
  uint64_t reliable_messages_delivered = 0;
  uint64_t unreliable_messages_delivered = 0;
  uint64_t bytes_delivered = 0;
};

// What the session holds in memory right now (tests check it returns to its baseline).
struct SnpMemoryUsage {
  uint64_t send_stream_held_bytes = 0;  // reliable bytes kept until acked
  uint64_t send_unreliable_queued_bytes = 0;
  size_t send_queued_messages = 0;
  size_t tracked_packets = 0;               // sent-packet records
  size_t delivery_samples = 0;              // per-packet congestion-control stamps
  uint64_t recv_stream_buffered_bytes = 0;  // reliable bytes waiting for a hole or a header
  size_t recv_unreliable_pieces = 0;        // stored pieces of partial unreliable messages
  // Partial unreliable messages dropped by the 21-stored-pieces rule (snp.md §5.2): with
  // reordering this can happen even when no packet is lost.
  uint64_t recv_unreliable_evicted_messages = 0;
  size_t recv_lanes = 0;  // lanes with receive state
};

class SnpSession {
 public:
  // `congestion_controller`: nullptr = makeDefaultCongestionController(min, max).
  explicit SnpSession(SnpConfig config,
                      std::unique_ptr<CongestionController> congestion_controller = nullptr);
  ~SnpSession();
  SnpSession(const SnpSession&) = delete;
  SnpSession& operator=(const SnpSession&) = delete;

  // --- send side (API) ---

  // Queues one message on `lane` with the public send flags (kSendReliable, kSendNoNagle,
  // kSendNoDelay; kSendUseCurrentThread is the caller's business) and returns its message
  // number. Errors: see the file comment. The payload is copied once, into the lane.
  absl::StatusOr<int64_t> sendMessage(Usec now, uint32_t lane, ByteSpan payload, int flags);
  // FlushMessagesOnConnection (snp.md §6.2): clears every Nagle timer. Unavailable
  // (-> Ignored) while not connected (the timers are cleared anyway).
  absl::Status flush(Usec now);
  // ConfigureConnectionLanes (snp.md §7.1): lanes are only added; priorities (lower =
  // first, strict) and weights (>= 1, within a priority) apply to queued messages too.
  absl::Status configureLanes(size_t lane_count, std::span<const int> priorities,
                              std::span<const uint16_t> weights);
  size_t laneCount() const { return lanes_.size(); }

  // The handshake finished; the peer speaks `peer_protocol_version`. Before any packet was
  // sent or received this also sets where packet numbers start. FailedPrecondition if
  // several lanes are configured and the peer is below protocol 11 (close the connection
  // with BadProtocolVersion).
  absl::Status onConnected(Usec now, uint32_t peer_protocol_version);
  // Same, with the packet budget's final inputs: MTU_PacketSize and the negotiated
  // cipher's tag bytes, which a session created while connecting could only guess. The
  // plaintext budget follows them at once; lanes on which nothing was queued yet also get
  // their reliable segment size (§5.1) from them, lanes with messages queued while
  // connecting keep the one computed from the guess (any size within the budget is valid).
  absl::Status onConnected(Usec now, uint32_t peer_protocol_version, uint32_t mtu_bytes,
                           uint32_t cipher_tag_bytes);
  bool connected() const { return connected_; }

  // A round-trip sample the handshake measured (udp.md §3.4: ChallengeReply / ConnectOK
  // timestamps, or the client's ping_est_ms on the server). Seeds the RTT estimator, so
  // the first RTO and the ping follow the path instead of §3.7's 1 s / 200 ms defaults,
  // and the congestion controller's min RTT (reported as an ack event that acked
  // nothing). Samples outside §3.7's sanity range (0..2000 ms) are ignored. Samples taken
  // before onConnected() survive a change of packet numbering there.
  void onHandshakeRttSample(Usec now, Usec rtt_usec);

  // --- receive side ---

  // Processes the plaintext of data packet `packet_number` (expanded, accepted by the
  // connection's replay window, decrypted) received at `now`. `stats_urgency` is what the
  // packet's inline stats blob asks (ack request flags; kNone without one). Delivered
  // messages are appended to `delivered` in delivery order. The caller marks the number
  // received in its replay window whatever the outcome (except kClose, where it stops).
  ReceiveOutcome receivePacket(Usec now, uint64_t packet_number, ByteSpan plaintext,
                               AckUrgency stats_urgency, const ReceiveQueueState& app_queue,
                               std::vector<ReceivedMessage>& delivered);

  // --- sending packets ---

  // Runs the timers that are due (loss detection, record pruning). Cheap; the other entry
  // points call it too.
  void onWake(Usec now);
  // True if a packet should go out now: the pacer allows it and an ack is due, or data is
  // ready (resends queued, a full packet queued, or the oldest Nagle deadline passed) and
  // the congestion window has room.
  bool wantsToSend(Usec now);
  // Builds the next data packet (stop-waiting, ack, data as the congestion window allows)
  // and records it as sent at `now`: the caller must send it (a packet it fails to send
  // just counts as lost). nullopt while not connected or if the MTU leaves no room.
  std::optional<OutgoingPacket> buildPacket(Usec now, const BuildOptions& options = {});
  // When to call again: the earliest of the loss timer, the ack deadline and the data
  // readiness (Nagle deadline, or now), the last two no earlier than the pacer allows.
  // kNever when idle.
  Usec nextWakeTime(Usec now) const;
  // For the connection's keepalive logic.
  Usec ackDueTime() const { return acks_.ackDueTime(); }
  Usec lastReceiveTime() const { return last_receive_time_; }
  uint64_t nextPacketNumber() const { return sent_.nextPacketNumber(); }
  // Datagrams the connection sends or receives outside the session (control packets), for
  // the traffic rates of the status.
  void countDatagramIn(Usec now, uint32_t udp_bytes) { traffic_.onDatagramIn(now, udp_bytes); }
  void countDatagramOut(Usec now, uint32_t udp_bytes) { traffic_.onDatagramOut(now, udp_bytes); }

  // --- status ---

  // getConnectionRealTimeStatus numbers (lifecycle.md §8.4). `state`, the qualities and
  // max_jitter are the connection's; this fills state as Connected / Connecting.
  RealTimeStatus realTimeStatus(Usec now) const;
  // One lane's numbers; lane must be < laneCount().
  LaneStatus laneStatus(uint32_t lane, Usec now) const;
  const SnpSessionCounters& counters() const { return counters_; }
  SnpMemoryUsage memoryUsage() const;
  size_t maxPlaintextBytes() const { return max_plaintext_bytes_; }
  const SentPacketTracker& sentPackets() const { return sent_; }
  const AckTracker& acks() const { return acks_; }
  const CongestionController& congestion() const { return *congestion_; }
  const Pacer& pacer() const { return pacer_; }
  const SnpConfig& config() const { return config_; }

 private:
  // Ours (see SnpConfig::reference_ack_rules), from the current smoothed RTT.
  DelayedAckPolicy ourDelayedAckPolicy() const;
  class Sink;  // the AckSink that routes packet fates to streams and congestion control
  friend class Sink;

  struct ReceiveLane {
    explicit ReceiveLane(uint32_t lane, const ReliableStreamLimits& limits)
        : stream(lane, limits), unreliable(lane) {}
    ReliableStreamReceiver stream;
    UnreliableReassembler unreliable;
  };

  SendLaneConfig laneConfig(uint32_t lane) const;
  void addLanes(size_t lane_count);
  uint64_t queuedBytes() const;  // every lane, resends included (SendBufferSize accounting)
  bool dataReady(Usec now) const;
  Usec dataDueTime() const;  // kNever if nothing is queued; 0 if ready regardless of time
  bool windowAllowsData() const;
  void syncPacer(Usec now);
  ReceiveLane& receiveLane(uint32_t lane);
  wire::LaneDecodeReferences laneReferences(uint32_t lane) const;
  ReceiveOutcome closeWith(std::string debug);
  // Delivery-rate stamps (DeliveryRateEstimator) of packets still tracked.
  const DeliverySample* deliverySample(uint64_t packet_number) const;
  void pruneDeliverySamples();

  SnpConfig config_;
  size_t max_plaintext_bytes_ = 0;
  bool connected_ = false;
  bool packets_exchanged_ = false;
  // Handshake RTT samples (time, rtt) taken before onConnected(): replayed into the
  // sent-packet tracker if onConnected() rebuilds it for the peer's version.
  struct HandshakeRttSample {
    Usec time = 0;
    Usec rtt_usec = 0;
  };
  std::vector<HandshakeRttSample> handshake_rtt_samples_;

  // Send side.
  std::vector<std::unique_ptr<SendLane>> lanes_;
  LaneScheduler scheduler_;
  PacketAssembler assembler_;
  SentPacketTracker sent_;
  // When sent_.detectLosses() can next find anything: its own wake time, lowered to 0
  // whenever acks or RTT samples change the tracker. Wakes before it skip detection.
  Usec loss_check_due_ = 0;
  std::unique_ptr<CongestionController> congestion_;
  DeliveryRateEstimator delivery_rate_;
  std::deque<DeliverySample> delivery_samples_;
  uint64_t delivery_samples_base_ = 0;  // packet number of delivery_samples_.front()
  Pacer pacer_;
  std::unique_ptr<Sink> sink_;

  // Receive side.
  AckTracker acks_;
  ReliableStreamLimits stream_limits_;
  std::vector<std::unique_ptr<ReceiveLane>> receive_lanes_;  // by lane, created on demand
  Usec last_receive_time_ = kNever;

  TrafficStats traffic_;
  SnpSessionCounters counters_;
};

}  // namespace opengns::snp
