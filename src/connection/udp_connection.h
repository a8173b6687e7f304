// One direct-UDP connection, either role, as a sans-IO state machine (udp.md §1.1, §2,
// §5, §6; lifecycle.md §1-5, §8). Input: the current time plus a datagram from the peer's
// address, a timer tick, or an application action (connect, accept, close, send). Output:
// datagrams through a DatagramSink, events through a ConnectionEventSink, and
// nextWakeTime(). No socket, clock or thread in here.
//
// What it guarantees:
//  - States and callbacks follow lifecycle.md §1.2 (T1, T3-T5, T7-T20): a status-changed
//    event exactly when the collapsed state changes; none when creation fails (T2).
//  - The handshake of udp.md §2.2-2.5 / §5.1-5.2: the client sends a ChallengeRequest at
//    once and every 0.5 s (new timestamp each time, measured from the last request of
//    either kind), one ConnectRequest per ChallengeReply, never resends a ConnectRequest
//    by itself; the server sends ConnectOK on accept and again for each matching retry
//    while Connected/Linger, echoing the first ConnectRequest's timestamp for 4 s.
//  - Close packets per udp.md §5.5-5.6 (ConnectionClosed or NoConnection by the wire
//    state), sent once on the transition and then only in reaction to peer traffic; N1
//    echoes always for matching ConnectionClosed, N1/N3 for wrong IDs only under the
//    shared spam limit.
//  - The data receive order of crypto.md §5.4: window check, decrypt, lurch check (5001),
//    data plane, markReceived; the inline stats ack request applied after the frames. An
//    unauthenticated packet never changes any state.
//  - Keepalives, reply timeouts and the death rule of lifecycle.md §5.3 (liveness_tracker).
//  - The data plane exists from creation: messages sent while Connecting (both roles; the
//    server also before accept) are numbered at send time and go out once Connected
//    (snp.md §2.1, §6.2); the peer version known at Connected decides the packet
//    numbering. Handshake ping samples seed its RTT; control datagrams count in its
//    traffic numbers. Message data received during Linger is acked but thrown away
//    (lifecycle.md §4.4); a closed connection answers data with its close packet.
//  - The first end reason wins, except a local problem during Linger (lifecycle.md §1.2).
//  - Bad input (truncated, garbage, replayed, spoofed) never crashes and changes nothing
//    beyond what the spec says (a control datagram from the peer's address counts as
//    "received" for timeouts, as in GNS).
//
// Ownership and threading: the owner (the API layer for clients, ListenSocketCore for
// accepted connections) drives one connection from one thread at a time. The sinks and
// the rate limiter are borrowed and must outlive the connection; see connection_io.h for
// the re-entrancy rule (sinks must not call back into the connection).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/bytes.h"
#include "connection/connection_config.h"
#include "connection/connection_io.h"
#include "connection/crypt_info.h"
#include "connection/data_plane.h"
#include "connection/handshake_crypto.h"
#include "connection/liveness_tracker.h"
#include "connection/local_credentials.h"
#include "connection/peer_address.h"
#include "connection/reply_rate_limiter.h"
#include "crypto/packet_crypto.h"
#include "opengns/types.h"
#include "opengns_udp.pb.h"
#include "snp/packet_number_window.h"
#include "snp/time.h"
#include "wire/control_packet.h"

namespace opengns::connection {

// udp.md §5.1 (LOCAL): client handshake retry interval.
inline constexpr snp::Usec kHandshakeRetryIntervalUsec = 500 * snp::kUsecPerMsec;
// udp.md §5.5 / lifecycle.md §4.4 (LOCAL): FinWait lasts 5 s.
inline constexpr snp::Usec kFinWaitUsec = 5 * snp::kUsecPerSec;
// udp.md §3.4 (LOCAL): the server echoes a ConnectRequest timestamp for less than 4 s.
inline constexpr snp::Usec kMaxEchoedTimestampAgeUsec = 4 * snp::kUsecPerSec;
// udp.md §3.4 (LOCAL): handshake RTT samples are used only within 0..2 s.
inline constexpr snp::Usec kMaxHandshakeRttUsec = 2 * snp::kUsecPerSec;
// udp.md §2.4 field 6 (LOCAL): a ping_est_ms above this is ignored.
inline constexpr uint32_t kMaxAcceptedPingEstimateMs = 1500;
// LOCAL: at most this many data packets per service call (keeps one call bounded).
inline constexpr int kMaxPacketsPerService = 256;

// Borrowed collaborators of a connection.
struct ConnectionEnvironment {
  DatagramSink* datagrams = nullptr;
  ConnectionEventSink* events = nullptr;
  ReplyRateLimiter* spam_limiter = nullptr;  // shared process/instance-wide (udp.md §5.7)
  DataPlaneFactory data_plane_factory;
};

struct ClientConnectParams {
  uint32_t local_connection_id = 0;  // random, both 16-bit halves non-zero (udp.md §3.1)
  PeerAddress server_address;
  std::shared_ptr<const LocalCredentials> credentials;
  std::optional<NetworkingIdentity> expected_server_identity;
  ConnectionConfig config;
};

// A ConnectRequest the listen socket verified (challenge, client ID, identity, cert and
// crypt info: udp.md §2.4 steps 1-6).
struct IncomingConnectRequest {
  PeerAddress client_address;
  uint32_t client_connection_id = 0;
  VerifiedPeer client;
  std::optional<uint64_t> client_timestamp;  // field 5
  std::optional<uint32_t> ping_est_ms;       // field 6
  snp::Usec received_at = 0;
};

struct ServerConnectionParams {
  uint32_t local_connection_id = 0;
  ListenSocketHandle listen_socket = kInvalidListenSocket;
  std::shared_ptr<const LocalCredentials> credentials;
  ConnectionConfig config;
  IncomingConnectRequest request;
};

// One side of a loopback socket pair (lifecycle.md §9.2): the partner's socket address,
// the cert this side presents (its identity is the partner's remote identity) and its own
// config and sinks.
struct PairedSideParams {
  uint32_t local_connection_id = 0;
  PeerAddress peer_address;
  std::shared_ptr<const LocalCredentials> credentials;
  ConnectionConfig config;
  ConnectionEnvironment env;
};

class UdpConnection;

// The two connected ends made by UdpConnection::createPaired.
struct PairedConnections {
  std::unique_ptr<UdpConnection> first;   // takes the client's part in the key schedule
  std::unique_ptr<UdpConnection> second;  // the server's part: its Unencrypted value decides
};

class UdpConnection {
 public:
  enum class Role { kClient, kServer };

  // T1: a client connection in Connecting (event 0 -> 1) that has sent its first
  // ChallengeRequest. Errors (T2: our own cert not allowed, crypt info failure, bad
  // parameters) create nothing and emit nothing.
  static absl::StatusOr<std::unique_ptr<UdpConnection>> connect(snp::Usec now,
                                                                ClientConnectParams params,
                                                                ConnectionEnvironment env);
  // T3: a server connection in Connecting (event 0 -> 1, listen_socket set); nothing sent.
  static std::unique_ptr<UdpConnection> createIncoming(snp::Usec now, ServerConnectionParams params,
                                                       ConnectionEnvironment env);
  // T21 (udp_connection_pair.cc): two connections to each other, keys agreed in process
  // (no handshake on the wire), both Connected, no status event for either. Errors (bad
  // parameters, no common cipher, crypt info or key failure) create nothing, emit nothing.
  static absl::StatusOr<PairedConnections> createPaired(snp::Usec now, PairedSideParams first,
                                                        PairedSideParams second);

  UdpConnection(const UdpConnection&) = delete;
  UdpConnection& operator=(const UdpConnection&) = delete;
  ~UdpConnection();

  // A datagram from the peer's address (the caller routed it by source address).
  void onDatagram(snp::Usec now, ByteSpan datagram);
  // Timers: handshake retries and timeouts, keepalives, the death rule, FinWait, sending.
  void onTimer(snp::Usec now);
  // When onTimer must run next (snp::kNever if nothing is scheduled); `now` is the
  // current time (the data plane's pacing needs it).
  snp::Usec nextWakeTime(snp::Usec now);

  // lifecycle.md §3.2: kInvalidParam (client side, or not visible to the API),
  // kInvalidState (not Connecting), kHandshakeFailed (cipher negotiation / keys failed,
  // or several lanes configured before accept for a client below protocol 11, 4006:
  // ProblemDetectedLocally, ConnectionClosed sent), kOK (ConnectOK sent, Connected, and
  // what was sent before accept follows the ConnectOK at once).
  Result accept(snp::Usec now);
  // Server, strict mode (OPENGNS_RequireCA, config.md §8): the ConnectRequest that
  // created this connection was refused; ProblemDetectedLocally with `reason` and a
  // ConnectionClosed to the client, so both sides see the refusal.
  void refuseHandshake(snp::Usec now, int reason, std::string_view debug);
  // lifecycle.md §4: false if the connection is not visible to the API any more.
  bool close(snp::Usec now, int reason, std::string_view debug, bool linger);
  // T20 (closeListenSocket): Dead at once, event x -> 0 if the API state was visible,
  // nothing sent.
  void destroySilently(snp::Usec now);

  // Queues a message on a Connecting or Connected connection (FailedPrecondition in any
  // other state) and, if Connected, sends what the data plane allows now. While
  // Connecting the message gets its number now and goes out once the connection is
  // established; a NoDelay message is refused then (Unavailable -> Ignored, snp.md §6.1).
  // The data plane's other errors (send buffer, lane, size) apply in both states.
  absl::StatusOr<int64_t> sendMessage(snp::Usec now, ByteSpan payload, int send_flags,
                                      int lane = 0);

  // New config values (timeouts and MTU apply at once; see connection_config.h).
  void updateConfig(const ConnectionConfig& config);
  // The application's connection name (only used in the description, lifecycle.md §6.3).
  void setAppName(std::string_view name);

  // lifecycle.md §8.1 snapshot (user_data left at its default: the API layer owns it).
  ConnectionInfo info() const;

  Role role() const { return role_; }
  uint32_t localId() const { return local_id_; }
  uint32_t remoteId() const { return remote_id_; }
  const PeerAddress& peerAddress() const { return peer_address_; }
  const NetworkingIdentity& peerIdentity() const { return peer_identity_; }
  ConnectionState state() const { return state_; }
  ConnectionState wireState() const { return wire_state_; }
  ConnectionEnd endReason() const { return end_reason_; }
  const std::string& endDebug() const { return end_debug_; }
  bool isDead() const { return state_ == ConnectionState::kDead; }
  // The latest handshake ping sample in ms, if any.
  std::optional<int> handshakePingMs() const;
  // The data plane from creation on while Connecting, Connected or Linger (nullptr once
  // closed, or if the factory gave none). For status queries and lane configuration
  // (lanes configured while Connecting apply once connected).
  DataPlane* dataPlane() { return data_plane_.get(); }

 private:
  UdpConnection(Role role, uint32_t local_id, PeerAddress peer, ConnectionConfig config,
                ConnectionEnvironment env);

  // --- lifecycle (udp_connection.cc) ---
  void setState(snp::Usec now, ConnectionState new_state);
  void recordEnd(int reason, std::string_view debug, bool overwrite);
  void failLocally(snp::Usec now, int reason, std::string_view debug);
  void closedByPeer(snp::Usec now, int reason, std::string_view debug);
  void enterFinWait(snp::Usec now);
  void sendClosingReply(snp::Usec now);
  void sendControl(snp::Usec now, const PeerAddress& to, const wire::ControlMessage& message);
  void onControlDatagram(snp::Usec now, ByteSpan datagram);
  void onConnectionClosed(snp::Usec now, const wire::ConnectionClosed& closed);
  void onNoConnection(snp::Usec now, const wire::NoConnection& no_connection);
  void onRepeatedRequest(snp::Usec now, uint32_t id);
  snp::Usec timeoutInitialUsec() const;
  snp::Usec timeoutConnectedUsec() const;

  // --- handshake (udp_connection_handshake.cc) ---
  void sendChallengeRequest(snp::Usec now);
  void sendConnectRequest(snp::Usec now, uint64_t challenge);
  void onChallengeReply(snp::Usec now, const wire::ChallengeReply& reply);
  void onConnectOK(snp::Usec now, const wire::ConnectOK& ok);
  void sendConnectOK(snp::Usec now);
  void takeHandshakeRttSample(snp::Usec now, snp::Usec rtt_usec);
  // Creates the data plane at connection creation, not yet connected, with the cipher
  // tag guessed as `guessed_tag_bytes`.
  void createDataPlane(snp::Usec now, size_t guessed_tag_bytes);
  DataPlaneParams dataPlaneParams(snp::Usec now, bool connected, uint32_t peer_protocol_version,
                                  size_t tag_bytes) const;
  int dataPlaneLaneCount() const;
  void becomeConnected(snp::Usec now, HandshakeResult session);

  // --- socket pairs (udp_connection_pair.cc) ---
  // One side of createPaired: from None straight to Connected with `session` (its event
  // sink is detached meanwhile by the caller, so nothing is emitted).
  static absl::StatusOr<std::unique_ptr<UdpConnection>> createPairedSide(snp::Usec now, Role role,
                                                                         PairedSideParams params,
                                                                         uint32_t partner_id,
                                                                         HandshakeResult session);

  // --- data packets (udp_connection_data.cc) ---
  void onDataPacket(snp::Usec now, ByteSpan datagram);
  void service(snp::Usec now);
  bool sendDataPacket(snp::Usec now, uint32_t stats_flags, bool must_send);
  std::optional<snp::Usec> pingForTimeouts(snp::Usec now);
  size_t maxPlaintextBytes(size_t stats_total_bytes, size_t time_since_bytes) const;
  size_t maxPlaintextBytesWithTag(size_t tag_bytes, size_t stats_total_bytes,
                                  size_t time_since_bytes) const;
  size_t mtuBytes() const;

  const Role role_;
  const uint32_t local_id_;
  uint32_t remote_id_ = 0;  // client: 0 until ConnectOK
  const PeerAddress peer_address_;
  ConnectionConfig config_;
  ConnectionEnvironment env_;
  ListenSocketHandle listen_socket_ = kInvalidListenSocket;
  std::string app_name_;

  ConnectionState state_ = ConnectionState::kNone;
  ConnectionState wire_state_ = ConnectionState::kNone;
  snp::Usec state_entered_usec_ = 0;
  ConnectionEnd end_reason_ = ConnectionEnd::kInvalid;
  std::string end_debug_;

  NetworkingIdentity peer_identity_;  // invalid until known
  bool peer_authenticated_ = false;
  std::shared_ptr<const LocalCredentials> credentials_;
  std::optional<snp::Usec> handshake_ping_usec_;

  // Client.
  std::optional<LocalCryptInfo> client_crypt_info_;
  AuthPolicy client_policy_;  // frozen at connect (lifecycle.md §3.1)
  std::optional<NetworkingIdentity> expected_server_identity_;
  std::optional<uint32_t> challenge_reply_version_;
  snp::Usec last_request_sent_usec_ = 0;

  // Server.
  std::optional<VerifiedPeer> verified_client_;
  std::optional<uint64_t> first_request_timestamp_;
  snp::Usec first_request_received_usec_ = 0;
  std::optional<LocalCryptInfo> server_crypt_info_;

  // Connected.
  std::optional<crypto::PacketCipher> cipher_;
  uint32_t peer_protocol_version_ = 0;
  snp::PacketNumberWindow window_;
  uint64_t last_sent_packet_number_ = 0;
  std::optional<snp::Usec> last_data_sent_usec_;
  std::unique_ptr<DataPlane> data_plane_;
  std::optional<LivenessTracker> liveness_;
  Bytes decrypt_buffer_;
};

}  // namespace opengns::connection
