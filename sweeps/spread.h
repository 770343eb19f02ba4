// sweeps/spread.h — mean and spread of one quantity over the seeds (trials) of
// a study's regime or strategy: what every analysis table prints.
#pragma once

#include <vector>

namespace gaplab {

// std is the sample standard deviation (n - 1; 0 for one value). NaN
// everywhere when count is 0.
struct Spread {
  int count = 0;
  double mean = 0.0;
  double std = 0.0;
  double min = 0.0;
  double max = 0.0;
  static Spread of(const std::vector<double>& values);
};

}  // namespace gaplab
