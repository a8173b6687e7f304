#include "snp/traffic_stats.h"

namespace opengns::snp {

void TrafficStats::roll(Usec now) {
  if (interval_start_ == kNever) {
    interval_start_ = now;
    return;
  }
  if (now - interval_start_ < interval_usec_) return;
  // The interval in progress ended; if more than one interval passed since, the last
  // completed one was empty.
  const Usec intervals = (now - interval_start_) / interval_usec_;
  completed_ = intervals == 1 ? current_ : TrafficTotals{};
  has_completed_ = true;
  interval_start_ += intervals * interval_usec_;
  current_ = TrafficTotals{};
}

void TrafficStats::onDatagramIn(Usec now, uint64_t udp_bytes) {
  roll(now);
  ++current_.packets_in;
  current_.bytes_in += udp_bytes;
  ++totals_.packets_in;
  totals_.bytes_in += udp_bytes;
}

void TrafficStats::onDatagramOut(Usec now, uint64_t udp_bytes) {
  roll(now);
  ++current_.packets_out;
  current_.bytes_out += udp_bytes;
  ++totals_.packets_out;
  totals_.bytes_out += udp_bytes;
}

TrafficRates TrafficStats::rates(Usec now) const {
  TrafficRates rates;
  if (interval_start_ == kNever) return rates;
  // The counts as they would be after roll(now), without changing state.
  TrafficTotals last;
  if (now - interval_start_ >= interval_usec_) {
    if ((now - interval_start_) / interval_usec_ == 1) last = current_;
  } else if (has_completed_) {
    last = completed_;
  } else {
    return rates;
  }
  const double seconds = static_cast<double>(interval_usec_) / static_cast<double>(kUsecPerSec);
  rates.packets_in_per_sec = static_cast<double>(last.packets_in) / seconds;
  rates.bytes_in_per_sec = static_cast<double>(last.bytes_in) / seconds;
  rates.packets_out_per_sec = static_cast<double>(last.packets_out) / seconds;
  rates.bytes_out_per_sec = static_cast<double>(last.bytes_out) / seconds;
  return rates;
}

}  // namespace opengns::snp
