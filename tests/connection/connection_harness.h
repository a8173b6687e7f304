// Test harness: client UdpConnections and one ListenSocketCore wired back to back through
// an in-test datagram pipe, in virtual time. The pipe has a fixed one-way lag and a drop
// filter; every datagram sent is logged (time, direction, bytes) for assertions. Events
// are recorded; the "application" (auto-accept) acts between steps, never from inside a
// sink (connection_io.h re-entrancy rule).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "connection/challenge.h"
#include "connection/listen_socket_core.h"
#include "connection/snp_data_plane.h"
#include "connection/udp_connection.h"
#include "fake_data_plane.h"
#include "wire/control_packet.h"

namespace opengns::connection::testing_util {

// GNS's clock starts at 3e12 us (udp.md, Time); ours is opaque, but use the same shape.
inline constexpr snp::Usec kStartUsec = 3'000'000'000'000;

inline PeerAddress addr(const char* text) {
  return *NetworkingIPAddr::parse(text);
}

struct SentDatagram {
  snp::Usec at = 0;
  PeerAddress from;
  PeerAddress to;
  Bytes bytes;
  bool dropped = false;
  uint8_t lead() const { return bytes.empty() ? 0 : bytes[0]; }
};

struct StatusEvent {
  snp::Usec at = 0;
  uint32_t id = 0;
  ConnectionState old_state = ConnectionState::kNone;
  ConnectionInfo info;
};

class Recorder : public ConnectionEventSink {
 public:
  explicit Recorder(const snp::Usec* now) : now_(now) {}
  void onStatusChanged(uint32_t id, ConnectionState old_state,
                       const ConnectionInfo& info) override {
    status.push_back({*now_, id, old_state, info});
  }
  void onMessagesReceived(uint32_t id, std::vector<snp::ReceivedMessage>&& messages) override {
    for (auto& m : messages)
      received[id].push_back(std::string(m.data.begin(), m.data.end()));
  }
  void onConnectionDead(uint32_t id) override { dead[id] = *now_; }

  std::vector<StatusEvent> eventsFor(uint32_t id) const {
    std::vector<StatusEvent> out;
    for (const auto& e : status)
      if (e.id == id) out.push_back(e);
    return out;
  }

  std::vector<StatusEvent> status;
  std::map<uint32_t, std::vector<std::string>> received;
  std::map<uint32_t, snp::Usec> dead;

 private:
  const snp::Usec* now_;
};

class Harness {
 public:
  struct Options {
    int client_unencrypted = 0;
    int server_unencrypted = 0;
    snp::Usec lag_usec = 5 * snp::kUsecPerMsec;
    bool auto_accept = true;
    snp::Usec accept_delay_usec = 0;
    int32_t client_timeout_initial_ms = 10000;
    int32_t server_timeout_initial_ms = 10000;
    bool use_snp = false;  // the real SNP engine instead of FakeDataPlane
  };

  Harness() : Harness(Options{}) {}
  explicit Harness(Options options)
      : options_(options), now_(kStartUsec), recorder_(&now_), server_sink_(this) {
    server_credentials_ =
        std::make_shared<LocalCredentials>(*LocalCredentials::createUnsigned(NetworkingIdentity()));
    std::array<uint8_t, kSipHashKeyBytes> secret{};
    for (size_t i = 0; i < secret.size(); ++i)
      secret[i] = static_cast<uint8_t>(i * 7 + 1);
    ConnectionConfig server_config;
    server_config.unencrypted = options.server_unencrypted;
    server_config.timeout_initial_ms = options.server_timeout_initial_ms;
    ListenSocketEnvironment env;
    env.connection = environment(&server_sink_);
    env.allocate_connection_id = [this] { return next_server_id_++; };
    listen_ =
        std::make_unique<ListenSocketCore>(ListenSocketHandle{0x10001}, ChallengeGenerator(secret),
                                           server_credentials_, server_config, std::move(env));
  }

  ConnectionEnvironment environment(DatagramSink* sink) {
    ConnectionEnvironment env;
    env.datagrams = sink;
    env.events = &recorder_;
    env.spam_limiter = &limiter_;
    if (options_.use_snp) {
      env.data_plane_factory = snpDataPlaneFactory(snp::SnpConfig{});
      return env;
    }
    env.data_plane_factory = [this](const DataPlaneParams& params) {
      return std::make_unique<FakeDataPlane>(
          &plane_stats_, snp::initialHighestReceived(params.peer_protocol_version) + 1);
    };
    return env;
  }

  // Starts a client at `from` (default 127.0.0.1:40535) with its own identity.
  UdpConnection* connect(PeerAddress from = addr("127.0.0.1:40535"), uint32_t id = 0x30ae8a22,
                         NetworkingIdentity identity = NetworkingIdentity()) {
    ClientConnectParams params;
    params.local_connection_id = id;
    params.server_address = server_address;
    params.credentials =
        std::make_shared<LocalCredentials>(*LocalCredentials::createUnsigned(identity));
    params.config.unencrypted = options_.client_unencrypted;
    params.config.timeout_initial_ms = options_.client_timeout_initial_ms;
    auto sink = std::make_unique<ClientSink>(this, from);
    auto conn = UdpConnection::connect(now_, params, environment(sink.get()));
    EXPECT_TRUE(conn.ok()) << conn.status();
    if (!conn.ok()) return nullptr;
    Client c{from, std::move(sink), *std::move(conn)};
    clients_.push_back(std::move(c));
    return clients_.back().conn.get();
  }

  UdpConnection* client(size_t i = 0) { return clients_.at(i).conn.get(); }
  UdpConnection* serverConn() {
    return listen_->connectionAt(clients_.empty() ? addr("127.0.0.1:40535") : clients_[0].address);
  }
  ListenSocketCore& listen() { return *listen_; }
  Recorder& events() { return recorder_; }
  snp::Usec now() const { return now_; }
  std::vector<SentDatagram>& log() { return log_; }
  FakeDataPlane::Stats& planeStats() { return plane_stats_; }

  // Drop filter: return true to lose the datagram.
  std::function<bool(const SentDatagram&)> drop;
  // Delivered-to-client hook (time of the last datagram a client received).
  snp::Usec last_client_receive = 0;

  // Injects a datagram as if `from` had sent it (goes through the pipe and the filter).
  void inject(const PeerAddress& from, const PeerAddress& to, ByteSpan bytes) {
    enqueue(from, to, bytes);
  }

  void runFor(snp::Usec duration) { runUntil(now_ + duration); }

  void runUntil(snp::Usec end) {
    for (int guard = 0; guard < 2'000'000; ++guard) {
      applicationStep();
      snp::Usec next = nextEventTime();
      if (next > end) {
        now_ = end;
        return;
      }
      now_ = std::max(now_, next);
      deliverDue();
      for (auto& c : clients_) {
        if (!c.conn->isDead() && c.conn->nextWakeTime(now_) <= now_) c.conn->onTimer(now_);
      }
      if (listen_ && listen_->nextWakeTime(now_) <= now_) listen_->onTimer(now_);
    }
    ADD_FAILURE() << "harness: no progress (busy loop)";
  }

  // Datagrams sent (not dropped) between the two endpoints, optionally filtered by lead.
  std::vector<SentDatagram> sent(bool to_server, std::optional<uint8_t> lead = std::nullopt) const {
    std::vector<SentDatagram> out;
    for (const auto& d : log_) {
      if ((d.to == server_address) != to_server) continue;
      if (lead && d.lead() != *lead) continue;
      out.push_back(d);
    }
    return out;
  }

  const PeerAddress server_address = addr("127.0.0.1:27020");
  Options options_;

 private:
  struct InFlight {
    snp::Usec deliver_at;
    uint64_t seq;
    PeerAddress from, to;
    Bytes bytes;
  };
  class ClientSink : public DatagramSink {
   public:
    ClientSink(Harness* h, PeerAddress self) : h_(h), self_(self) {}
    void sendDatagram(const PeerAddress& to, ByteSpan d) override { h_->enqueue(self_, to, d); }

   private:
    Harness* h_;
    PeerAddress self_;
  };
  class ServerSink : public DatagramSink {
   public:
    explicit ServerSink(Harness* h) : h_(h) {}
    void sendDatagram(const PeerAddress& to, ByteSpan d) override {
      h_->enqueue(h_->server_address, to, d);
    }

   private:
    Harness* h_;
  };
  struct Client {
    PeerAddress address;
    std::unique_ptr<ClientSink> sink;
    std::unique_ptr<UdpConnection> conn;
  };

  void enqueue(const PeerAddress& from, const PeerAddress& to, ByteSpan bytes) {
    SentDatagram d{now_, from, to, Bytes(bytes.begin(), bytes.end()), false};
    EXPECT_LE(bytes.size(), 1300u);
    if (drop && drop(d)) d.dropped = true;
    if (!d.dropped) in_flight_.push_back({now_ + options_.lag_usec, seq_++, from, to, d.bytes});
    log_.push_back(std::move(d));
  }

  snp::Usec nextEventTime() {
    snp::Usec next = snp::kNever;
    for (const auto& f : in_flight_)
      next = std::min(next, f.deliver_at);
    for (auto& c : clients_)
      if (!c.conn->isDead()) next = std::min(next, c.conn->nextWakeTime(now_));
    if (listen_) next = std::min(next, listen_->nextWakeTime(now_));
    if (options_.auto_accept) {  // a pending delayed accept is an event too
      for (const auto& e : recorder_.status) {
        if (e.info.listen_socket != kInvalidListenSocket && e.old_state == ConnectionState::kNone &&
            !accepted_.count(e.id)) {
          next = std::min(next, e.at + options_.accept_delay_usec);
        }
      }
    }
    return next;
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
    for (auto& f : due) {
      if (f.to == server_address) {
        if (listen_) listen_->onDatagram(now_, f.from, f.bytes);
        continue;
      }
      for (auto& c : clients_) {
        // A client socket accepts only its server's address (udp.md §1); a dead
        // connection's socket is closed.
        if (c.address == f.to && f.from == server_address && !c.conn->isDead()) {
          last_client_receive = now_;
          c.conn->onDatagram(now_, f.bytes);
        }
      }
    }
  }

  void applicationStep() {
    if (!options_.auto_accept || !listen_) return;
    std::vector<uint32_t> to_accept;  // collected first: accept() appends events
    for (const auto& e : recorder_.status) {
      if (e.info.listen_socket == kInvalidListenSocket) continue;
      if (e.old_state != ConnectionState::kNone ||
          e.info.connection_state != ConnectionState::kConnecting)
        continue;
      if (accepted_.count(e.id)) continue;
      if (now_ < e.at + options_.accept_delay_usec) continue;
      accepted_.insert(e.id);
      to_accept.push_back(e.id);
    }
    for (uint32_t id : to_accept) {
      if (UdpConnection* conn = listen_->findConnection(id))
        accept_results_[id] = conn->accept(now_);
    }
  }

 public:
  std::map<uint32_t, Result> accept_results_;

 private:
  snp::Usec now_;
  Recorder recorder_;
  ReplyRateLimiter limiter_;
  FakeDataPlane::Stats plane_stats_;
  ServerSink server_sink_;
  std::shared_ptr<const LocalCredentials> server_credentials_;
  std::unique_ptr<ListenSocketCore> listen_;
  std::vector<Client> clients_;
  std::vector<InFlight> in_flight_;
  std::vector<SentDatagram> log_;
  std::set<uint32_t> accepted_;
  uint32_t next_server_id_ = 0x46c12620;
  uint64_t seq_ = 0;

 public:
  void closeListenSocket() { listen_->closeAll(now_); }
};

// Decodes a control datagram (test helper).
inline wire::ControlPacket decodeControl(const Bytes& bytes) {
  auto p = wire::decodeControlPacket(bytes);
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? *std::move(p) : wire::ControlPacket{wire::NoConnection()};
}

}  // namespace opengns::connection::testing_util
