// Two SnpSessions over the deterministic network simulator, in virtual time (snp.md §7.4
// guarantees under loss, reordering, duplication and jitter; §7.3 lane scheduling on a
// saturated link). Every packet either session builds is decoded with the wire decoder
// by the harness (session_pair.h).
//
// Volumes: the debug/ASan build runs a smaller workload so that the whole suite stays
// within ~30 s; a release build (NDEBUG) runs the heavier one.
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "common/log.h"
#include "session_pair.h"

namespace opengns::snp {
namespace {

using testing::SessionPair;
using transport::LinkEnd;
using transport::NetworkConditions;

#ifdef NDEBUG
constexpr int kDefaultVolumeScale = 10;
#else
constexpr int kDefaultVolumeScale = 3;
#endif

// OPENGNS_SNP_SIM_SEED varies the random streams of the lossy runs (default 0).
uint64_t seedOffset() {
  const char* text = std::getenv("OPENGNS_SNP_SIM_SEED");
  return text != nullptr ? std::strtoull(text, nullptr, 10) : 0;
}

// OPENGNS_SNP_SIM_SCALE overrides the volume (e.g. a heavy run in a debug build).
int volumeScale() {
  const char* text = std::getenv("OPENGNS_SNP_SIM_SCALE");
  const int scale = text != nullptr ? std::atoi(text) : 0;
  return scale > 0 ? scale : kDefaultVolumeScale;
}

constexpr uint32_t kLanes = 3;

SnpConfig laneConfig() {
  SnpConfig config;
  config.lane_count = kLanes;
  config.lane_priorities = {0, 1, 1};
  config.lane_weights = {1, 1, 3};
  // A larger buffer lets the script queue the 512 KiB message while others wait.
  config.send_buffer_bytes = 2 * 1024 * 1024;
  return config;
}

NetworkConditions lossyPath(double loss_percent) {
  NetworkConditions conditions;
  conditions.loss_percent = loss_percent;
  conditions.lag_usec = 15 * kUsecPerMsec;
  conditions.jitter_avg_usec = 2 * kUsecPerMsec;
  conditions.jitter_max_usec = 10 * kUsecPerMsec;
  conditions.reorder_percent = 5;
  conditions.reorder_time_usec = 8 * kUsecPerMsec;
  conditions.dup_percent = 3;
  conditions.dup_time_max_usec = 5 * kUsecPerMsec;
  conditions.rate_limit_bytes_per_sec = 4 * 1024 * 1024;
  conditions.rate_limit_burst_bytes = 32 * 1024;
  // A bottleneck queue deep enough that no datagram is tail-dropped: the only loss is
  // the random loss asked for.
  conditions.rate_limit_queue_bytes = 8 * 1024 * 1024;
  return conditions;
}

// A mixed workload from `from`: reliable messages of many sizes (one of the 512 KiB
// maximum), unreliable ones up to 16,500 bytes, one unreliable message of 16,501 bytes
// (sent reliable, §5.2), on three lanes, with and without Nagle.
void addMixedWorkload(SessionPair& pair, LinkEnd from, uint64_t seed, int scale, bool with_max) {
  uint64_t index = seed * 1000000;
  auto add = [&](uint32_t lane, int flags, size_t size) {
    pair.addMessage(from, lane, flags, testing::patternBytes(++index, size));
  };
  if (with_max) add(0, kSendReliable, static_cast<size_t>(kMaxMessageSizeSend));
  for (int round = 0; round < 12 * scale; ++round) {
    const uint32_t lane = static_cast<uint32_t>(round % kLanes);
    add(lane, kSendReliable, 1 + (round * 37) % 200);
    add(lane, kSendReliableNoNagle, 1000 + (round * 997) % 4000);
    add((lane + 1) % kLanes, kSendUnreliable, 10 + (round * 131) % 1100);
    add((lane + 2) % kLanes, kSendReliable, 0);  // empty messages are messages too
    if (round % 4 == 0) add(lane, kSendReliable, 20000 + round * 1000);
    if (round % 6 == 1) add(lane, kSendUnreliableNoNagle, 5000 + round * 100);
  }
  add(1, kSendUnreliable, kMaxUnreliableMessageBytes);      // stays unreliable
  add(2, kSendUnreliable, kMaxUnreliableMessageBytes + 1);  // converted to reliable
}

class LossySimulationTest : public ::testing::TestWithParam<double> {};

TEST_P(LossySimulationTest, EveryReliableMessageArrivesOnceInOrderAndMemoryReturnsToBaseline) {
  const uint64_t bugs_before = bugCount();  // other tests provoke bugs on purpose
  const double loss = GetParam();
  SessionPair pair(laneConfig(), laneConfig(), lossyPath(loss), lossyPath(loss),
                   /*seed=*/static_cast<uint64_t>(loss * 10) + 7 + 1000 * seedOffset());
  const SnpMemoryUsage baseline_a = pair.session(LinkEnd::kA).memoryUsage();
  addMixedWorkload(pair, LinkEnd::kA, 1, volumeScale(), /*with_max=*/true);
  addMixedWorkload(pair, LinkEnd::kB, 2, 1, false);

  ASSERT_TRUE(pair.run(/*max_steps=*/3'000'000)) << "never went idle";
  EXPECT_TRUE(pair.state(LinkEnd::kA).script.empty());
  EXPECT_TRUE(pair.state(LinkEnd::kB).script.empty());

  const size_t unreliable_at_b = pair.verifyDelivery(LinkEnd::kB);
  const size_t unreliable_at_a = pair.verifyDelivery(LinkEnd::kA);
  if (loss == 0) {
    EXPECT_EQ(pair.link().path(LinkEnd::kA).stats().droppedDatagrams(), 0u);
    // No loss: every unreliable message arrives too.
    size_t sent_unreliable = 0;
    for (const auto& [key, record] : pair.state(LinkEnd::kA).sent) {
      (void)key;
      if (!record.reliable && record.payload.size() <= kMaxUnreliableMessageBytes) {
        ++sent_unreliable;
      }
    }
    // No loss: every unreliable message arrives, except those the receiver's
    // 21-stored-pieces rule evicted (§5.2), which reordering of large unreliable messages
    // can trigger without any loss.
    const uint64_t evicted_at_b =
        pair.session(LinkEnd::kB).memoryUsage().recv_unreliable_evicted_messages;
    EXPECT_EQ(unreliable_at_b + evicted_at_b, sent_unreliable);
  }
  (void)unreliable_at_a;

  // Memory: once the peer's last records age out, nothing is held.
  const Usec later = pair.now() + 10 * kUsecPerSec;
  for (LinkEnd end : {LinkEnd::kA, LinkEnd::kB}) {
    SnpSession& session = pair.session(end);
    session.onWake(later);
    const SnpMemoryUsage usage = session.memoryUsage();
    EXPECT_EQ(usage.send_stream_held_bytes, 0u);
    EXPECT_EQ(usage.send_unreliable_queued_bytes, 0u);
    EXPECT_EQ(usage.send_queued_messages, 0u);
    EXPECT_EQ(usage.tracked_packets, 0u);
    EXPECT_EQ(usage.delivery_samples, 0u);
    EXPECT_EQ(usage.recv_stream_buffered_bytes, 0u);
    // Partial unreliable messages whose pieces were lost stay until evicted (§5.2): at
    // most 21 pieces per lane; none without loss.
    if (loss == 0 && usage.recv_unreliable_evicted_messages == 0) {
      EXPECT_EQ(usage.recv_unreliable_pieces, 0u);
    } else {  // pieces of a message whose earlier pieces were lost or evicted
      EXPECT_LE(usage.recv_unreliable_pieces, (wire::kUnreliableMaxStoredPieces + 1) * kLanes);
    }
  }
  EXPECT_EQ(baseline_a.send_stream_held_bytes, 0u);
  EXPECT_EQ(bugCount(), bugs_before);

  const SnpSessionCounters& counters = pair.session(LinkEnd::kA).counters();
  if (loss >= 10) {
    EXPECT_GT(counters.reliable_bytes_resent, 0u);
  }
  if (loss == 0) {
    EXPECT_EQ(counters.packets_not_acked, 0u);
  }
  // The acks reached the congestion controller: its model has delivery-rate samples.
  const CongestionState congestion = pair.session(LinkEnd::kA).congestion().state();
  EXPECT_GT(congestion.bandwidth_bytes_per_sec, 0u);
  EXPECT_GT(congestion.round_count, 0u);
  EXPECT_NE(congestion.min_rtt_usec, kNever);
  std::cout << "loss " << loss << "%: A built " << pair.state(LinkEnd::kA).packets_built
            << " packets (" << counters.reliable_bytes_sent << " reliable bytes, "
            << counters.reliable_bytes_resent << " resent), B built "
            << pair.state(LinkEnd::kB).packets_built << ", virtual time "
            << static_cast<double>(pair.now()) / 1e6 << " s, unreliable delivered "
            << unreliable_at_b << "\n";
}

INSTANTIATE_TEST_SUITE_P(Loss, LossySimulationTest, ::testing::Values(0.0, 1.0, 10.0, 30.0, 50.0),
                         [](const ::testing::TestParamInfo<double>& info) {
                           return "Percent" + std::to_string(static_cast<int>(info.param));
                         });

// A saturated link: the sender always has data queued on every lane.
struct SaturatedRun {
  std::map<uint32_t, uint64_t> bytes_by_lane;  // delivered in the measuring window
  std::map<uint32_t, Usec> first_delivery;
  std::map<uint32_t, Usec> last_delivery;
  int sender_send_rate = 0;  // status send_rate at the end
};

constexpr int64_t kSaturatedLinkBytesPerSec = 1024 * 1024;

SaturatedRun runSaturated(const std::vector<int>& priorities, const std::vector<uint16_t>& weights,
                          bool keep_refilling, Usec duration, Usec measure_from) {
  SnpConfig config;
  config.lane_count = priorities.size();
  config.lane_priorities = priorities;
  config.lane_weights = weights;
  config.send_buffer_bytes = 4 * 1024 * 1024;
  NetworkConditions path;
  path.lag_usec = 10 * kUsecPerMsec;
  path.rate_limit_bytes_per_sec = kSaturatedLinkBytesPerSec;
  path.rate_limit_burst_bytes = 16 * 1024;
  path.rate_limit_queue_bytes = 16 * 1024 * 1024;  // no tail drop: no loss at all
  SessionPair pair(config, config, path, path, 99);
  constexpr size_t kMessageBytes = 1000;
  constexpr uint64_t kKeepQueuedBytes = 64 * 1024;
  uint64_t index = 0;
  SnpSession& sender = pair.session(LinkEnd::kA);
  auto refill = [&, lanes = priorities.size()](transport::MonotonicUsec now) {
    if (now >= duration) return;
    for (uint32_t lane = 0; lane < lanes; ++lane) {
      while (static_cast<uint64_t>(sender.laneStatus(lane, now).pending_reliable) <
             kKeepQueuedBytes) {
        Bytes payload = testing::patternBytes(++index, kMessageBytes);
        absl::StatusOr<int64_t> number =
            sender.sendMessage(now, lane, Bytes(payload), kSendReliable);
        if (!number.ok()) break;
        pair.state(LinkEnd::kA).sent[{lane, static_cast<uint64_t>(*number)}] =
            testing::SentRecord{std::move(payload), true};
      }
    }
  };
  if (keep_refilling) {
    pair.state(LinkEnd::kA).on_pump = refill;
  } else {
    // Everything queued at once: 300 messages per lane.
    for (uint32_t lane = 0; lane < priorities.size(); ++lane) {
      for (int i = 0; i < 300; ++i) {
        pair.addMessage(LinkEnd::kA, lane, kSendReliable,
                        testing::patternBytes(++index, kMessageBytes));
      }
    }
  }
  EXPECT_TRUE(pair.run(3'000'000));
  pair.verifyDelivery(LinkEnd::kB);
  SaturatedRun run;
  run.sender_send_rate = pair.session(LinkEnd::kA).realTimeStatus(pair.now()).send_rate;
  const auto& received = pair.state(LinkEnd::kB).received;
  const auto& times = pair.state(LinkEnd::kB).received_at;
  for (size_t i = 0; i < received.size(); ++i) {
    const uint32_t lane = received[i].lane;
    if (!run.first_delivery.count(lane)) run.first_delivery[lane] = times[i];
    run.last_delivery[lane] = times[i];
    if (times[i] >= measure_from && times[i] < duration) {
      run.bytes_by_lane[lane] += received[i].data.size();
    }
  }
  return run;
}

TEST(SaturatedLinkTest, BytesPerLaneFollowWeightsWithinTenPercent) {
  const Usec duration = 3 * kUsecPerSec;
  SaturatedRun run = runSaturated({1, 1, 1}, {1, 2, 5}, /*keep_refilling=*/true, duration,
                                  /*measure_from=*/1 * kUsecPerSec);
  const double lane0 = static_cast<double>(run.bytes_by_lane[0]);
  ASSERT_GT(lane0, 0);
  const double ratio1 = static_cast<double>(run.bytes_by_lane[1]) / lane0;
  const double ratio2 = static_cast<double>(run.bytes_by_lane[2]) / lane0;
  std::cout << "bytes per lane: " << run.bytes_by_lane[0] << " " << run.bytes_by_lane[1] << " "
            << run.bytes_by_lane[2] << "\n";
  EXPECT_NEAR(ratio1, 2.0, 0.2);
  EXPECT_NEAR(ratio2, 5.0, 0.5);
  // The link was full: the lanes together got most of it, and the sender's rate found it.
  const double total = lane0 + run.bytes_by_lane[1] + run.bytes_by_lane[2];
  EXPECT_GT(total / 2.0, 0.8 * kSaturatedLinkBytesPerSec);
  EXPECT_GT(run.sender_send_rate, kSaturatedLinkBytesPerSec / 2);
  EXPECT_LT(run.sender_send_rate, kSaturatedLinkBytesPerSec * 2);
}

TEST(SaturatedLinkTest, HigherPriorityLaneStarvesLowerOnesWhileItHasData) {
  // Lane 1 has priority 0 (higher), lanes 0 and 2 priority 5; all queued at once.
  SaturatedRun run =
      runSaturated({5, 0, 5}, {1, 1, 1}, /*keep_refilling=*/false, 20 * kUsecPerSec, 0);
  ASSERT_TRUE(run.last_delivery.count(1));
  ASSERT_TRUE(run.first_delivery.count(0));
  ASSERT_TRUE(run.first_delivery.count(2));
  // No loss and no reordering on this path: delivery order is send order, so nothing of
  // lanes 0 and 2 was sent before lane 1's last message.
  EXPECT_GE(run.first_delivery[0], run.last_delivery[1]);
  EXPECT_GE(run.first_delivery[2], run.last_delivery[1]);
  // And the two equal lanes of the lower class share: they finish close together.
  EXPECT_LT(std::abs(run.last_delivery[0] - run.last_delivery[2]), 100 * kUsecPerMsec);
}

}  // namespace
}  // namespace opengns::snp
