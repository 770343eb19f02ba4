// sweeps/bayes_sampler.cpp — see bayes_sampler.h.
#include "sweeps/bayes_sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <numeric>
#include <stdexcept>

#include <Eigen/Dense>

#include "core/rng.h"
#include "sweeps/gaussian_process.h"
#include "sweeps/halton_sampler.h"
#include "sweeps/sobol_sampler.h"

namespace gaplab {
namespace {

constexpr uint64_t kBayesStreamBase = 0xA000000000000000ull;
constexpr double kUnitMax = 0x1.fffffffffffffp-1;  // largest double below 1

uint64_t mixSeed(uint64_t seed, uint64_t n) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ull * (n + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

BayesSampler::BayesSampler(int dimensions, uint64_t seed, const SamplerOptions& options)
    : Sampler(dimensions, seed),
      options_(options),
      initialPoints_(options.initialPoints > 0 ? options.initialPoints : std::max(4, dimensions + 1)) {
  if (options.candidates < 1) throw std::invalid_argument("BayesSampler: candidates must be >= 1");
}

std::vector<double> BayesSampler::point(int64_t) const {
  throw std::logic_error("the bayes sampler is adaptive; call propose(done, pending)");
}

std::vector<double> BayesSampler::propose(const std::vector<Observation>& done,
                                          const std::vector<std::vector<double>>& pending) {
  const int d = dimensions();
  for (const auto& o : done)
    if (static_cast<int>(o.unit.size()) != d)
      throw std::invalid_argument("BayesSampler::propose: an observation has " + std::to_string(o.unit.size()) +
                                  " coordinates, expected " + std::to_string(d));
  for (const auto& p : pending)
    if (static_cast<int>(p.size()) != d)
      throw std::invalid_argument("BayesSampler::propose: a pending point has " + std::to_string(p.size()) +
                                  " coordinates, expected " + std::to_string(d));
  const uint64_t proposalIndex = done.size() + pending.size();

  double worst = -std::numeric_limits<double>::infinity();
  int finite = 0;
  for (const auto& o : done)
    if (std::isfinite(o.objective)) {
      worst = std::max(worst, o.objective);
      ++finite;
    }
  if (static_cast<int>(proposalIndex) < initialPoints_ || finite < 2) {
    // Initial design (and the fallback while no two trials have succeeded).
    HaltonSampler halton(d, seed(), options_.scrambling, HaltonBases::kFirstPrimes, 0);
    return halton.point(static_cast<int64_t>(proposalIndex));
  }

  // Observed data; failed trials count as the worst success.
  const Eigen::Index n = static_cast<Eigen::Index>(done.size());
  Eigen::MatrixXd x(n, d);
  Eigen::VectorXd y(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto& o = done[static_cast<std::size_t>(i)];
    for (int j = 0; j < d; ++j) x(i, j) = o.unit[static_cast<std::size_t>(j)];
    y(i) = std::isfinite(o.objective) ? o.objective : worst;
  }
  GaussianProcess gp;
  GpFitOptions fitOptions;
  fitOptions.restarts = options_.hyperparameterRestarts;
  fitOptions.seed = mixSeed(seed(), proposalIndex);
  gp.fitOptimized(x, y, fitOptions);
  const double bestObserved = y.minCoeff();

  // Constant liar: condition on the pending points with a made-up objective,
  // keeping the hyperparameters fitted on real data.
  if (!pending.empty()) {
    const double lie = options_.liar == ConstantLiar::kMin    ? y.minCoeff()
                       : options_.liar == ConstantLiar::kMax  ? y.maxCoeff()
                                                              : y.mean();
    const Eigen::Index m = static_cast<Eigen::Index>(pending.size());
    Eigen::MatrixXd xa(n + m, d);
    Eigen::VectorXd ya(n + m);
    xa.topRows(n) = x;
    ya.head(n) = y;
    for (Eigen::Index i = 0; i < m; ++i) {
      for (int j = 0; j < d; ++j) xa(n + i, j) = pending[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)];
      ya(n + i) = lie;
    }
    const GpHyperparameters h = gp.hyperparameters();
    gp.fit(xa, ya, h);
  }
  const double best = (bestObserved - gp.yMean()) / gp.yScale();
  const double xi = options_.exploration;
  auto ei = [&](const Eigen::VectorXd& p) {
    const GaussianProcess::Prediction pr = gp.predictStandardized(p);
    return expectedImprovement(pr.mean, std::sqrt(pr.variance), best, xi);
  };

  // Candidates: scrambled Sobol (fresh per proposal) plus perturbations of the best observations.
  std::vector<Eigen::VectorXd> candidates;
  const uint64_t candidateSeed = mixSeed(seed() ^ 0x5eedull, proposalIndex);
  std::unique_ptr<Sampler> cover = d <= SobolSampler::kMaxDimensions
                                       ? std::unique_ptr<Sampler>(std::make_unique<SobolSampler>(
                                             d, candidateSeed, Scrambling::kPermutationAndShift))
                                       : std::unique_ptr<Sampler>(std::make_unique<RandomSampler>(d, candidateSeed));
  for (int i = 0; i < options_.candidates; ++i) {
    const std::vector<double> u = cover->point(i);
    candidates.push_back(Eigen::Map<const Eigen::VectorXd>(u.data(), d));
  }
  std::vector<Eigen::Index> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) { return y(a) < y(b) || (y(a) == y(b) && a < b); });
  RngStream rng(seed(), RngPurpose::kSampler, kBayesStreamBase + proposalIndex);
  for (std::size_t k = 0; k < std::min<std::size_t>(5, order.size()); ++k)
    for (int i = 0; i < 16; ++i) {
      Eigen::VectorXd c = x.row(order[k]).transpose();
      for (int j = 0; j < d; ++j) c(j) = std::clamp(c(j) + 0.05 * static_cast<double>(rng.normal()), 0.0, kUnitMax);
      candidates.push_back(c);
    }

  std::vector<double> scores(candidates.size());
  for (std::size_t i = 0; i < candidates.size(); ++i) scores[i] = ei(candidates[i]);
  std::vector<std::size_t> ranked(candidates.size());
  std::iota(ranked.begin(), ranked.end(), 0);
  const std::size_t refine = std::min<std::size_t>(static_cast<std::size_t>(std::max(options_.refinedCandidates, 1)),
                                                   ranked.size());
  std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(refine), ranked.end(),
                    [&](std::size_t a, std::size_t b) { return scores[a] > scores[b] || (scores[a] == scores[b] && a < b); });

  if (!(scores[ranked[0]] > 0.0)) {
    // EI vanished everywhere (numerically): explore where the model is least sure.
    std::size_t arg = 0;
    double most = -1.0;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      const double v = gp.predictStandardized(candidates[i]).variance;
      if (v > most) {
        most = v;
        arg = i;
      }
    }
    return std::vector<double>(candidates[arg].data(), candidates[arg].data() + d);
  }

  // Local refinement: compass search from the best few candidates.
  Eigen::VectorXd bestPoint = candidates[ranked[0]];
  double bestScore = scores[ranked[0]];
  for (std::size_t r = 0; r < refine; ++r) {
    Eigen::VectorXd p = candidates[ranked[r]];
    double score = scores[ranked[r]];
    double step = 0.05;
    for (int it = 0; it < 200 && step > 1e-4; ++it) {
      bool improved = false;
      for (int j = 0; j < d; ++j)
        for (double sign : {1.0, -1.0}) {
          Eigen::VectorXd q = p;
          q(j) = std::clamp(q(j) + sign * step, 0.0, kUnitMax);
          const double s = ei(q);
          if (s > score) {
            score = s;
            p = q;
            improved = true;
          }
        }
      if (!improved) step *= 0.5;
    }
    if (score > bestScore) {
      bestScore = score;
      bestPoint = p;
    }
  }
  return std::vector<double>(bestPoint.data(), bestPoint.data() + d);
}

}  // namespace gaplab
