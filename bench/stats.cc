#include "stats.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace opengns::bench {

double percentile(std::vector<double> samples, double fraction) {
  if (samples.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(samples.begin(), samples.end());
  fraction = std::clamp(fraction, 0.0, 1.0);
  double rank = fraction * static_cast<double>(samples.size() - 1);
  size_t low = static_cast<size_t>(std::floor(rank));
  size_t high = static_cast<size_t>(std::ceil(rank));
  double weight = rank - static_cast<double>(low);
  return samples[low] + (samples[high] - samples[low]) * weight;
}

double median(std::vector<double> samples) {
  return percentile(std::move(samples), 0.5);
}

Summary summarize(const std::vector<double>& samples) {
  Summary summary;
  summary.median = median(samples);
  if (samples.empty()) {
    summary.min = summary.max = std::numeric_limits<double>::quiet_NaN();
    return summary;
  }
  auto [min_it, max_it] = std::minmax_element(samples.begin(), samples.end());
  summary.min = *min_it;
  summary.max = *max_it;
  return summary;
}

}  // namespace opengns::bench
