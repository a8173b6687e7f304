#include "snp/rtt_estimator.h"

#include <algorithm>
#include <cstdlib>

#include "wire/snp_constants.h"

namespace opengns::snp {

std::optional<Usec> rttSampleFromAck(Usec sent_time, Usec ack_received_time, uint16_t delay_raw) {
  if (delay_raw == wire::kAckDelayNoTiming) return std::nullopt;
  const Usec held_usec = Usec{delay_raw} * Usec{wire::kAckDelayUnitUsec};
  const Usec sample = ack_received_time - sent_time - held_usec;
  if (sample < kMinRttSampleUsec || sample > kMaxRttSampleUsec) return std::nullopt;
  return std::max<Usec>(sample, 0);
}

RttEstimator::RttEstimator(Usec min_rtt_window_usec)
    : min_rtt_window_usec_(std::max<Usec>(min_rtt_window_usec, 1)) {}

void RttEstimator::onSample(Usec rtt_usec, Usec now) {
  rtt_usec = std::max<Usec>(rtt_usec, 0);
  updateMinFilter(rtt_usec, now);
  if (!has_sample_) {
    smoothed_usec_ = rtt_usec;
    variance_usec_ = rtt_usec / 2;
    has_sample_ = true;
  } else {
    const Usec deviation = std::abs(smoothed_usec_ - rtt_usec);
    variance_usec_ = (3 * variance_usec_ + deviation) / 4;
    smoothed_usec_ = (7 * smoothed_usec_ + rtt_usec) / 8;
  }
  latest_usec_ = rtt_usec;
  latest_sample_time_ = now;
}

Usec RttEstimator::rto() const {
  if (!has_sample_) return kInitialRtoUsec;
  return smoothed_usec_ + std::max(4 * variance_usec_, kRttVarianceFloorUsec) +
         kPeerAckDelayAllowanceUsec;
}

int RttEstimator::pingMs() const {
  if (!has_sample_) return -1;
  return static_cast<int>((smoothed_usec_ + kUsecPerMsec / 2) / kUsecPerMsec);
}

void RttEstimator::updateMinFilter(Usec rtt_usec, Usec now) {
  const WindowedSample sample{rtt_usec, now};
  auto& f = min_filter_;
  // A new overall minimum, or nothing in the filter is recent enough: start over.
  if (!has_sample_ || rtt_usec <= f[0].rtt_usec || now - f[2].time > min_rtt_window_usec_) {
    f.fill(sample);
    return;
  }
  if (rtt_usec <= f[1].rtt_usec) {
    f[1] = f[2] = sample;
  } else if (rtt_usec <= f[2].rtt_usec) {
    f[2] = sample;
  }
  // Age out: the best leaves after a full window; the runners-up are refreshed after a
  // quarter and a half window so that they are not all equally old when it does.
  if (now - f[0].time > min_rtt_window_usec_) {
    f[0] = f[1];
    f[1] = f[2];
    f[2] = sample;
    if (now - f[0].time > min_rtt_window_usec_) {
      f[0] = f[1];
      f[1] = f[2];
    }
  } else if (f[1].time == f[0].time && now - f[1].time > min_rtt_window_usec_ / 4) {
    f[1] = f[2] = sample;
  } else if (f[2].time == f[1].time && now - f[2].time > min_rtt_window_usec_ / 2) {
    f[2] = sample;
  }
}

}  // namespace opengns::snp
