// Order statistics for benchmark samples: median, min, max and percentiles. Every function
// takes its samples by value (it sorts a copy) and returns NaN for an empty sample set, so a
// missing figure never masquerades as zero.
#pragma once

#include <vector>

namespace opengns::bench {

struct Summary {
  double median = 0;
  double min = 0;
  double max = 0;
};

// Linear interpolation between the closest ranks; `fraction` in [0, 1] (0.99 = p99).
double percentile(std::vector<double> samples, double fraction);
double median(std::vector<double> samples);
Summary summarize(const std::vector<double>& samples);

}  // namespace opengns::bench
