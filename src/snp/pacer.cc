// Token-bucket pacer; the design is in pacer.h.
#include "snp/pacer.h"

#include <algorithm>

namespace opengns::snp {

Pacer::Pacer(uint64_t rate_bytes_per_sec, PacerConfig config) : config_(config) {
  config_.min_burst_bytes = std::max<int64_t>(config_.min_burst_bytes, 1);
  config_.max_burst_bytes = std::max(config_.max_burst_bytes, config_.min_burst_bytes);
  config_.burst_window_usec = std::max<Usec>(config_.burst_window_usec, 0);
  rate_bytes_per_sec_ = std::min(rate_bytes_per_sec, kMaxRateBytesPerSec);
  updateCap();
  scaled_tokens_ = std::max<int64_t>(config_.initial_burst_bytes, 0) * kScale;
}

void Pacer::updateCap() {
  // rate <= 10^12 and window <= a few seconds in practice; divide first to stay in range.
  const uint64_t window = static_cast<uint64_t>(config_.burst_window_usec);
  const uint64_t per_window = rate_bytes_per_sec_ / kUsecPerSec * window +
                              rate_bytes_per_sec_ % kUsecPerSec * window / kUsecPerSec;
  cap_bytes_ = static_cast<int64_t>(
      std::clamp<uint64_t>(per_window, static_cast<uint64_t>(config_.min_burst_bytes),
                           static_cast<uint64_t>(config_.max_burst_bytes)));
}

int64_t Pacer::scaledTokensAt(Usec now) const {
  if (last_update_ == kNever || now <= last_update_ || rate_bytes_per_sec_ == 0) {
    return scaled_tokens_;
  }
  const int64_t cap = (idle_ ? config_.min_burst_bytes : cap_bytes_) * kScale;
  const int64_t room = cap - scaled_tokens_;
  if (room <= 0) return scaled_tokens_;  // at (or, after the initial burst, above) the cap
  const int64_t rate = static_cast<int64_t>(rate_bytes_per_sec_);
  const Usec elapsed = now - last_update_;
  // Reaching the cap takes ceil(room / rate) microseconds; beyond that the product could
  // overflow and is not needed.
  if (elapsed >= room / rate + 1) return cap;
  return std::min(cap, scaled_tokens_ + rate * elapsed);
}

void Pacer::settle(Usec now) {
  scaled_tokens_ = scaledTokensAt(now);
  if (last_update_ == kNever || now > last_update_) last_update_ = now;
}

void Pacer::setRate(Usec now, uint64_t rate_bytes_per_sec) {
  settle(now);
  rate_bytes_per_sec_ = std::min(rate_bytes_per_sec, kMaxRateBytesPerSec);
  updateCap();
  // A lower rate means a smaller cap; a bucket above it would allow a burst the new rate
  // does not.
  scaled_tokens_ =
      std::min(scaled_tokens_, (idle_ ? config_.min_burst_bytes : cap_bytes_) * kScale);
}

void Pacer::onIdle(Usec now) {
  settle(now);
  if (idle_) return;
  idle_ = true;
  scaled_tokens_ = std::min(scaled_tokens_, config_.min_burst_bytes * kScale);
}

void Pacer::onSent(Usec now, uint32_t bytes) {
  settle(now);
  idle_ = false;
  scaled_tokens_ -= static_cast<int64_t>(bytes) * kScale;
}

Usec Pacer::nextSendTime(Usec now) const {
  const int64_t tokens = scaledTokensAt(now);
  if (tokens >= 0) return now;
  if (rate_bytes_per_sec_ == 0) return kNever;
  // The bucket is negative, so it was settled (onSent) at last_update_ and refills
  // linearly from there; time before last_update_ earns nothing.
  const int64_t rate = static_cast<int64_t>(rate_bytes_per_sec_);
  const Usec refill_usec = (-scaled_tokens_ + rate - 1) / rate;
  return std::max(now, last_update_ + refill_usec);
}

int64_t Pacer::availableBytes(Usec now) const {
  const int64_t tokens = scaledTokensAt(now);
  // Floor division toward minus infinity.
  return tokens >= 0 ? tokens / kScale : -((-tokens + kScale - 1) / kScale);
}

}  // namespace opengns::snp
