// The sans-IO core of one IP listen socket (udp.md §1 demultiplexing, §2.2-2.4, §3,
// §5.2, §10; lifecycle.md §3.1, §3.5): it routes datagrams by source address to the
// server-side connections it owns, and answers addresses that have none (the "unknown
// host" handler):
//   ChallengeRequest (padded, ID != 0) -> ChallengeReply, stateless, not rate limited
//   ConnectRequest -> challenge, ID, identity (drop on failure); a (identity, client ID)
//        pair that already has a connection -> padded ConnectionClosed 5001; certificate
//        and crypt info (drop on failure; but with OPENGNS_RequireCA a 4003 refusal
//        creates the connection and fails it at once, config.md §8); then a new
//        connection in Connecting (0 -> 1)
//   ConnectionClosed -> NoConnection echo (N1), not rate limited
//   data, ChallengeReply, ConnectOK, NoConnection, anything else -> dropped silently
// Guarantees: nothing but a ConnectRequest with a valid challenge from its source address
// creates state; nothing answered to an unverified address is larger than what it sent.
//
// Ownership: the core owns its connections; they stay valid until the core reports them
// dead through ConnectionEventSink::onConnectionDead (reaped in onTimer / closeAll).
// Threading and re-entrancy: as UdpConnection (connection_io.h).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "common/bytes.h"
#include "connection/challenge.h"
#include "connection/connection_config.h"
#include "connection/local_credentials.h"
#include "connection/peer_address.h"
#include "connection/udp_connection.h"
#include "opengns/types.h"
#include "snp/time.h"

namespace opengns::connection {

struct ListenSocketEnvironment {
  ConnectionEnvironment connection;  // handed to every accepted connection
  // A fresh local connection ID (random, both 16-bit halves non-zero, unique in the
  // process), or 0 to refuse a new connection (the process-wide cap).
  std::function<uint32_t()> allocate_connection_id;
};

class ListenSocketCore {
 public:
  ListenSocketCore(ListenSocketHandle handle, ChallengeGenerator challenges,
                   std::shared_ptr<const LocalCredentials> credentials, ConnectionConfig config,
                   ListenSocketEnvironment env);
  ~ListenSocketCore();

  ListenSocketCore(const ListenSocketCore&) = delete;
  ListenSocketCore& operator=(const ListenSocketCore&) = delete;

  // A datagram received on the listen socket's UDP socket from `from`.
  void onDatagram(snp::Usec now, const PeerAddress& from, ByteSpan datagram);
  // Runs the connections' timers and reaps the dead ones.
  void onTimer(snp::Usec now);
  snp::Usec nextWakeTime(snp::Usec now);

  // closeListenSocket (lifecycle.md §3.5, T20): every connection is destroyed at once,
  // x -> 0 events for the visible ones, nothing is sent.
  void closeAll(snp::Usec now);

  // The config new connections start with (existing ones are updated by the API layer).
  void updateConfig(const ConnectionConfig& config) { config_ = config; }
  // The credentials new connections present (setCertificate / resetIdentity); existing
  // connections keep theirs (crypto.md §6.2 interop note).
  void updateCredentials(std::shared_ptr<const LocalCredentials> credentials) {
    credentials_ = std::move(credentials);
  }

  UdpConnection* findConnection(uint32_t local_connection_id);
  UdpConnection* connectionAt(const PeerAddress& address);
  size_t connectionCount() const { return by_address_.size(); }
  ListenSocketHandle handle() const { return handle_; }

 private:
  using AddressKey = std::pair<std::array<uint8_t, 16>, uint16_t>;
  static AddressKey keyOf(const PeerAddress& address) { return {address.ipv6(), address.port()}; }

  void onUnknownHost(snp::Usec now, const PeerAddress& from, ByteSpan datagram);
  void onConnectRequest(snp::Usec now, const PeerAddress& from,
                        const wire::ConnectRequest& request);
  void send(const PeerAddress& to, const wire::ControlMessage& message);
  void reapDead();

  const ListenSocketHandle handle_;
  const ChallengeGenerator challenges_;
  std::shared_ptr<const LocalCredentials> credentials_;
  ConnectionConfig config_;
  ListenSocketEnvironment env_;
  std::map<AddressKey, std::unique_ptr<UdpConnection>> by_address_;
  absl::flat_hash_map<uint32_t, UdpConnection*> by_id_;
};

}  // namespace opengns::connection
