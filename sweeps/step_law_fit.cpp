// sweeps/step_law_fit.cpp — see step_law_fit.h for the law, the fit and their source.
#include "sweeps/step_law_fit.h"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "core/rng.h"

namespace gaplab {
namespace {

using CellKey = std::pair<double, double>;  // (N, D)

bool positiveFinite(double v) { return std::isfinite(v) && v > 0.0; }

void validateRun(const StepLawRun& r, std::size_t index) {
  if (positiveFinite(r.params) && positiveFinite(r.tokens) && positiveFinite(r.learningRate) &&
      positiveFinite(r.batchTokens) && !(std::isfinite(r.finalLoss) && r.finalLoss <= 0.0))
    return;
  std::ostringstream os;
  os << "Step Law fit: run #" << index << (r.label.empty() ? "" : " ('" + r.label + "')") << " has N " << r.params
     << ", D " << r.tokens << ", lr " << r.learningRate << ", batch " << r.batchTokens << " tokens, loss "
     << r.finalLoss << "; expected N, D, lr and batch finite and > 0, and a loss > 0 (or NaN/inf when it diverged)";
  throw std::invalid_argument(os.str());
}

// Finite-loss runs grouped by cell, each with its kept runs (input order).
struct Grouped {
  std::map<CellKey, std::vector<StepLawRun>> all;
  std::map<CellKey, std::vector<StepLawRun>> kept;
  int dropped = 0;
};

Grouped group(const std::vector<StepLawRun>& runs, double tolerance) {
  if (!(tolerance >= 0.0) || !std::isfinite(tolerance)) {
    std::ostringstream os;
    os << "Step Law fit: loss tolerance " << tolerance << "; expected a finite value >= 0 (Step Law: 0.0025)";
    throw std::invalid_argument(os.str());
  }
  Grouped g;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    validateRun(runs[i], i);
    if (!std::isfinite(runs[i].finalLoss)) {
      ++g.dropped;
      continue;
    }
    g.all[{runs[i].params, runs[i].tokens}].push_back(runs[i]);
  }
  for (const auto& [key, cellRuns] : g.all) {
    double best = std::numeric_limits<double>::infinity();
    for (const StepLawRun& r : cellRuns) best = std::min(best, r.finalLoss);
    for (const StepLawRun& r : cellRuns)
      if (r.finalLoss <= (1.0 + tolerance) * best) g.kept[key].push_back(r);
  }
  return g;
}

// OLS of ln lr on [1, ln N, ln D] and ln B on [1, ln D]; nullopt when the design is rank-deficient.
std::optional<StepLaw> ordinaryLeastSquares(const std::vector<const StepLawRun*>& runs) {
  const Eigen::Index n = static_cast<Eigen::Index>(runs.size());
  Eigen::MatrixXd x(n, 3);
  Eigen::VectorXd lr(n), batch(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const StepLawRun& r = *runs[static_cast<std::size_t>(i)];
    x(i, 0) = 1.0;
    x(i, 1) = std::log(r.params);
    x(i, 2) = std::log(r.tokens);
    lr(i) = std::log(r.learningRate);
    batch(i) = std::log(r.batchTokens);
  }
  // A relative threshold: ln D = ln N + const, computed in floating point, must count as collinear.
  constexpr double kRankThreshold = 1e-9;
  Eigen::ColPivHouseholderQR<Eigen::MatrixXd> lrQr(x);
  lrQr.setThreshold(kRankThreshold);
  Eigen::MatrixXd xb(n, 2);
  xb << x.col(0), x.col(2);
  Eigen::ColPivHouseholderQR<Eigen::MatrixXd> batchQr(xb);
  batchQr.setThreshold(kRankThreshold);
  if (lrQr.rank() < 3 || batchQr.rank() < 2) return std::nullopt;
  const Eigen::VectorXd a = lrQr.solve(lr);
  const Eigen::VectorXd c = batchQr.solve(batch);
  return StepLaw{std::exp(a(0)), a(1), a(2), std::exp(c(0)), c(1)};
}

std::vector<const StepLawRun*> keptRuns(const Grouped& g, const std::vector<CellKey>& cells) {
  std::vector<const StepLawRun*> out;
  for (const CellKey& key : cells) {
    auto it = g.kept.find(key);
    for (const StepLawRun& r : it->second) out.push_back(&r);
  }
  return out;
}

// numpy.percentile(values, q * 100) with linear interpolation; sorts `values`.
double percentile(std::vector<double>& values, double q) {
  std::sort(values.begin(), values.end());
  const double pos = q * static_cast<double>(values.size() - 1);
  const std::size_t lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (pos - static_cast<double>(lo)) * (values[hi] - values[lo]);
}

StepLawHoldOutResult holdOutCell(const Grouped& g, const CellKey& key, const StepLaw& law) {
  StepLawHoldOutResult h;
  h.params = key.first;
  h.tokens = key.second;
  h.law = law;
  h.predicted = predictStepLaw(law, key.first, key.second);
  h.published = predictStepLaw(kPublishedStepLaw, key.first, key.second);
  const std::vector<StepLawRun>& runs = g.all.at(key);
  double bestDistance = std::numeric_limits<double>::infinity();
  h.best = runs.front();
  for (const StepLawRun& r : runs) {
    if (r.finalLoss < h.best.finalLoss) h.best = r;
    const double dl = std::log(r.learningRate / h.predicted.learningRate);
    const double db = std::log(r.batchTokens / h.predicted.batchTokens);
    const double distance = dl * dl + db * db;
    if (distance < bestDistance || (distance == bestDistance && r.finalLoss < h.closest.finalLoss)) {
      bestDistance = distance;
      h.closest = r;
    }
  }
  h.closestLossExcess = h.closest.finalLoss / h.best.finalLoss - 1.0;
  return h;
}

}  // namespace

StepLawPrediction predictStepLaw(const StepLaw& law, double params, double tokens) {
  if (!positiveFinite(params) || !positiveFinite(tokens)) {
    std::ostringstream os;
    os << "Step Law prediction: N " << params << ", D " << tokens << "; expected both finite and > 0";
    throw std::invalid_argument(os.str());
  }
  return {law.lrScale * std::pow(params, law.lrParamsExponent) * std::pow(tokens, law.lrTokensExponent),
          law.batchScale * std::pow(tokens, law.batchTokensExponent)};
}

std::vector<StepLawRun> keepNearBest(const std::vector<StepLawRun>& runs, double tolerance) {
  const Grouped g = group(runs, tolerance);
  std::vector<StepLawRun> out;
  for (const StepLawRun& r : runs) {
    if (!std::isfinite(r.finalLoss)) continue;
    double best = std::numeric_limits<double>::infinity();
    for (const StepLawRun& o : g.all.at({r.params, r.tokens})) best = std::min(best, o.finalLoss);
    if (r.finalLoss <= (1.0 + tolerance) * best) out.push_back(r);
  }
  return out;
}

StepLawFit fitStepLaw(const std::vector<StepLawRun>& runs, const StepLawFitOptions& options) {
  if (runs.empty()) throw std::invalid_argument("Step Law fit: no runs given; expected a sweep over N, D, lr and batch");
  if (options.bootstrapResamples < 1)
    throw std::invalid_argument("Step Law fit: " + std::to_string(options.bootstrapResamples) +
                                " bootstrap resamples; expected at least 1 (Step Law: 1000)");
  if (!(options.confidence > 0.0 && options.confidence < 1.0)) {
    std::ostringstream os;
    os << "Step Law fit: confidence " << options.confidence << "; expected a value in (0, 1), e.g. 0.95";
    throw std::invalid_argument(os.str());
  }
  const Grouped g = group(runs, options.lossTolerance);
  StepLawFit fit;
  fit.runsGiven = static_cast<int>(runs.size());
  fit.runsDropped = g.dropped;
  std::vector<CellKey> cells;
  for (const auto& [key, cellRuns] : g.all) {
    cells.push_back(key);
    StepLawCell c;
    c.params = key.first;
    c.tokens = key.second;
    c.runs = static_cast<int>(cellRuns.size());
    c.kept = static_cast<int>(g.kept.at(key).size());
    c.best = g.kept.at(key).front();
    for (const StepLawRun& r : g.kept.at(key))
      if (r.finalLoss < c.best.finalLoss) c.best = r;
    fit.runsKept += c.kept;
    fit.cells.push_back(c);
  }
  const std::optional<StepLaw> law = ordinaryLeastSquares(keptRuns(g, cells));
  if (!law) {
    std::ostringstream os;
    os << "Step Law fit: the " << cells.size() << " (N, D) cell(s) cannot determine the law; expected at least two "
       << "N and two D whose logarithms are not collinear (not D proportional to N in every cell)";
    throw std::invalid_argument(os.str());
  }
  fit.law = *law;

  // Bootstrap over cells.
  RngStream rng(options.seed, RngPurpose::kSampler, /*stream=*/0x57e9);
  const int b = options.bootstrapResamples;
  const int maxDraws = 100 * b;
  std::vector<std::vector<double>> samples(5);
  std::vector<CellKey> drawn(cells.size());
  int draws = 0;
  while (fit.resamples < b) {
    if (++draws > maxDraws) {
      std::ostringstream os;
      os << "Step Law fit: " << fit.degenerateRedraws << " of " << draws - 1 << " bootstrap resamples of the "
         << cells.size() << " cells could not determine the law; expected more cells with distinct N and D";
      throw std::invalid_argument(os.str());
    }
    for (CellKey& k : drawn) k = cells[rng.below(cells.size())];
    const std::optional<StepLaw> s = ordinaryLeastSquares(keptRuns(g, drawn));
    if (!s) {
      ++fit.degenerateRedraws;
      continue;
    }
    ++fit.resamples;
    samples[0].push_back(std::log(s->lrScale));
    samples[1].push_back(s->lrParamsExponent);
    samples[2].push_back(s->lrTokensExponent);
    samples[3].push_back(std::log(s->batchScale));
    samples[4].push_back(s->batchTokensExponent);
  }
  const double tail = (1.0 - options.confidence) / 2.0;
  double lo[5], hi[5];
  for (int i = 0; i < 5; ++i) {
    lo[i] = percentile(samples[static_cast<std::size_t>(i)], tail);
    hi[i] = percentile(samples[static_cast<std::size_t>(i)], 1.0 - tail);
  }
  fit.low = {std::exp(lo[0]), lo[1], lo[2], std::exp(lo[3]), lo[4]};
  fit.high = {std::exp(hi[0]), hi[1], hi[2], std::exp(hi[3]), hi[4]};

  if (options.holdOut == StepLawHoldOut::kLargestCell) {
    const auto largest = std::max_element(cells.begin(), cells.end(), [](const CellKey& a, const CellKey& b) {
      const double ca = a.first * a.second, cb = b.first * b.second;
      return ca != cb ? ca < cb : a.first < b.first;
    });
    std::vector<CellKey> others;
    for (const CellKey& k : cells)
      if (k != *largest) others.push_back(k);
    const std::optional<StepLaw> without = ordinaryLeastSquares(keptRuns(g, others));
    if (without) {
      fit.holdOut = holdOutCell(g, *largest, *without);
    } else {
      std::ostringstream os;
      os << "no hold-out: without the largest cell (N " << largest->first << ", D " << largest->second
         << ") the other " << others.size() << " cell(s) cannot determine the law";
      fit.holdOutNote = os.str();
    }
  } else {
    fit.holdOutNote = "no hold-out (not asked for)";
  }
  return fit;
}

}  // namespace gaplab
