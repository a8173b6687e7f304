// Test harness: one client UdpConnection and one ListenSocketCore, both on the real SNP
// engine (SnpDataPlane), joined by an in-test datagram pipe with a fixed one-way lag and
// a drop filter, in virtual time. Unlike connection_harness.h it keeps whole received
// messages (lane, message number, reliable flag), takes per-side SNP configs and
// application-queue probes, and never accepts by itself: the test calls accept() when
// it wants to (the server may act between the 0 -> 1 event and accept).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "connection/challenge.h"
#include "connection/listen_socket_core.h"
#include "connection/snp_data_plane.h"
#include "connection/udp_connection.h"
#include "wire/data_header.h"

namespace opengns::connection::testing_util {

class SnpPair {
 public:
  static constexpr snp::Usec kStartUsec = 3'000'000'000'000;

  struct Options {
    snp::SnpConfig client_snp;
    snp::SnpConfig server_snp;
    int client_unencrypted = 0;
    int server_unencrypted = 0;
    snp::Usec lag_usec = 5 * snp::kUsecPerMsec;
    AppQueueProbe client_app_queue;
    AppQueueProbe server_app_queue;
  };

  struct Datagram {
    snp::Usec at = 0;
    PeerAddress from;
    PeerAddress to;
    Bytes bytes;
    bool dropped = false;
    uint8_t lead() const { return bytes.empty() ? 0 : bytes[0]; }
    bool isData() const { return (lead() & 0x80) != 0; }
  };

  struct StatusEvent {
    snp::Usec at = 0;
    uint32_t id = 0;
    ConnectionState old_state = ConnectionState::kNone;
    ConnectionState new_state = ConnectionState::kNone;
  };

  SnpPair() : SnpPair(Options{}) {}
  explicit SnpPair(Options options)
      : options_(std::move(options)),
        events_(this),
        client_sink_(this, client_address),
        server_sink_(this, server_address) {
    auto server_credentials =
        std::make_shared<LocalCredentials>(*LocalCredentials::createUnsigned(NetworkingIdentity()));
    std::array<uint8_t, kSipHashKeyBytes> secret{};
    for (size_t i = 0; i < secret.size(); ++i)
      secret[i] = static_cast<uint8_t>(i * 5 + 3);
    ConnectionConfig server_config;
    server_config.unencrypted = options_.server_unencrypted;
    ListenSocketEnvironment env;
    env.connection.datagrams = &server_sink_;
    env.connection.events = &events_;
    env.connection.spam_limiter = &limiter_;
    env.connection.data_plane_factory =
        snpDataPlaneFactory(options_.server_snp, options_.server_app_queue);
    env.allocate_connection_id = [] { return 0x46c12620u; };
    listen_ =
        std::make_unique<ListenSocketCore>(ListenSocketHandle{0x10001}, ChallengeGenerator(secret),
                                           server_credentials, server_config, std::move(env));
  }

  UdpConnection* connect() {
    ClientConnectParams params;
    params.local_connection_id = 0x30ae8a22;
    params.server_address = server_address;
    params.credentials =
        std::make_shared<LocalCredentials>(*LocalCredentials::createUnsigned(NetworkingIdentity()));
    params.config.unencrypted = options_.client_unencrypted;
    ConnectionEnvironment env;
    env.datagrams = &client_sink_;
    env.events = &events_;
    env.spam_limiter = &limiter_;
    env.data_plane_factory = snpDataPlaneFactory(options_.client_snp, options_.client_app_queue);
    auto conn = UdpConnection::connect(now_, params, env);
    EXPECT_TRUE(conn.ok()) << conn.status();
    if (!conn.ok()) return nullptr;
    client_ = *std::move(conn);
    return client_.get();
  }

  UdpConnection* client() { return client_.get(); }
  // The server side of the client's connection; nullptr until its ConnectRequest arrived.
  UdpConnection* server() { return listen_->connectionAt(client_address); }
  static SnpDataPlane* plane(UdpConnection* conn) {
    return conn == nullptr ? nullptr : dynamic_cast<SnpDataPlane*>(conn->dataPlane());
  }

  snp::Usec now() const { return now_; }
  void runFor(snp::Usec duration) { runUntil(now_ + duration); }
  void runUntil(snp::Usec end) {
    runWhile([] { return true; }, end);
  }
  // Runs until `done` holds (checked after every event) or `end`; true if it held.
  bool runUntilTrue(const std::function<bool()>& done, snp::Usec end) {
    return !runWhile([&] { return !done(); }, end);
  }

  // Datagrams sent (dropped ones included) in one direction.
  std::vector<Datagram> sent(bool to_server) const {
    std::vector<Datagram> out;
    for (const Datagram& d : log)
      if ((d.to == server_address) == to_server) out.push_back(d);
    return out;
  }
  // When the connection with `id` entered `state` (as seen in the status events).
  std::optional<snp::Usec> enteredAt(uint32_t id, ConnectionState state) const {
    for (const StatusEvent& e : status)
      if (e.id == id && e.new_state == state) return e.at;
    return std::nullopt;
  }

  const PeerAddress client_address = *NetworkingIPAddr::parse("127.0.0.1:40535");
  const PeerAddress server_address = *NetworkingIPAddr::parse("127.0.0.1:27020");

  std::function<bool(const Datagram&)> drop;
  std::vector<Datagram> log;
  std::vector<StatusEvent> status;
  std::map<uint32_t, std::vector<snp::ReceivedMessage>> received;

 private:
  class Events : public ConnectionEventSink {
   public:
    explicit Events(SnpPair* pair) : pair_(pair) {}
    void onStatusChanged(uint32_t id, ConnectionState old_state,
                         const ConnectionInfo& info) override {
      pair_->status.push_back({pair_->now_, id, old_state, info.connection_state});
    }
    void onMessagesReceived(uint32_t id, std::vector<snp::ReceivedMessage>&& messages) override {
      for (auto& m : messages)
        pair_->received[id].push_back(std::move(m));
    }
    void onConnectionDead(uint32_t /*id*/) override {}

   private:
    SnpPair* pair_;
  };
  class Sink : public DatagramSink {
   public:
    Sink(SnpPair* pair, PeerAddress self) : pair_(pair), self_(self) {}
    void sendDatagram(const PeerAddress& to, ByteSpan d) override { pair_->enqueue(self_, to, d); }

   private:
    SnpPair* pair_;
    PeerAddress self_;
  };
  struct InFlight {
    snp::Usec deliver_at = 0;
    uint64_t seq = 0;
    PeerAddress from, to;
    Bytes bytes;
  };

  void enqueue(const PeerAddress& from, const PeerAddress& to, ByteSpan bytes) {
    Datagram d{now_, from, to, Bytes(bytes.begin(), bytes.end()), false};
    EXPECT_LE(bytes.size(), 1300u);
    if (drop && drop(d)) d.dropped = true;
    if (!d.dropped) in_flight_.push_back({now_ + options_.lag_usec, seq_++, from, to, d.bytes});
    log.push_back(std::move(d));
  }

  snp::Usec nextEventTime() {
    snp::Usec next = snp::kNever;
    for (const InFlight& f : in_flight_)
      next = std::min(next, f.deliver_at);
    if (client_ && !client_->isDead()) next = std::min(next, client_->nextWakeTime(now_));
    return std::min(next, listen_->nextWakeTime(now_));
  }

  // Steps through events while `go` holds and the next event is at or before `end`;
  // returns the last value of `go` (false = stopped because it turned false).
  bool runWhile(const std::function<bool()>& go, snp::Usec end) {
    for (int guard = 0; guard < 2'000'000; ++guard) {
      if (!go()) return false;
      const snp::Usec next = nextEventTime();
      if (next > end) {
        now_ = end;
        return true;
      }
      now_ = std::max(now_, next);
      deliverDue();
      if (client_ && !client_->isDead() && client_->nextWakeTime(now_) <= now_) {
        client_->onTimer(now_);
      }
      if (listen_->nextWakeTime(now_) <= now_) listen_->onTimer(now_);
    }
    ADD_FAILURE() << "snp pair: no progress (busy loop)";
    return true;
  }

  void deliverDue() {
    std::vector<InFlight> due;
    for (auto it = in_flight_.begin(); it != in_flight_.end();) {
      if (it->deliver_at <= now_) {
        due.push_back(std::move(*it));
        it = in_flight_.erase(it);
      } else {
        ++it;
      }
    }
    std::sort(due.begin(), due.end(), [](const InFlight& a, const InFlight& b) {
      return std::tie(a.deliver_at, a.seq) < std::tie(b.deliver_at, b.seq);
    });
    for (const InFlight& f : due) {
      if (f.to == server_address) {
        listen_->onDatagram(now_, f.from, f.bytes);
      } else if (client_ && !client_->isDead() && f.from == server_address) {
        client_->onDatagram(now_, f.bytes);
      }
    }
  }

  Options options_;
  snp::Usec now_ = kStartUsec;
  Events events_;
  ReplyRateLimiter limiter_;
  Sink client_sink_;
  Sink server_sink_;
  std::vector<InFlight> in_flight_;
  uint64_t seq_ = 0;
  std::unique_ptr<ListenSocketCore> listen_;
  std::unique_ptr<UdpConnection> client_;
};

inline std::string textOf(const Bytes& bytes) {
  return std::string(bytes.begin(), bytes.end());
}

}  // namespace opengns::connection::testing_util
