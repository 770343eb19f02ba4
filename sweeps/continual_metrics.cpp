// sweeps/continual_metrics.cpp — see continual_metrics.h for the definitions and their source.
#include "sweeps/continual_metrics.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>

namespace gaplab {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void validate(const ContinualCurve& curve, const ContinualOptions& options) {
  const std::size_t n = curve.steps.size();
  if (curve.oldDomain.size() != n || (!curve.newDomain.empty() && curve.newDomain.size() != n)) {
    std::ostringstream os;
    os << "continual metrics: " << n << " steps, " << curve.oldDomain.size() << " old-domain and "
       << curve.newDomain.size() << " new-domain values; expected one value per step (new domain: or none)";
    throw std::invalid_argument(os.str());
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0 && curve.steps[i] <= curve.steps[i - 1])
      throw std::invalid_argument("continual metrics: step " + std::to_string(curve.steps[i]) + " at evaluation #" +
                                  std::to_string(i) + " follows step " + std::to_string(curve.steps[i - 1]) +
                                  "; expected strictly increasing steps");
    const bool badNew = !curve.newDomain.empty() && !std::isfinite(curve.newDomain[i]);
    if (!std::isfinite(curve.oldDomain[i]) || badNew) {
      std::ostringstream os;
      os << "continual metrics: evaluation at step " << curve.steps[i] << " has old " << curve.oldDomain[i];
      if (!curve.newDomain.empty()) os << ", new " << curve.newDomain[i];
      os << "; expected finite values";
      throw std::invalid_argument(os.str());
    }
  }
  for (int w : options.windows)
    if (w < 1) throw std::invalid_argument("continual metrics: window " + std::to_string(w) + "; expected >= 1 evaluations");
  if (!(options.recoveryTolerance >= 0.0) || !std::isfinite(options.recoveryTolerance)) {
    std::ostringstream os;
    os << "continual metrics: recovery tolerance " << options.recoveryTolerance << "; expected a finite value >= 0";
    throw std::invalid_argument(os.str());
  }
  if (options.tasksSeen < 2)
    throw std::invalid_argument("continual metrics: tasks seen " + std::to_string(options.tasksSeen) +
                                "; expected >= 2 (the old domain and the new one)");
  if (n == 0 || curve.steps.front() > options.switchStep)
    throw std::invalid_argument("continual metrics: no evaluation at or before the switch step " +
                                std::to_string(options.switchStep) + "; expected one to give the value at the switch");
  if (curve.steps.back() <= options.switchStep)
    throw std::invalid_argument("continual metrics: no evaluation after the switch step " +
                                std::to_string(options.switchStep) + " (last step " +
                                std::to_string(curve.steps.back()) + "); expected at least one");
}

// The metric as "higher is better" (g = A or g = -A), from evaluation `from` on.
std::vector<double> oriented(const std::vector<double>& values, std::size_t from, MetricDirection direction) {
  std::vector<double> g(values.begin() + static_cast<std::ptrdiff_t>(from), values.end());
  if (direction == MetricDirection::kLowerIsBetter)
    for (double& v : g) v = -v;
  return g;
}

}  // namespace

double windowedMaxDrop(const std::vector<double>& values, int window) {
  if (window < 1) throw std::invalid_argument("windowed drop: window " + std::to_string(window) + "; expected >= 1");
  // For each n: the largest of values[n-w+1 .. n-1] (a monotone deque of
  // candidate indices, values decreasing), minus values[n].
  double best = 0.0;
  std::deque<std::size_t> maxima;
  const std::size_t span = static_cast<std::size_t>(window);
  for (std::size_t n = 0; n < values.size(); ++n) {
    while (!maxima.empty() && n - maxima.front() >= span) maxima.pop_front();
    if (!maxima.empty()) best = std::max(best, values[maxima.front()] - values[n]);
    while (!maxima.empty() && values[maxima.back()] <= values[n]) maxima.pop_back();
    maxima.push_back(n);
  }
  return best;
}

ContinualMetrics computeContinualMetrics(const ContinualCurve& curve, const ContinualOptions& options) {
  validate(curve, options);
  const double sign = options.direction == MetricDirection::kHigherIsBetter ? 1.0 : -1.0;
  // s: the last evaluation at or before the switch.
  const auto after = std::upper_bound(curve.steps.begin(), curve.steps.end(), options.switchStep);
  const std::size_t s = static_cast<std::size_t>(after - curve.steps.begin()) - 1;
  const std::vector<double> gOld = oriented(curve.oldDomain, s, options.direction);  // gOld[0] is the switch

  ContinualMetrics m;
  m.referenceStep = curve.steps[s];
  m.valueAtSwitch = curve.oldDomain[s];
  const auto worst = std::min_element(gOld.begin() + 1, gOld.end());  // strictly after s; first of ties
  const std::size_t worstIndex = static_cast<std::size_t>(worst - gOld.begin());
  m.minAcc = sign * *worst;
  m.minStep = curve.steps[s + worstIndex];
  m.gapDepth = std::max(0.0, gOld[0] - *worst);
  for (std::size_t i = worstIndex; i < gOld.size(); ++i) {
    if (gOld[i] >= gOld[0] - options.recoveryTolerance) {
      m.recoveryStep = curve.steps[s + i];
      break;
    }
  }
  m.finalOld = curve.oldDomain.back();
  const bool hasNew = !curve.newDomain.empty();
  m.finalNew = hasNew ? curve.newDomain.back() : kNaN;
  const double k = static_cast<double>(options.tasksSeen);
  m.wcAcc = hasNew ? m.finalNew / k + (1.0 - 1.0 / k) * m.minAcc : kNaN;

  std::vector<double> negNew;  // -g_new: a gain of g_new is a drop of -g_new
  if (hasNew) {
    negNew = oriented(curve.newDomain, s, options.direction);
    for (double& v : negNew) v = -v;
  }
  for (int w : options.windows) {
    WindowedMetrics wm;
    wm.window = w;
    wm.forgetting = windowedMaxDrop(gOld, w);
    wm.plasticity = hasNew ? windowedMaxDrop(negNew, w) : kNaN;
    m.windowed.push_back(wm);
  }
  return m;
}

}  // namespace gaplab
