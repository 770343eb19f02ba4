// workloads/weight_distance.cpp — see weight_distance.h.
#include "workloads/weight_distance.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace gaplab {

std::vector<float> snapshotParameters(const ParameterArena& arena) { return arena.hostValues(); }

double weightDistance(const ParameterArena& arena, const std::vector<float>& initial) {
  if (static_cast<int64_t>(initial.size()) != arena.size())
    throw std::invalid_argument("weightDistance: the initial values hold " + std::to_string(initial.size()) +
                                " parameters; the model has " + std::to_string(arena.size()));
  const std::vector<float> host = arena.hostValues();  // one copy from a GPU arena
  const float* w = host.data();
  double sum = 0.0;
  for (std::size_t i = 0; i < initial.size(); ++i) {
    const double d = static_cast<double>(w[i]) - static_cast<double>(initial[i]);
    sum += d * d;
  }
  return std::sqrt(sum);
}

}  // namespace gaplab
