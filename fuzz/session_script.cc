// Script format (every byte past the end reads as 0, so any input is a valid script):
//   4 header bytes
//     h0  bits 0-1 lanes - 1 (both sides) | bit 2 the server accepts only on an accept op
//         | bit 3 reference ack rules | bits 4-5 Nagle {5 ms, 0, 1 ms, 20 ms}
//         | bit 6 small receive limits (h2) | bit 7 small send buffer (h3)
//     h1  MTU = max(200, 1300 - 4 * h1)
//     h2  receive limits when h0 bit 6: 4 KiB * (1 + h2 % 16) bytes, 2 + h2 / 16 messages
//     h3  send buffer when h0 bit 7: 4 KiB * (1 + h3)
//   then ops, one opcode byte o each: kind = o & 15, a = o >> 4
//     0-2 deliver   queued datagram a >> 1 (mod queue length) of direction a & 1 (0 = to
//                   the server), whatever its age: delivering a later one first reorders
//     3   drop      same addressing
//     4   duplicate same addressing; the copy is delivered now, the original stays queued
//     5   corrupt   same addressing, + 3 bytes: offset (16-bit LE, mod length), xor mask
//     6   truncate  same addressing, + 1 byte: new length (mod length)
//     7   replay    delivered datagram number a >> 1 from the newest of direction a & 1
//     8-9 send      side a & 1 (0 = client), lane (a >> 1) & 3, reliable a >> 3; + 2 bytes
//                   f, s: f bit 0 NoNagle, bit 1 NoDelay; c = f >> 2: size 28 + (c & 15) *
//                   256 + s if c < 48, else 28 + ((c - 48) * 256 + s) * 16; with small
//                   receive limits, at most the receive buffer - 32 bytes
//     10  advance   time by kDurations[a]; timers run, nothing is delivered
//     11  flush     deliver every queued datagram, oldest first, both directions
//     12  drain     the application reads its queue: side a & 1, both if a & 2
//     13  close     side a & 1, linger a & 2, end reason 1000 + (a >> 2)
//     14  accept    the server accepts its connection (if Connecting)
//     15  clean     a clean network (1 ms one-way) for kDurations[a]
// advance and clean ops past 120 s of scripted time in all are ignored. After the ops:
// settle (see the header).
#include "session_script.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "connection/challenge.h"
#include "connection/listen_socket_core.h"
#include "connection/snp_data_plane.h"
#include "connection/udp_connection.h"
#include "opengns/types.h"
#include "snp/send_lane.h"

namespace opengns::fuzzing {
namespace {

using connection::UdpConnection;

constexpr snp::Usec kMs = snp::kUsecPerMsec;
constexpr snp::Usec kSec = snp::kUsecPerSec;
constexpr snp::Usec kStartUsec = 3'000'000'000'000;
constexpr uint32_t kClientId = 0x30ae8a22;
constexpr uint32_t kFirstServerId = 0x46c12620;

constexpr std::array<snp::Usec, 16> kDurations = {
    100,       500,       1 * kMs,   2 * kMs,  5 * kMs,  10 * kMs, 20 * kMs,  50 * kMs,
    100 * kMs, 200 * kMs, 500 * kMs, 1 * kSec, 2 * kSec, 5 * kSec, 10 * kSec, 30 * kSec};

// Bounds that keep one run short (a fuzz input must not take seconds).
constexpr size_t kQueueCapacity = 512;              // per direction; more is dropped
constexpr size_t kHistoryLength = 8;                // delivered datagrams kept for replay
constexpr snp::Usec kMaxScriptedTime = 120 * kSec;  // advance / clean ops beyond: ignored
constexpr snp::Usec kSettleTime = 120 * kSec;       // > every timeout (10 s by default)
constexpr snp::Usec kCleanLag = 1 * kMs;
constexpr uint64_t kMaxWork = 100'000;  // wakes + deliveries per run
// A wake that does not move time forward this many times in a row is a busy loop.
constexpr int kMaxWakesWithoutProgress = 10'000;
constexpr size_t kMaxDatagramBytes = 1300;

// Message payload: a header naming the message, then bytes derived from it.
constexpr uint32_t kMagic = 0x3146504d;
constexpr size_t kPayloadHeaderBytes = 28;

// --- script decoding --------------------------------------------------------------------

struct Setup {
  size_t lanes = 1;
  bool manual_accept = false;
  bool reference_acks = false;
  snp::Usec nagle_usec = 5 * kMs;
  int32_t mtu = 1300;
  bool small_receive = false;
  uint64_t recv_buffer_bytes = 0;
  uint64_t recv_buffer_messages = 0;
  bool small_send = false;
  uint64_t send_buffer_bytes = 0;
};

enum class OpKind {
  kDeliver,
  kDrop,
  kDuplicate,
  kCorrupt,
  kTruncate,
  kReplay,
  kSend,
  kAdvance,
  kFlush,
  kDrain,
  kClose,
  kAccept,
  kClean,
};

struct Op {
  OpKind kind = OpKind::kFlush;
  int dir = 0;  // datagram direction (0 = to the server) or side (0 = client)
  size_t index = 0;
  size_t offset = 0;
  uint8_t mask = 0;
  size_t length = 0;
  uint32_t lane = 0;
  bool reliable = false;
  int extra_flags = 0;
  size_t size = 0;
  snp::Usec duration = 0;
  bool both = false;
  bool linger = false;
  int reason = 0;
};

class ScriptReader {
 public:
  explicit ScriptReader(ByteSpan script) : script_(script) {}
  bool atEnd() const { return pos_ >= script_.size(); }
  uint8_t byte() { return pos_ < script_.size() ? script_[pos_++] : 0; }

  Setup setup() {
    Setup s;
    const uint8_t h0 = byte(), h1 = byte(), h2 = byte(), h3 = byte();
    s.lanes = 1 + (h0 & 3);
    s.manual_accept = (h0 & 4) != 0;
    s.reference_acks = (h0 & 8) != 0;
    static constexpr std::array<snp::Usec, 4> kNagle = {5 * kMs, 0, 1 * kMs, 20 * kMs};
    s.nagle_usec = kNagle[(h0 >> 4) & 3];
    s.mtu = std::max(200, 1300 - 4 * h1);
    s.small_receive = (h0 & 0x40) != 0;
    s.recv_buffer_bytes = 4096u * (1 + h2 % 16);
    s.recv_buffer_messages = 2 + h2 / 16;
    s.small_send = (h0 & 0x80) != 0;
    s.send_buffer_bytes = 4096u * (1 + h3);
    return s;
  }

  Op op() {
    const uint8_t o = byte();
    const int a = o >> 4;
    Op op;
    op.dir = a & 1;
    op.index = static_cast<size_t>(a >> 1);
    switch (o & 15) {
      case 0:
      case 1:
      case 2:
        op.kind = OpKind::kDeliver;
        break;
      case 3:
        op.kind = OpKind::kDrop;
        break;
      case 4:
        op.kind = OpKind::kDuplicate;
        break;
      case 5:
        op.kind = OpKind::kCorrupt;
        op.offset = byte();
        op.offset |= size_t{byte()} << 8;
        op.mask = byte();
        if (op.mask == 0) op.mask = 1;
        break;
      case 6:
        op.kind = OpKind::kTruncate;
        op.length = byte();
        break;
      case 7:
        op.kind = OpKind::kReplay;
        break;
      case 8:
      case 9: {
        op.kind = OpKind::kSend;
        op.lane = static_cast<uint32_t>((a >> 1) & 3);
        op.reliable = (a >> 3) != 0;
        const uint8_t f = byte(), s = byte();
        op.extra_flags = ((f & 1) ? kSendNoNagle : 0) | ((f & 2) ? kSendNoDelay : 0);
        const size_t c = f >> 2;
        op.size = c < 48 ? kPayloadHeaderBytes + (c & 15) * 256 + s
                         : kPayloadHeaderBytes + ((c - 48) * 256 + s) * 16;
        break;
      }
      case 10:
        op.kind = OpKind::kAdvance;
        op.duration = kDurations[static_cast<size_t>(a)];
        break;
      case 11:
        op.kind = OpKind::kFlush;
        break;
      case 12:
        op.kind = OpKind::kDrain;
        op.both = (a & 2) != 0;
        break;
      case 13:
        op.kind = OpKind::kClose;
        op.linger = (a & 2) != 0;
        op.reason = 1000 + (a >> 2);
        break;
      case 14:
        op.kind = OpKind::kAccept;
        break;
      default:
        op.kind = OpKind::kClean;
        op.duration = kDurations[static_cast<size_t>(a)];
        break;
    }
    return op;
  }

 private:
  ByteSpan script_;
  size_t pos_ = 0;
};

std::string describeOp(const Op& op) {
  const char* dir = op.dir == 0 ? "to-server" : "to-client";
  const char* side = op.dir == 0 ? "client" : "server";
  switch (op.kind) {
    case OpKind::kDeliver:
      return absl::StrCat("deliver ", dir, " #", op.index);
    case OpKind::kDrop:
      return absl::StrCat("drop ", dir, " #", op.index);
    case OpKind::kDuplicate:
      return absl::StrCat("duplicate ", dir, " #", op.index);
    case OpKind::kCorrupt:
      return absl::StrCat("corrupt ", dir, " #", op.index, " at ", op.offset, " ^", op.mask);
    case OpKind::kTruncate:
      return absl::StrCat("truncate ", dir, " #", op.index, " to ", op.length);
    case OpKind::kReplay:
      return absl::StrCat("replay ", dir, " age ", op.index);
    case OpKind::kSend:
      return absl::StrCat("send ", side, " lane ", op.lane,
                          op.reliable ? " reliable " : " unreliable ", op.size, " bytes flags ",
                          op.extra_flags);
    case OpKind::kAdvance:
      return absl::StrCat("advance ", op.duration, " us");
    case OpKind::kFlush:
      return "flush";
    case OpKind::kDrain:
      return op.both ? std::string("drain both") : absl::StrCat("drain ", side);
    case OpKind::kClose:
      return absl::StrCat("close ", side, op.linger ? " linger" : "", " reason ", op.reason);
    case OpKind::kAccept:
      return "accept";
    case OpKind::kClean:
      return absl::StrCat("clean network ", op.duration, " us");
  }
  return "?";
}

// --- payloads ---------------------------------------------------------------------------

void putLe(Bytes& bytes, size_t offset, uint64_t value, size_t width) {
  for (size_t i = 0; i < width; ++i)
    bytes[offset + i] = static_cast<uint8_t>(value >> (8 * i));
}
uint64_t getLe(ByteSpan bytes, size_t offset, size_t width) {
  uint64_t value = 0;
  for (size_t i = 0; i < width; ++i)
    value |= uint64_t{bytes[offset + i]} << (8 * i);
  return value;
}

// A 64-bit multiply-xor hash over the payload, 8 bytes at a time, skipping its own
// field (bytes 20-27).
uint64_t payloadChecksum(ByteSpan bytes) {
  uint64_t hash = 0xcbf29ce484222325ull ^ bytes.size();
  auto mix = [&hash](ByteSpan part) {
    for (size_t i = 0; i < part.size(); i += 8) {
      uint64_t word = 0;
      std::memcpy(&word, part.data() + i, std::min<size_t>(8, part.size() - i));
      hash = (hash ^ word) * 0x100000001b3ull;
      hash ^= hash >> 29;
    }
  };
  mix(bytes.first(std::min<size_t>(20, bytes.size())));
  if (bytes.size() > kPayloadHeaderBytes) mix(bytes.subspan(kPayloadHeaderBytes));
  return hash;
}

// magic, sender id, lane, reliable (as asked), 2 zero bytes, index, size, checksum, body.
Bytes makePayload(uint32_t sender, uint32_t lane, bool reliable, uint32_t index, size_t size) {
  Bytes bytes(std::max(size, kPayloadHeaderBytes));
  putLe(bytes, 0, kMagic, 4);
  putLe(bytes, 4, sender, 4);
  bytes[8] = static_cast<uint8_t>(lane);
  bytes[9] = reliable ? 1 : 0;
  putLe(bytes, 12, index, 4);
  putLe(bytes, 16, bytes.size(), 4);
  uint64_t state = (uint64_t{sender} << 32 | uint64_t{lane} << 24 | index) * 0x9E3779B97F4A7C15ull;
  for (size_t i = kPayloadHeaderBytes; i < bytes.size(); i += 8) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    std::memcpy(bytes.data() + i, &state, std::min<size_t>(8, bytes.size() - i));
  }
  putLe(bytes, 20, payloadChecksum(bytes), 8);
  return bytes;
}

// --- the two peers ----------------------------------------------------------------------

struct QueuedDatagram {
  Bytes bytes;
  snp::Usec sent_at = 0;
  uint64_t seq = 0;
};

struct SentMessage {
  uint64_t message_number = 0;
  bool reliable = false;  // as delivered: unreliable above 16,500 bytes goes reliable
  bool delivered = false;
};

struct SentLane {
  std::vector<SentMessage> messages;   // by payload index
  std::vector<uint32_t> reliable_ids;  // payload indices of the reliable ones, in order
};

struct ConnectionRecord {
  ConnectionState state = ConnectionState::kNone;
  ConnectionEnd end_reason = ConnectionEnd::kInvalid;
  std::string end_debug;
  bool app_closed = false;
  int linger_reason = 0;  // closed by the app with linger while Connected
  bool dead = false;
  bool ended() const {
    return app_closed || dead || state == ConnectionState::kClosedByPeer ||
           state == ConnectionState::kProblemDetectedLocally;
  }
};

struct AppQueue {
  uint64_t messages = 0;
  uint64_t bytes = 0;
};

class SessionRun {
 public:
  explicit SessionRun(const Setup& setup)
      : setup_(setup), events_(this), client_sink_(this, 0), server_sink_(this, 1) {}

  SessionScriptResult run(ScriptReader& reader);

 private:
  class Events : public connection::ConnectionEventSink {
   public:
    explicit Events(SessionRun* run) : run_(run) {}
    void onStatusChanged(uint32_t id, ConnectionState, const ConnectionInfo& info) override {
      run_->onStatus(id, info);
    }
    void onMessagesReceived(uint32_t id, std::vector<snp::ReceivedMessage>&& messages) override {
      for (const snp::ReceivedMessage& m : messages)
        run_->onMessage(id, m);
    }
    void onConnectionDead(uint32_t id) override { run_->connections_[id].dead = true; }

   private:
    SessionRun* run_;
  };
  class Sink : public connection::DatagramSink {
   public:
    Sink(SessionRun* run, int dir) : run_(run), dir_(dir) {}
    void sendDatagram(const connection::PeerAddress& to, ByteSpan datagram) override {
      run_->enqueue(dir_, to, datagram);
    }

   private:
    SessionRun* run_;
    int dir_;
  };

  void start();
  void apply(const Op& op);
  void settle();
  void finalChecks();

  void fail(std::string what) {
    if (result_.failure.empty()) {
      result_.failure =
          absl::StrCat(what, " (op ", result_.ops, ", t=", (now_ - kStartUsec) / kMs, " ms)");
    }
  }
  bool ok() const { return result_.failure.empty() && !result_.budget_exhausted; }
  bool spend() {
    if (++work_ > kMaxWork) result_.budget_exhausted = true;
    return ok();
  }

  UdpConnection* client() { return client_ && !client_->isDead() ? client_.get() : nullptr; }
  UdpConnection* server() {
    UdpConnection* conn = listen_->connectionAt(client_address_);
    return conn != nullptr && !conn->isDead() ? conn : nullptr;
  }
  UdpConnection* side(int s) { return s == 0 ? client() : server(); }

  void enqueue(int dir, const connection::PeerAddress& to, ByteSpan datagram);
  void deliver(int dir, Bytes bytes);
  void afterInput();
  void fireTimers();
  snp::Usec nextWake();
  void runUntil(snp::Usec end, bool network, bool settling);
  void deliverDue();
  bool settled(std::string* why);
  bool agreed(std::string* why);

  void send(const Op& op);
  void onStatus(uint32_t id, const ConnectionInfo& info);
  void onMessage(uint32_t receiver, const snp::ReceivedMessage& message);

  const Setup setup_;
  Events events_;
  Sink client_sink_;
  Sink server_sink_;
  connection::ReplyRateLimiter limiter_;
  const connection::PeerAddress client_address_ = *NetworkingIPAddr::parse("127.0.0.1:40535");
  const connection::PeerAddress server_address_ = *NetworkingIPAddr::parse("127.0.0.1:27020");
  std::unique_ptr<connection::ListenSocketCore> listen_;
  std::unique_ptr<UdpConnection> client_;
  uint32_t next_server_id_ = kFirstServerId;

  snp::Usec now_ = kStartUsec;
  snp::Usec scripted_time_ = 0;
  uint64_t work_ = 0;
  uint64_t seq_ = 0;
  bool auto_accept_ = true;
  std::array<std::deque<QueuedDatagram>, 2> queues_;
  std::array<std::deque<Bytes>, 2> history_;
  std::array<AppQueue, 2> app_queues_;  // client, server

  std::map<uint32_t, ConnectionRecord> connections_;
  std::map<std::pair<uint32_t, uint32_t>, SentLane> sent_;         // (sender id, lane)
  std::map<std::pair<uint32_t, uint32_t>, size_t> next_reliable_;  // (receiver id, lane)
  SessionScriptResult result_;
};

// The credentials never change between runs; making them once keeps runs fast.
std::shared_ptr<const connection::LocalCredentials> sharedCredentials(int which) {
  static const auto* const credentials = [] {
    auto* pair = new std::array<std::shared_ptr<const connection::LocalCredentials>, 2>();
    for (auto& c : *pair) {
      c = std::make_shared<connection::LocalCredentials>(
          *connection::LocalCredentials::createUnsigned(NetworkingIdentity()));
    }
    return pair;
  }();
  return (*credentials)[static_cast<size_t>(which)];
}

void SessionRun::start() {
  snp::SnpConfig snp;
  snp.lane_count = setup_.lanes;
  snp.nagle_time_usec = setup_.nagle_usec;
  snp.reference_ack_rules = setup_.reference_acks;
  if (setup_.small_receive) {
    snp.recv_buffer_bytes = setup_.recv_buffer_bytes;
    snp.recv_buffer_messages = setup_.recv_buffer_messages;
  }
  if (setup_.small_send) snp.send_buffer_bytes = setup_.send_buffer_bytes;
  auto probe = [this](int s) {
    return [this, s] {
      return snp::ReceiveQueueState{app_queues_[static_cast<size_t>(s)].messages,
                                    app_queues_[static_cast<size_t>(s)].bytes};
    };
  };
  connection::ConnectionConfig config;
  config.mtu_packet_size = setup_.mtu;

  std::array<uint8_t, connection::kSipHashKeyBytes> secret{};
  for (size_t i = 0; i < secret.size(); ++i)
    secret[i] = static_cast<uint8_t>(i * 7 + 1);
  connection::ListenSocketEnvironment env;
  env.connection.datagrams = &server_sink_;
  env.connection.events = &events_;
  env.connection.spam_limiter = &limiter_;
  env.connection.data_plane_factory = connection::snpDataPlaneFactory(snp, probe(1));
  env.allocate_connection_id = [this] { return next_server_id_++; };
  listen_ = std::make_unique<connection::ListenSocketCore>(
      ListenSocketHandle{0x10001}, connection::ChallengeGenerator(secret), sharedCredentials(1),
      config, std::move(env));

  connection::ClientConnectParams params;
  params.local_connection_id = kClientId;
  params.server_address = server_address_;
  params.credentials = sharedCredentials(0);
  params.config = config;
  connection::ConnectionEnvironment client_env;
  client_env.datagrams = &client_sink_;
  client_env.events = &events_;
  client_env.spam_limiter = &limiter_;
  client_env.data_plane_factory = connection::snpDataPlaneFactory(snp, probe(0));
  auto conn = UdpConnection::connect(now_, params, client_env);
  if (!conn.ok()) {
    fail(absl::StrCat("connect failed: ", conn.status().ToString()));
    return;
  }
  client_ = *std::move(conn);
}

void SessionRun::enqueue(int dir, const connection::PeerAddress& to, ByteSpan datagram) {
  const connection::PeerAddress& expected = dir == 0 ? server_address_ : client_address_;
  if (!(to == expected)) {
    fail(absl::StrCat("datagram to an unexpected address: ", to.toString()));
    return;
  }
  if (datagram.size() > kMaxDatagramBytes) {
    fail(absl::StrCat("datagram of ", datagram.size(), " bytes (max ", kMaxDatagramBytes, ")"));
    return;
  }
  auto& queue = queues_[static_cast<size_t>(dir)];
  if (queue.size() >= kQueueCapacity) {
    ++result_.datagrams_dropped;
    return;
  }
  queue.push_back({Bytes(datagram.begin(), datagram.end()), now_, seq_++});
}

void SessionRun::deliver(int dir, Bytes bytes) {
  if (!spend()) return;
  ++result_.datagrams_delivered;
  auto& history = history_[static_cast<size_t>(dir)];
  history.push_back(bytes);
  if (history.size() > kHistoryLength) history.pop_front();
  if (dir == 0) {
    listen_->onDatagram(now_, client_address_, bytes);
  } else if (UdpConnection* c = client()) {
    c->onDatagram(now_, bytes);
  }
  afterInput();
}

// The application's reactions to what just happened: accept a new server connection.
void SessionRun::afterInput() {
  if (!auto_accept_) return;
  UdpConnection* s = server();
  if (s != nullptr && s->state() == ConnectionState::kConnecting) (void)s->accept(now_);
}

void SessionRun::fireTimers() {
  if (UdpConnection* c = client(); c != nullptr && c->nextWakeTime(now_) <= now_) c->onTimer(now_);
  if (listen_->nextWakeTime(now_) <= now_) listen_->onTimer(now_);
  afterInput();
}

snp::Usec SessionRun::nextWake() {
  snp::Usec next = listen_->nextWakeTime(now_);
  if (UdpConnection* c = client()) next = std::min(next, c->nextWakeTime(now_));
  return next;
}

void SessionRun::deliverDue() {
  while (ok()) {
    int pick = -1;
    for (int dir = 0; dir < 2; ++dir) {
      const auto& queue = queues_[static_cast<size_t>(dir)];
      if (queue.empty() || queue.front().sent_at + kCleanLag > now_) continue;
      if (pick < 0 || queue.front().seq < queues_[static_cast<size_t>(pick)].front().seq)
        pick = dir;
    }
    if (pick < 0) return;
    auto& queue = queues_[static_cast<size_t>(pick)];
    Bytes bytes = std::move(queue.front().bytes);
    queue.pop_front();
    deliver(pick, std::move(bytes));
  }
}

// Timers (and, with `network`, deliveries kCleanLag after sending) up to `end`; when
// `settling`, the applications read at once and the run stops once settled().
void SessionRun::runUntil(snp::Usec end, bool network, bool settling) {
  int without_progress = 0;
  while (ok()) {
    if (network) deliverDue();
    if (settling) {
      app_queues_ = {};
      if (queues_[0].empty() && queues_[1].empty() && settled(nullptr) && agreed(nullptr)) return;
    }
    snp::Usec next = nextWake();
    if (network) {
      for (const auto& queue : queues_)
        if (!queue.empty()) next = std::min(next, queue.front().sent_at + kCleanLag);
    }
    if (next > end) {
      now_ = std::max(now_, end);
      return;
    }
    if (next > now_) {
      now_ = next;
      without_progress = 0;
    } else if (++without_progress > kMaxWakesWithoutProgress) {
      fail("busy loop: wakes without time advancing");
      return;
    }
    if (!spend()) return;
    fireTimers();
  }
}

void SessionRun::send(const Op& op) {
  UdpConnection* conn = side(op.dir);
  if (conn == nullptr) return;
  // A message larger than the peer's receive buffer fails the connection (5002, which the
  // checks treat as a bug): keep within it.
  size_t size = op.size;
  if (setup_.small_receive) size = std::min<size_t>(size, setup_.recv_buffer_bytes - 32);
  const uint32_t sender = conn->localId();
  SentLane& lane = sent_[{sender, op.lane}];
  const auto index = static_cast<uint32_t>(lane.messages.size());
  const Bytes payload = makePayload(sender, op.lane, op.reliable, index, size);
  const int flags = (op.reliable ? kSendReliable : kSendUnreliable) | op.extra_flags;
  absl::StatusOr<int64_t> number =
      conn->sendMessage(now_, payload, flags, static_cast<int>(op.lane));
  if (!number.ok()) return;  // refused (buffer full, lane, state): nothing to deliver
  const bool reliable = op.reliable || payload.size() > snp::kMaxUnreliableMessageBytes;
  lane.messages.push_back({static_cast<uint64_t>(*number), reliable, false});
  if (reliable) {
    lane.reliable_ids.push_back(index);
    ++result_.reliable_sent;
  } else {
    ++result_.unreliable_sent;
  }
}

void SessionRun::onStatus(uint32_t id, const ConnectionInfo& info) {
  ConnectionRecord& record = connections_[id];
  record.state = info.connection_state;
  if (info.connection_state == ConnectionState::kConnected && id == kClientId)
    result_.handshake_completed = true;
  if (info.connection_state == ConnectionState::kClosedByPeer ||
      info.connection_state == ConnectionState::kProblemDetectedLocally) {
    record.end_reason = info.end_reason;
    record.end_debug = info.end_debug;
    const auto reason = static_cast<int32_t>(info.end_reason);
    if (reason < static_cast<int32_t>(ConnectionEnd::kAppMin) ||
        reason > static_cast<int32_t>(ConnectionEnd::kMiscMax)) {
      fail(absl::StrCat("connection ", id, " closed without a valid end reason (", reason, ", \"",
                        info.end_debug, "\")"));
    }
    // Everything that passes AES-GCM was built by an honest peer: an SNP decode or
    // stream error between two of ours is a bug, whatever the network did.
    if (info.connection_state == ConnectionState::kProblemDetectedLocally &&
        info.end_reason == ConnectionEnd::kMiscInternalError) {
      fail(absl::StrCat("connection ", id, " failed with 5002: ", info.end_debug));
    }
  }
}

void SessionRun::onMessage(uint32_t receiver, const snp::ReceivedMessage& message) {
  const std::string where =
      absl::StrCat("connection ", receiver, " lane ", message.lane, " message ",
                   message.message_number, " (", message.data.size(), " bytes)");
  const ByteSpan data(message.data);
  if (data.size() < kPayloadHeaderBytes || getLe(data, 0, 4) != kMagic ||
      getLe(data, 16, 4) != data.size() || getLe(data, 20, 8) != payloadChecksum(data)) {
    fail(absl::StrCat("corrupted message delivered: ", where));
    return;
  }
  const auto sender = static_cast<uint32_t>(getLe(data, 4, 4));
  const uint32_t lane_id = data[8];
  const auto index = static_cast<uint32_t>(getLe(data, 12, 4));
  uint32_t expected_sender = kClientId;
  if (receiver == kClientId) expected_sender = client_ ? client_->remoteId() : 0;
  if (sender != expected_sender || lane_id != message.lane) {
    fail(absl::StrCat("message from ", sender, " lane ", lane_id, " delivered as ", where,
                      " (expected sender ", expected_sender, ")"));
    return;
  }
  auto lane_it = sent_.find({sender, lane_id});
  if (lane_it == sent_.end() || index >= lane_it->second.messages.size()) {
    fail(absl::StrCat("message never sent delivered: ", where));
    return;
  }
  SentLane& lane = lane_it->second;
  SentMessage& sent = lane.messages[index];
  if (sent.message_number != message.message_number || sent.reliable != message.reliable) {
    fail(absl::StrCat("message index ", index, " sent as number ", sent.message_number,
                      sent.reliable ? " reliable" : " unreliable", ", delivered as ", where,
                      message.reliable ? " reliable" : " unreliable"));
    return;
  }
  if (message.data != makePayload(sender, lane_id, data[9] != 0, index, data.size())) {
    fail(absl::StrCat("message bytes differ from what was sent: ", where));
    return;
  }
  if (sent.delivered) {
    fail(absl::StrCat("message delivered twice: ", where));
    return;
  }
  sent.delivered = true;
  if (sent.reliable) {
    size_t& next = next_reliable_[{receiver, lane_id}];
    if (next >= lane.reliable_ids.size() || lane.reliable_ids[next] != index) {
      fail(absl::StrCat("reliable message out of order: ", where, " is index ", index,
                        ", expected index ",
                        next < lane.reliable_ids.size() ? lane.reliable_ids[next] : 0));
      return;
    }
    ++next;
    ++result_.reliable_delivered;
  } else {
    ++result_.unreliable_delivered;
  }
  AppQueue& queue = app_queues_[receiver == kClientId ? 0 : 1];
  ++queue.messages;
  queue.bytes += data.size();
}

// True when every reliable message sent has arrived, or its sender or receiver has ended.
// Otherwise `why` (if given) says what is missing.
bool SessionRun::settled(std::string* why) {
  auto say = [&](std::string text) {
    if (why != nullptr) *why = std::move(text);
    return false;
  };
  const bool client_ended = connections_[kClientId].ended();
  if (!client_ended && (client_ == nullptr || client_->state() != ConnectionState::kConnected))
    return say("client neither connected nor closed");
  const uint32_t client_peer = client_ ? client_->remoteId() : 0;
  for (const auto& [key, lane] : sent_) {
    const uint32_t sender = key.first;
    const uint32_t receiver = sender == kClientId ? client_peer : kClientId;
    if (connections_[sender].ended() || client_ended) continue;
    if (sender != kClientId && sender != client_peer)
      return say(absl::StrCat("server connection ", sender, " is not the client's peer but open"));
    if (connections_[receiver].ended()) continue;
    const size_t arrived = next_reliable_[{receiver, key.second}];
    if (arrived < lane.reliable_ids.size()) {
      return say(absl::StrCat(lane.reliable_ids.size() - arrived, " of ", lane.reliable_ids.size(),
                              " reliable messages from ", sender, " on lane ", key.second,
                              " never arrived, both ends open"));
    }
  }
  return true;
}

// True when both ends are open and each other's peer, or neither is open: a connection
// that ended has told its peer, or the peer found out (timeout).
bool SessionRun::agreed(std::string* why) {
  UdpConnection* c = client();
  UdpConnection* s = server();
  const bool client_open = c != nullptr && !connections_[kClientId].ended();
  const bool server_open = s != nullptr && !connections_[s->localId()].ended();
  if (client_open && server_open && c->remoteId() == s->localId()) return true;
  if (!client_open && !server_open) return true;
  if (why != nullptr) {
    *why =
        absl::StrCat("half-open: client ", client_open ? "open" : "ended", ", server connection ",
                     s != nullptr ? s->localId() : 0, server_open ? " open" : " ended",
                     ", client's peer ", c != nullptr ? c->remoteId() : 0);
  }
  return false;
}

void SessionRun::apply(const Op& op) {
  auto& queue = queues_[static_cast<size_t>(op.dir)];
  const size_t at = queue.empty() ? 0 : op.index % queue.size();
  switch (op.kind) {
    case OpKind::kDeliver:
      if (!queue.empty()) {
        Bytes bytes = std::move(queue[at].bytes);
        queue.erase(queue.begin() + static_cast<std::ptrdiff_t>(at));
        deliver(op.dir, std::move(bytes));
      }
      break;
    case OpKind::kDrop:
      if (!queue.empty()) {
        queue.erase(queue.begin() + static_cast<std::ptrdiff_t>(at));
        ++result_.datagrams_dropped;
      }
      break;
    case OpKind::kDuplicate:
      if (!queue.empty()) deliver(op.dir, queue[at].bytes);
      break;
    case OpKind::kCorrupt:
      if (!queue.empty() && !queue[at].bytes.empty()) {
        Bytes& bytes = queue[at].bytes;
        bytes[op.offset % bytes.size()] ^= op.mask;
        ++result_.datagrams_corrupted;
      }
      break;
    case OpKind::kTruncate:
      if (!queue.empty() && !queue[at].bytes.empty()) {
        Bytes& bytes = queue[at].bytes;
        bytes.resize(op.length % bytes.size());
        ++result_.datagrams_corrupted;
      }
      break;
    case OpKind::kReplay: {
      const auto& history = history_[static_cast<size_t>(op.dir)];
      if (!history.empty())
        deliver(op.dir, history[history.size() - 1 - op.index % history.size()]);
      break;
    }
    case OpKind::kSend:
      send(op);
      break;
    case OpKind::kAdvance:
    case OpKind::kClean:
      if (scripted_time_ + op.duration > kMaxScriptedTime) break;
      scripted_time_ += op.duration;
      runUntil(now_ + op.duration, op.kind == OpKind::kClean, false);
      break;
    case OpKind::kFlush: {
      // What is queued now, oldest first; replies wait for the next op.
      std::vector<std::pair<int, QueuedDatagram>> all;
      for (int dir = 0; dir < 2; ++dir) {
        for (QueuedDatagram& d : queues_[static_cast<size_t>(dir)])
          all.emplace_back(dir, std::move(d));
        queues_[static_cast<size_t>(dir)].clear();
      }
      std::sort(all.begin(), all.end(),
                [](const auto& x, const auto& y) { return x.second.seq < y.second.seq; });
      for (auto& [dir, d] : all)
        deliver(dir, std::move(d.bytes));
      break;
    }
    case OpKind::kDrain:
      app_queues_[static_cast<size_t>(op.dir)] = {};
      if (op.both) app_queues_ = {};
      break;
    case OpKind::kClose:
      if (UdpConnection* conn = side(op.dir)) {
        const uint32_t id = conn->localId();
        const bool connected = conn->state() == ConnectionState::kConnected;
        if (conn->close(now_, op.reason, "session script close", op.linger)) {
          connections_[id].app_closed = true;
          if (op.linger && connected) connections_[id].linger_reason = op.reason;
        }
      }
      break;
    case OpKind::kAccept:
      if (UdpConnection* s = server(); s != nullptr && s->state() == ConnectionState::kConnecting)
        (void)s->accept(now_);
      break;
  }
}

void SessionRun::settle() {
  auto_accept_ = true;
  afterInput();
  runUntil(now_ + kSettleTime, /*network=*/true, /*settling=*/true);
  if (!ok()) return;
  std::string why;
  if (!settled(&why) || !agreed(&why))
    fail(absl::StrCat("not settled after a clean network: ", why));
  // A linger close tells the peer only once its reliable data is acked, so a peer that
  // saw that close (with the app's reason) has every reliable message.
  const uint32_t client_peer = client_ ? client_->remoteId() : 0;
  for (const auto& [key, lane] : sent_) {
    const uint32_t sender = key.first;
    const int linger_reason = connections_[sender].linger_reason;
    if (linger_reason == 0) continue;
    const uint32_t receiver = sender == kClientId ? client_peer : kClientId;
    const ConnectionRecord& peer = connections_[receiver];
    if (peer.state != ConnectionState::kClosedByPeer ||
        static_cast<int>(peer.end_reason) != linger_reason)
      continue;
    const size_t arrived = next_reliable_[{receiver, key.second}];
    if (arrived < lane.reliable_ids.size()) {
      fail(absl::StrCat("linger close of ", sender, " reached its peer with ",
                        lane.reliable_ids.size() - arrived, " reliable messages on lane ",
                        key.second, " missing"));
    }
  }
}

void SessionRun::finalChecks() {
  if (auto it = connections_.find(kClientId); it != connections_.end())
    result_.client_end_reason = static_cast<int>(it->second.end_reason);
  if (client_ != nullptr && client_->remoteId() != 0) {
    if (auto it = connections_.find(client_->remoteId()); it != connections_.end())
      result_.server_end_reason = static_cast<int>(it->second.end_reason);
  }
}

SessionScriptResult SessionRun::run(ScriptReader& reader) {
  auto_accept_ = !setup_.manual_accept;
  start();
  while (ok() && !reader.atEnd()) {
    ++result_.ops;
    apply(reader.op());
  }
  if (ok()) settle();
  finalChecks();
  return result_;
}

}  // namespace

SessionScriptResult runSessionScript(ByteSpan script) {
  ScriptReader reader(script);
  const Setup setup = reader.setup();
  const uint64_t bugs_before = bugCount();
  SessionScriptResult result;
  {
    SessionRun run(setup);
    result = run.run(reader);
  }
  // OPENGNS_BUG marks states the library thinks impossible: none may be reached.
  if (result.ok() && bugCount() != bugs_before)
    result.failure = "an OPENGNS_BUG fired (see the log)";
  return result;
}

std::string describeSessionScript(ByteSpan script) {
  ScriptReader reader(script);
  const Setup s = reader.setup();
  std::string out = absl::StrCat("lanes ", s.lanes, s.manual_accept ? ", manual accept" : "",
                                 s.reference_acks ? ", reference acks" : "", ", nagle ",
                                 s.nagle_usec, " us, mtu ", s.mtu);
  if (s.small_receive)
    absl::StrAppend(&out, ", recv ", s.recv_buffer_bytes, " B / ", s.recv_buffer_messages, " msgs");
  if (s.small_send) absl::StrAppend(&out, ", send buffer ", s.send_buffer_bytes, " B");
  out += "\n";
  while (!reader.atEnd())
    absl::StrAppend(&out, describeOp(reader.op()), "\n");
  return out;
}

Bytes randomSessionScript(uint64_t seed, size_t ops) {
  uint64_t state = seed * 0x9E3779B97F4A7C15ull + 0x1234567;
  auto next = [&state]() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  auto below = [&next](uint64_t n) { return static_cast<uint32_t>(next() % n); };
  Bytes script;
  auto push = [&script](uint32_t b) { script.push_back(static_cast<uint8_t>(b)); };
  // Header: mostly defaults, sometimes small buffers, manual accept or a small MTU.
  uint32_t h0 = below(4) | (below(8) == 0 ? 4 : 0) | (below(4) == 0 ? 8 : 0) | below(4) << 4;
  if (below(5) == 0) h0 |= 0x40;
  if (below(5) == 0) h0 |= 0x80;
  push(h0);
  push(below(3) == 0 ? below(256) : 0);
  push(below(256));
  push(below(64));
  // A script has a mood: how lossy and how hostile its network is.
  const uint32_t loss = below(50);     // % of datagram ops that drop
  const uint32_t hostile = below(20);  // % that duplicate, corrupt, truncate or replay
  for (size_t i = 0; i < ops; ++i) {
    const uint32_t roll = below(100);
    const uint32_t addr = below(16) << 4;
    if (roll < 35) {
      const uint32_t r = below(100);
      if (r < loss) {
        push(3 | addr);
      } else if (r < loss + hostile) {
        switch (below(4)) {
          case 0:
            push(4 | addr);
            break;
          case 1:
            push(5 | addr);
            push(below(256));
            push(below(256));
            push(1 + below(255));
            break;
          case 2:
            push(6 | addr);
            push(below(256));
            break;
          default:
            push(7 | addr);
            break;
        }
      } else {
        push(below(3) | (below(3) == 0 ? addr : (addr & 0x10)));  // mostly in order
      }
    } else if (roll < 60) {
      push(8 | addr);
      const uint32_t size_class = below(10) == 0 ? 48 + below(16) : below(48);
      push(size_class << 2 | below(4));
      push(below(256));
    } else if (roll < 75) {
      push(10 | below(10) << 4);  // up to 200 ms
    } else if (roll < 82) {
      push(11);
    } else if (roll < 88) {
      push(12 | addr);
    } else if (roll < 96) {
      push(15 | below(11) << 4);  // up to 500 ms
    } else if (roll < 99) {
      push(14);
    } else if (below(4) == 0) {
      push(13 | addr);
    } else {
      push(10 | (11 + below(5)) << 4);  // a long silence: 1 s .. 30 s
    }
  }
  return script;
}

}  // namespace opengns::fuzzing
