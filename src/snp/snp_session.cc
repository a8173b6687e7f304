#include "snp/snp_session.h"

#include <algorithm>
#include <limits>
#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "snp/packet_number_window.h"
#include "snp/queue_time.h"
#include "wire/snp_frame_decoder.h"

namespace opengns::snp {
namespace {

// config.md ranges of the options the session takes (clamped silently, as GNS does).
constexpr Usec kMaxNagleTimeUsec = 20000;
constexpr uint64_t kMinSendBufferBytes = 4096;
constexpr uint64_t kMaxBufferBytes = 268435456;
constexpr uint64_t kMinRecvBufferBytes = 4096;
constexpr uint64_t kMinRecvBufferMessages = 2;
constexpr uint32_t kMinRecvMaxMessageBytes = 64;
constexpr uint32_t kMaxRecvMaxMessageBytes = 268435456;

SnpConfig sanitized(SnpConfig config) {
  config.mtu_bytes = std::clamp(config.mtu_bytes, kMinMtuBytes, kMaxMtuBytes);
  config.nagle_time_usec = std::clamp<Usec>(config.nagle_time_usec, 0, kMaxNagleTimeUsec);
  config.send_buffer_bytes =
      std::clamp(config.send_buffer_bytes, kMinSendBufferBytes, kMaxBufferBytes);
  config.recv_buffer_bytes =
      std::clamp(config.recv_buffer_bytes, kMinRecvBufferBytes, kMaxBufferBytes);
  config.recv_buffer_messages =
      std::clamp(config.recv_buffer_messages, kMinRecvBufferMessages, kMaxBufferBytes);
  config.recv_max_message_bytes =
      std::clamp(config.recv_max_message_bytes, kMinRecvMaxMessageBytes, kMaxRecvMaxMessageBytes);
  config.recv_max_segments_per_packet =
      std::clamp<uint32_t>(config.recv_max_segments_per_packet, 1,
                           static_cast<uint32_t>(wire::kDefaultRecvMaxSegmentsPerPacket));
  config.no_delay_max_wait_usec = std::max<Usec>(config.no_delay_max_wait_usec, 0);
  return config;
}

int clampToInt(uint64_t value) {
  return static_cast<int>(std::min<uint64_t>(value, std::numeric_limits<int>::max()));
}

}  // namespace

size_t maxPlaintextBytes(uint32_t mtu_bytes, uint32_t cipher_tag_bytes,
                         uint32_t stats_total_bytes) {
  const int64_t mtu = mtu_bytes;
  const int64_t by_chunk = mtu - kDataHeaderBytes - stats_total_bytes - cipher_tag_bytes;
  const int64_t by_reserve = mtu - kMtuHeaderReserveBytes - cipher_tag_bytes;
  return static_cast<size_t>(std::max<int64_t>(0, std::min(by_chunk, by_reserve)));
}

Result sendResultFromStatus(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return Result::kOK;
    case absl::StatusCode::kInvalidArgument:
      return Result::kInvalidParam;
    case absl::StatusCode::kResourceExhausted:
      return Result::kLimitExceeded;
    case absl::StatusCode::kUnavailable:
      return Result::kIgnored;
    default:
      return Result::kFail;
  }
}

// ---------------------------------------------------------------------------------------
// Packet fates from the sent-packet tracker -> streams, delivery-rate estimator,
// congestion controller.

class SnpSession::Sink final : public AckSink {
 public:
  explicit Sink(SnpSession& session) : session_(session) {}

  // Frame-scoped state; reset before each onAckFrame / detectLosses call.
  void begin() {
    rtt_usec_.reset();
    acked_any_ = false;
    ack_delivered_ = false;
    rto_seen_ = false;
  }
  // After onAckFrame: an ack event still owed (only late acks in the frame).
  void finishAckFrame(Usec now) {
    if (acked_any_ && !ack_delivered_) deliverAck(0, now);
  }

  void onPacketAcked(uint64_t packet_number, Usec now) override {
    acked_any_ = true;
    if (const DeliverySample* sample = session_.deliverySample(packet_number)) {
      session_.delivery_rate_.onPacketAcked(now, *sample);
    }
  }
  void onRangeAcked(const SentRange& range) override {
    if (range.lane < session_.lanes_.size()) {
      session_.lanes_[range.lane]->stream().onAcked(range.begin, range.end);
    }
  }
  void onRangeLost(const SentRange& range) override {
    if (range.lane < session_.lanes_.size()) {
      session_.lanes_[range.lane]->stream().onLost(range.begin, range.end);
    }
  }
  void onRttSample(Usec rtt_usec) override { rtt_usec_ = rtt_usec; }
  void onBytesAcked(uint64_t bytes, Usec now) override { deliverAck(bytes, now); }
  void onBytesLost(uint64_t bytes, Usec now) override {
    session_.congestion_->onLoss(now, bytes, session_.sent_.bytesInFlight());
    if (rto_seen_) session_.congestion_->onRtoExpired(now);
    rto_seen_ = false;
  }
  void onPacketLost(uint64_t /*packet_number*/, LossReason reason) override {
    if (reason == LossReason::kRto) rto_seen_ = true;
  }

 private:
  void deliverAck(uint64_t acked_bytes, Usec now) {
    AckEvent event;
    event.acked_bytes = acked_bytes;
    event.rtt_usec = rtt_usec_;
    event.rate_sample = session_.delivery_rate_.takeRateSample();
    event.bytes_in_flight = session_.sent_.bytesInFlight();
    session_.congestion_->onAck(now, event);
    ack_delivered_ = true;
  }

  SnpSession& session_;
  std::optional<Usec> rtt_usec_;
  bool acked_any_ = false;
  bool ack_delivered_ = false;
  bool rto_seen_ = false;
};

// ---------------------------------------------------------------------------------------
// Construction and configuration

SnpSession::SnpSession(SnpConfig config, std::unique_ptr<CongestionController> controller)
    : config_(sanitized(std::move(config))),
      max_plaintext_bytes_(snp::maxPlaintextBytes(config_.mtu_bytes, config_.cipher_tag_bytes, 0)),
      connected_(config_.connected),
      sent_(config_.peer_protocol_version),
      congestion_(controller
                      ? std::move(controller)
                      : makeDefaultCongestionController(config_.send_rate_min_bytes_per_sec,
                                                        config_.send_rate_max_bytes_per_sec)),
      pacer_(congestion_->pacingRateBytesPerSec()),
      sink_(std::make_unique<Sink>(*this)),
      acks_(initialHighestReceived(config_.peer_protocol_version)) {
  // SendRateMin / SendRateMax come from the config, also for an injected controller.
  congestion_->setRateLimits(config_.send_rate_min_bytes_per_sec,
                             config_.send_rate_max_bytes_per_sec);
  pacer_.setRate(0, congestion_->pacingRateBytesPerSec());
  stream_limits_.max_buffered_bytes = config_.recv_buffer_bytes;
  stream_limits_.max_message_bytes = config_.recv_max_message_bytes;
  delivery_samples_base_ = sent_.nextPacketNumber();
  receive_lanes_.resize(wire::kMaxLane + 1);
  addLanes(1);
  if (config_.lane_count > 1 || !config_.lane_priorities.empty() || !config_.lane_weights.empty()) {
    const size_t count = std::max<size_t>(config_.lane_count, 1);
    absl::Status status = configureLanes(count, config_.lane_priorities, config_.lane_weights);
    if (!status.ok()) {
      OPENGNS_LOG(LogLevel::kWarning, "snp session: initial lanes refused: ", status.message());
    }
  }
}

SnpSession::~SnpSession() = default;

SendLaneConfig SnpSession::laneConfig(uint32_t lane) const {
  SendLaneConfig lane_config;
  lane_config.lane = lane;
  lane_config.nagle_time_usec = config_.nagle_time_usec;
  // §5.1: "no fragmentation" size + 5 (1153 NULL / 1137 AES-GCM at the default MTU); at
  // tiny MTUs the whole plaintext is the only cap that matters.
  lane_config.max_reliable_segment_bytes = max_plaintext_bytes_ > kNoFragmentationMarginBytes
                                               ? maxReliableSegmentBytes(max_plaintext_bytes_)
                                               : max_plaintext_bytes_;
  return lane_config;
}

void SnpSession::addLanes(size_t lane_count) {
  while (lanes_.size() < lane_count) {
    lanes_.push_back(std::make_unique<SendLane>(laneConfig(static_cast<uint32_t>(lanes_.size()))));
  }
}

absl::Status SnpSession::configureLanes(size_t lane_count, std::span<const int> priorities,
                                        std::span<const uint16_t> weights) {
  if (lane_count > 1 && connected_ && config_.peer_protocol_version < kMinProtocolVersionForLanes) {
    return absl::FailedPreconditionError(absl::StrCat(
        "configure lanes: ", lane_count, " lanes need peer protocol ", kMinProtocolVersionForLanes,
        ", the peer speaks ", config_.peer_protocol_version));
  }
  absl::Status status = scheduler_.configure(lane_count, priorities, weights);
  if (!status.ok()) return status;
  addLanes(lane_count);
  return absl::OkStatus();
}

absl::Status SnpSession::onConnected(Usec now, uint32_t peer_protocol_version) {
  return onConnected(now, peer_protocol_version, config_.mtu_bytes, config_.cipher_tag_bytes);
}

absl::Status SnpSession::onConnected(Usec now, uint32_t peer_protocol_version, uint32_t mtu_bytes,
                                     uint32_t cipher_tag_bytes) {
  if (!packets_exchanged_ && peer_protocol_version != config_.peer_protocol_version) {
    config_.peer_protocol_version = peer_protocol_version;
    sent_ = SentPacketTracker(peer_protocol_version);
    acks_ = AckTracker(initialHighestReceived(peer_protocol_version));
    delivery_samples_.clear();
    delivery_samples_base_ = sent_.nextPacketNumber();
    // The new tracker starts without RTT: give it the handshake's samples again.
    for (const HandshakeRttSample& sample : handshake_rtt_samples_) {
      sent_.onExternalRttSample(sample.rtt_usec, sample.time);
    }
    loss_check_due_ = 0;
  }
  handshake_rtt_samples_.clear();
  handshake_rtt_samples_.shrink_to_fit();
  const uint32_t mtu = std::clamp(mtu_bytes, kMinMtuBytes, kMaxMtuBytes);
  if (mtu != config_.mtu_bytes || cipher_tag_bytes != config_.cipher_tag_bytes) {
    config_.mtu_bytes = mtu;
    config_.cipher_tag_bytes = cipher_tag_bytes;
    max_plaintext_bytes_ = snp::maxPlaintextBytes(config_.mtu_bytes, config_.cipher_tag_bytes, 0);
    // A lane that never queued anything holds no state: it can take the final segment
    // size. The others keep theirs (numbers and stream positions are already given out).
    for (size_t i = 0; i < lanes_.size(); ++i) {
      if (lanes_[i]->lastMessageNumber() == 0) {
        lanes_[i] = std::make_unique<SendLane>(laneConfig(static_cast<uint32_t>(i)));
      }
    }
  }
  connected_ = true;
  syncPacer(now);
  if (lanes_.size() > 1 && config_.peer_protocol_version < kMinProtocolVersionForLanes) {
    return absl::FailedPreconditionError(absl::StrCat(
        "connected: ", lanes_.size(), " lanes configured but the peer speaks protocol ",
        config_.peer_protocol_version, " (lanes need ", kMinProtocolVersionForLanes, ")"));
  }
  return absl::OkStatus();
}

void SnpSession::onHandshakeRttSample(Usec now, Usec rtt_usec) {
  if (rtt_usec < 0 || rtt_usec > kMaxRttSampleUsec) return;
  if (!connected_) {
    if (handshake_rtt_samples_.size() >= kMaxKeptHandshakeRttSamples) {
      handshake_rtt_samples_.erase(handshake_rtt_samples_.begin());
    }
    handshake_rtt_samples_.push_back(HandshakeRttSample{now, rtt_usec});
  }
  sent_.onExternalRttSample(rtt_usec, now);
  loss_check_due_ = 0;
  // The controller learns RTTs only from ack events: this is one that acked nothing (as a
  // frame of only late acks), so only its min RTT and the pacing derived from it change.
  AckEvent event;
  event.rtt_usec = rtt_usec;
  event.bytes_in_flight = sent_.bytesInFlight();
  congestion_->onAck(now, event);
  syncPacer(now);
}

// ---------------------------------------------------------------------------------------
// Send API

uint64_t SnpSession::queuedBytes() const {
  uint64_t bytes = 0;
  for (const auto& lane : lanes_)
    bytes += lane->queuedBytes();
  return bytes;
}

absl::StatusOr<int64_t> SnpSession::sendMessage(Usec now, uint32_t lane, ByteSpan payload,
                                                int flags) {
  if (lane >= lanes_.size()) {
    ++counters_.messages_refused;
    return absl::InvalidArgumentError(
        absl::StrCat("send: lane ", lane, " is not configured (", lanes_.size(), " lanes)"));
  }
  SendLane& send_lane = *lanes_[lane];
  // The size check comes first (InvalidParam beats Ignored); SendLane logs it.
  const bool oversized = payload.size() > send_lane.config().max_message_bytes;
  if ((flags & kSendNoDelay) != 0 && !oversized) {
    // Ours (snp.md §6.1): NoDelay means "now or never". Not connected, or queued behind
    // more than the send rate clears in no_delay_max_wait_usec: dropped, no number used.
    if (!connected_) {
      ++counters_.no_delay_dropped;
      ++counters_.messages_refused;
      return absl::UnavailableError("send: NoDelay message while not connected");
    }
    const uint64_t rate = std::max<uint64_t>(pacer_.rateBytesPerSec(), 1);
    const uint64_t backlog = queuedBytes();
    const Usec pacer_wait = std::max<Usec>(pacer_.nextSendTime(now) - now, 0);
    const double drain_usec =
        static_cast<double>(backlog) * static_cast<double>(kUsecPerSec) / static_cast<double>(rate);
    if (static_cast<double>(pacer_wait) + drain_usec >
        static_cast<double>(config_.no_delay_max_wait_usec)) {
      ++counters_.no_delay_dropped;
      ++counters_.messages_refused;
      return absl::UnavailableError(absl::StrCat("send: NoDelay message dropped: ", backlog,
                                                 " bytes queued ahead at ", rate, " bytes/s plus ",
                                                 pacer_wait, " us of pacing exceed ",
                                                 config_.no_delay_max_wait_usec, " us"));
    }
  }
  // Copied once, straight into the lane's stream or queue (the caller keeps its buffer).
  absl::StatusOr<QueuedMessage> queued = send_lane.queueMessage(
      now, payload, flags, SendBufferState{config_.send_buffer_bytes, queuedBytes()});
  if (!queued.ok()) {
    ++counters_.messages_refused;
    return queued.status();
  }
  scheduler_.onQueued(lane, queued->queued_bytes);
  if ((flags & kSendNoNagle) != 0) {
    // §6.1: NoNagle clears the timers of every message already queued, on every lane.
    for (const auto& other : lanes_)
      other->clearNagle();
  }
  ++counters_.messages_queued;
  return static_cast<int64_t>(queued->message_number);
}

absl::Status SnpSession::flush(Usec /*now*/) {
  for (const auto& lane : lanes_)
    lane->clearNagle();
  if (!connected_) return absl::UnavailableError("flush: not connected yet");
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------
// Receive

SnpSession::ReceiveLane& SnpSession::receiveLane(uint32_t lane) {
  std::unique_ptr<ReceiveLane>& slot = receive_lanes_[lane];
  if (!slot) slot = std::make_unique<ReceiveLane>(lane, stream_limits_);
  return *slot;
}

wire::LaneDecodeReferences SnpSession::laneReferences(uint32_t lane) const {
  wire::LaneDecodeReferences refs;
  if (lane < receive_lanes_.size() && receive_lanes_[lane]) {
    const ReliableStreamReceiver& stream = receive_lanes_[lane]->stream;
    refs.highest_message_number =
        std::max(stream.highestMessageNumber(), stream.lastReliableMessageNumber());
    refs.reliable_expect_position = stream.expectPosition();
  }
  return refs;
}

ReceiveOutcome SnpSession::closeWith(std::string debug) {
  ++counters_.packets_closing;
  ReceiveOutcome outcome;
  outcome.action = ReceiveOutcome::Action::kClose;
  outcome.end_reason = ConnectionEnd::kMiscInternalError;
  outcome.debug = std::move(debug);
  return outcome;
}

ReceiveOutcome SnpSession::receivePacket(Usec now, uint64_t packet_number, ByteSpan plaintext,
                                         AckUrgency stats_urgency,
                                         const ReceiveQueueState& app_queue,
                                         std::vector<ReceivedMessage>& delivered) {
  ++counters_.packets_received;
  packets_exchanged_ = true;
  last_receive_time_ = now;
  traffic_.onDatagramIn(now, kDataHeaderBytes + plaintext.size() + config_.cipher_tag_bytes);
  onWake(now);

  wire::SnpDecodeContext context;
  context.packet_number = packet_number;
  context.ack_reference_packet_number = sent_.nextPacketNumber();
  context.lane_references = [this](uint32_t lane) { return laneReferences(lane); };
  absl::StatusOr<std::vector<wire::SnpFrame>> frames = wire::decodeSnpFrames(plaintext, context);
  if (!frames.ok()) {
    return closeWith(absl::StrCat("SNP decode error in packet ", packet_number, ": ",
                                  frames.status().message()));
  }
  // §1.8: an ack of a packet we never sent drops the whole packet, silently.
  for (const wire::SnpFrame& frame : *frames) {
    const auto* ack = std::get_if<wire::AckFrame>(&frame);
    if (ack != nullptr && sent_.acksUnsentPacket(*ack)) {
      ++counters_.packets_dropped;
      ReceiveOutcome outcome;
      outcome.action = ReceiveOutcome::Action::kDropped;
      outcome.debug =
          absl::StrCat("packet ", packet_number, " acks packet ", ack->latest_packet_number,
                       ", never sent (next is ", sent_.nextPacketNumber(), ")");
      return outcome;
    }
  }

  const size_t delivered_before = delivered.size();
  uint64_t queued_messages = app_queue.messages;
  uint64_t queued_bytes = app_queue.bytes;
  auto noteDelivered = [&](size_t from) {
    for (size_t i = from; i < delivered.size(); ++i) {
      ++queued_messages;
      queued_bytes += delivered[i].data.size();
      counters_.bytes_delivered += delivered[i].data.size();
      ++(delivered[i].reliable ? counters_.reliable_messages_delivered
                               : counters_.unreliable_messages_delivered);
    }
  };
  // The application queue is full once it holds the limit (so it never exceeds it by more
  // than the messages one segment completes).
  auto appQueueFull = [&] {
    return queued_messages >= config_.recv_buffer_messages ||
           queued_bytes >= config_.recv_buffer_bytes;
  };

  AckUrgency urgency = stats_urgency;
  bool refused = false;
  size_t segments = 0;
  for (const wire::SnpFrame& frame : *frames) {
    if (const auto* stop = std::get_if<wire::StopWaitingFrame>(&frame)) {
      absl::Status status = acks_.onStopWaiting(stop->stop_packet_number, packet_number);
      if (!status.ok()) return closeWith(std::string(status.message()));
    } else if (const auto* ack = std::get_if<wire::AckFrame>(&frame)) {
      sink_->begin();
      absl::Status status = sent_.onAckFrame(*ack, now, *sink_);
      sink_->finishAckFrame(now);
      loss_check_due_ = 0;  // new RTT, new largest acked: deadlines moved
      if (!status.ok()) return closeWith(std::string(status.message()));
      if (!ack->blocks.empty()) {
        // §3.2: the peer still reports losses of ours: send our stop value soon so that
        // its acks shrink again.
        acks_.requestAckWithin(now,
                               kPeerBlocksFlushBudgetUsec / static_cast<Usec>(ack->blocks.size()));
      }
    } else if (const auto* reliable = std::get_if<wire::ReliableSegmentFrame>(&frame)) {
      if (++segments > config_.recv_max_segments_per_packet) {
        ++counters_.segments_over_packet_limit;
        refused = true;
        break;
      }
      // §3.2: reliable data, even a duplicate, is acked within 50 ms.
      if (urgency == AckUrgency::kNone) urgency = AckUrgency::kDelayed;
      if (appQueueFull()) {
        ++counters_.segments_refused;
        refused = true;
        continue;
      }
      ReceiveLane& lane = receiveLane(reliable->lane);
      const size_t from = delivered.size();
      absl::Status status =
          lane.stream.receiveSegment(reliable->stream_position, reliable->data, delivered);
      noteDelivered(from);
      if (status.code() == absl::StatusCode::kResourceExhausted) {
        ++counters_.segments_refused;
        refused = true;
      } else if (!status.ok()) {
        return closeWith(std::string(status.message()));
      }
    } else if (const auto* unreliable = std::get_if<wire::UnreliableSegmentFrame>(&frame)) {
      if (++segments > config_.recv_max_segments_per_packet) {
        ++counters_.segments_over_packet_limit;
        refused = true;
        break;
      }
      // See SnpConfig::reference_ack_rules.
      if (urgency == AckUrgency::kNone && !config_.reference_ack_rules) {
        urgency = AckUrgency::kDelayed;
      }
      ReceiveLane& lane = receiveLane(unreliable->lane);
      lane.stream.noteMessageNumber(unreliable->message_number);
      if (appQueueFull()) {
        ++counters_.unreliable_dropped_queue_full;  // never resent: simply lost
        continue;
      }
      UnreliableReassembler::Result result =
          lane.unreliable.receiveSegment(unreliable->message_number, unreliable->offset_bytes,
                                         unreliable->is_last, unreliable->data);
      if (result.message) {
        const size_t from = delivered.size();
        delivered.push_back(*std::move(result.message));
        noteDelivered(from);
      }
    }
    // Select-lane frames only matter to the decoder.
  }
  syncPacer(now);

  ReceiveOutcome outcome;
  outcome.messages_delivered = delivered.size() - delivered_before;
  if (refused) {
    // §2.4 / §3.2: not acked, so the peer resends; make sure it hears about the gap soon.
    acks_.onPacketRefused(now, sent_.rtt().smoothed());
    ++counters_.packets_not_acked;
    outcome.action = ReceiveOutcome::Action::kNotAcked;
    return outcome;
  }
  if (!config_.reference_ack_rules) acks_.setDelayedAckPolicy(ourDelayedAckPolicy());
  acks_.onPacketReceived(packet_number, now, urgency);
  outcome.action = ReceiveOutcome::Action::kAcked;
  return outcome;
}

// ---------------------------------------------------------------------------------------
// Sending packets

const DeliverySample* SnpSession::deliverySample(uint64_t packet_number) const {
  if (packet_number < delivery_samples_base_ ||
      packet_number - delivery_samples_base_ >= delivery_samples_.size()) {
    return nullptr;
  }
  return &delivery_samples_[static_cast<size_t>(packet_number - delivery_samples_base_)];
}

void SnpSession::pruneDeliverySamples() {
  // Packets below the stop value have a final fate (sent_packet_tracker.h); a late ack of
  // one of them simply gives no delivery-rate sample.
  // So do packets the tracker no longer reports in flight or lost (acked, or forgotten).
  while (!delivery_samples_.empty() &&
         (delivery_samples_base_ < sent_.stopValue() ||
          sent_.stateOf(delivery_samples_base_) == SentPacketTracker::PacketState::kUnknown)) {
    delivery_samples_.pop_front();
    ++delivery_samples_base_;
  }
}

void SnpSession::syncPacer(Usec now) {
  const uint64_t rate = congestion_->pacingRateBytesPerSec();
  if (rate != pacer_.rateBytesPerSec()) pacer_.setRate(now, rate);
}

void SnpSession::onWake(Usec now) {
  sink_->begin();
  // Loss timers only fire at the tracker's wake time (acks run their own detection), so
  // the many wakes in between (every send asks wantsToSend) skip the whole pass.
  if (now >= loss_check_due_) {
    sent_.detectLosses(now, *sink_);
    loss_check_due_ = sent_.nextWakeTime();
  }
  pruneDeliverySamples();
  syncPacer(now);
}

bool SnpSession::windowAllowsData() const {
  return congestion_->canSend(sent_.bytesInFlight());
}

Usec SnpSession::dataDueTime() const {
  Usec due = kNever;
  uint64_t queued = 0;
  for (const auto& lane : lanes_) {
    if (lane->stream().pendingResend()) return 0;  // §6.2: resends want out now
    due = std::min(due, lane->nagleDeadline());
    queued += lane->queuedBytes();
  }
  // §6.2: a full packet of queued bytes goes without waiting for Nagle.
  if (queued >= max_plaintext_bytes_ && due != kNever) return 0;
  return due;
}

bool SnpSession::dataReady(Usec now) const {
  return dataDueTime() <= now;
}

bool SnpSession::wantsToSend(Usec now) {
  onWake(now);
  if (!connected_ || max_plaintext_bytes_ == 0) return false;
  if (!pacer_.canSend(now)) return false;
  if (acks_.ackDueTime() <= now) return true;
  const bool window_open = windowAllowsData();
  if (dataReady(now) && window_open) return true;
  // Held by something other than the pacer (nothing ready, or a full window).
  pacer_.onIdle(now);
  // Could send but has nothing queued: the flight is limited by the application.
  if (window_open && dataDueTime() == kNever) {
    delivery_rate_.onAppLimited(sent_.bytesInFlight());
  }
  return false;
}

std::optional<OutgoingPacket> SnpSession::buildPacket(Usec now, const BuildOptions& options) {
  if (!connected_) return std::nullopt;
  onWake(now);
  const size_t max_plaintext = snp::maxPlaintextBytes(config_.mtu_bytes, config_.cipher_tag_bytes,
                                                      options.stats_total_bytes);
  const uint64_t number = sent_.nextPacketNumber();
  const uint64_t stop_value = sent_.stopValue();
  if (max_plaintext < stopWaitingFrameBytes(number, stop_value)) return std::nullopt;

  PacketAssemblyInput input;
  input.packet_number = number;
  input.max_plaintext_bytes = max_plaintext;
  input.stop_value = stop_value;
  input.acks = &acks_;
  input.allow_data = options.allow_data && windowAllowsData();
  AssembledPacket assembled = assembler_.assemble(now, input, lanes_, scheduler_);
  if (assembled.plaintext.empty()) return std::nullopt;  // a bug, logged by the assembler

  packets_exchanged_ = true;
  if (assembled.ack) acks_.onAckSent(now, *assembled.ack);
  sent_.onStopValueSent(assembled.stop_value);

  OutgoingPacket packet;
  packet.packet_number = number;
  packet.udp_bytes = static_cast<uint32_t>(kDataHeaderBytes + options.stats_total_bytes +
                                           assembled.plaintext.size() + config_.cipher_tag_bytes);
  packet.carries_data = assembled.carriesData();
  packet.carries_reliable_data = assembled.carriesReliableData();
  packet.carries_ack = assembled.ack.has_value();

  const uint64_t in_flight_before = sent_.bytesInFlight();
  if (delivery_samples_.empty()) delivery_samples_base_ = number;
  while (delivery_samples_base_ + delivery_samples_.size() < number) {
    delivery_samples_.push_back(DeliverySample{});  // numbers never used (not expected)
  }
  delivery_samples_.push_back(delivery_rate_.onPacketSent(now, packet.udp_bytes, in_flight_before));
  congestion_->onPacketSent(now, packet.udp_bytes, in_flight_before);
  sent_.onPacketSent(number, now, packet.udp_bytes, assembled.ranges);
  // A new packet's only deadline is its RTO (earlier packets keep theirs).
  loss_check_due_ = std::min(loss_check_due_, now + sent_.rtt().rto());
  pacer_.onSent(now, packet.udp_bytes);
  traffic_.onDatagramOut(now, packet.udp_bytes);

  if (packet.carries_data) {
    ++counters_.data_packets_built;
  } else {
    ++counters_.control_packets_built;
  }
  counters_.reliable_bytes_sent += assembled.reliable_new_bytes;
  counters_.reliable_bytes_resent += assembled.reliable_resent_bytes;
  counters_.unreliable_bytes_sent += assembled.unreliable_bytes;

  // Nothing left to send: the flight is limited by the application, not the path.
  if (dataDueTime() == kNever) delivery_rate_.onAppLimited(sent_.bytesInFlight());
  packet.plaintext = std::move(assembled.plaintext);
  return packet;
}

DelayedAckPolicy SnpSession::ourDelayedAckPolicy() const {
  DelayedAckPolicy policy;
  policy.every_packets = kAckEveryPackets;
  if (sent_.rtt().hasSample()) {
    policy.max_delay_usec =
        std::clamp<Usec>(sent_.rtt().smoothed() / 4, kMinDelayedAckUsec, kMaxDataAckDelayUsec);
  }
  return policy;
}

Usec SnpSession::nextWakeTime(Usec now) const {
  Usec wake = sent_.nextWakeTime();
  if (!connected_) return wake;
  Usec send_due = acks_.ackDueTime();
  if (windowAllowsData()) send_due = std::min(send_due, dataDueTime());
  if (send_due != kNever) send_due = std::max({send_due, now, pacer_.nextSendTime(now)});
  return std::min(wake, send_due);
}

// ---------------------------------------------------------------------------------------
// Status

RealTimeStatus SnpSession::realTimeStatus(Usec now) const {
  RealTimeStatus status;
  status.state = connected_ ? ConnectionState::kConnected : ConnectionState::kConnecting;
  status.ping = sent_.rtt().pingMs();
  const TrafficRates rates = traffic_.rates(now);
  status.packets_out_per_second = static_cast<float>(rates.packets_out_per_sec);
  status.bytes_out_per_second = static_cast<float>(rates.bytes_out_per_sec);
  status.packets_in_per_second = static_cast<float>(rates.packets_in_per_sec);
  status.bytes_in_per_second = static_cast<float>(rates.bytes_in_per_sec);
  const uint64_t send_rate = congestion_->state().send_rate_bytes_per_sec;
  status.send_rate = clampToInt(send_rate);
  uint64_t pending_reliable = 0;
  uint64_t pending_unreliable = 0;
  uint64_t unacked = 0;
  for (const auto& lane : lanes_) {
    pending_reliable += lane->stream().queuedBytes();
    pending_unreliable += lane->queuedBytes() - lane->stream().queuedBytes();
    unacked += lane->stream().inFlightBytes();
  }
  status.pending_reliable = clampToInt(pending_reliable);
  status.pending_unreliable = clampToInt(pending_unreliable);
  status.send_unacknowledged_reliable = clampToInt(unacked);
  if (!connected_ || lanes_.size() > 1) {
    status.queue_time = kUnknownQueueTimeUsec;  // lifecycle.md §8.4 (several lanes: as GNS)
  } else {
    status.queue_time = singleLaneQueueTimeUsec(pending_reliable + pending_unreliable,
                                                max_plaintext_bytes_, send_rate);
  }
  return status;
}

LaneStatus SnpSession::laneStatus(uint32_t lane, Usec /*now*/) const {
  LaneStatus status;
  if (lane >= lanes_.size()) return status;
  const SendLane& send_lane = *lanes_[lane];
  status.pending_reliable = clampToInt(send_lane.stream().queuedBytes());
  status.pending_unreliable =
      clampToInt(send_lane.queuedBytes() - send_lane.stream().queuedBytes());
  status.sent_unacknowledged_reliable = clampToInt(send_lane.stream().inFlightBytes());
  const uint64_t send_rate = congestion_->state().send_rate_bytes_per_sec;
  if (!connected_) {
    status.queue_time = kUnknownQueueTimeUsec;
  } else if (lanes_.size() == 1) {
    status.queue_time =
        singleLaneQueueTimeUsec(send_lane.queuedBytes(), max_plaintext_bytes_, send_rate);
  } else {
    std::vector<LaneBacklog> backlog(lanes_.size());
    for (uint32_t i = 0; i < lanes_.size(); ++i) {
      backlog[i] =
          LaneBacklog{scheduler_.priority(i), scheduler_.weight(i), lanes_[i]->queuedBytes()};
    }
    status.queue_time = laneQueueTimesUsec(backlog, send_rate)[lane];
  }
  return status;
}

SnpMemoryUsage SnpSession::memoryUsage() const {
  SnpMemoryUsage usage;
  for (const auto& lane : lanes_) {
    usage.send_stream_held_bytes += lane->stream().heldBytes();
    usage.send_unreliable_queued_bytes += lane->queuedBytes() - lane->stream().queuedBytes();
    usage.send_queued_messages += lane->queuedMessageCount();
  }
  usage.tracked_packets = sent_.trackedPacketCount();
  usage.delivery_samples = delivery_samples_.size();
  for (const auto& lane : receive_lanes_) {
    if (!lane) continue;
    ++usage.recv_lanes;
    usage.recv_stream_buffered_bytes += lane->stream.bufferedSpan();
    usage.recv_unreliable_pieces += lane->unreliable.storedPieceCount();
    usage.recv_unreliable_evicted_messages += lane->unreliable.evictedMessageCount();
  }
  return usage;
}

}  // namespace opengns::snp
