// sweeps/bayes_sampler.h — GP-EI Bayesian optimisation over the unit cube.
//
// Why: when trials are expensive, choosing the next one from a model of the
// finished ones finds good hyperparameters in fewer trials than random or
// quasi-random search. Each proposal: the first `initialPoints` come from a
// scrambled Halton design; then a Gaussian process (Matern 5/2 ARD, fitted by
// maximum marginal likelihood on the standardised objectives) models the
// objective, pending points are added with a constant-liar objective (so the
// groups of an asynchronous sweep get different proposals), and the point of
// maximum expected improvement among many scrambled-Sobol candidates (plus
// perturbations of the best observations), refined by a local pattern search,
// is proposed. Deterministic given (seed, done, pending).
//
// Objectives that are not finite (failed trials, +inf time-to-result) are
// replaced by the worst finite objective; see Observation.
#pragma once

#include <vector>

#include "sweeps/sampler.h"

namespace gaplab {

class BayesSampler final : public Sampler {
 public:
  BayesSampler(int dimensions, uint64_t seed, const SamplerOptions& options);
  SamplerKind kind() const override { return SamplerKind::kBayes; }
  bool adaptive() const override { return true; }
  std::vector<double> point(int64_t index) const override;  // throws std::logic_error
  std::vector<double> propose(const std::vector<Observation>& done,
                              const std::vector<std::vector<double>>& pending) override;
  int initialPoints() const { return initialPoints_; }

 private:
  SamplerOptions options_;
  int initialPoints_;
};

}  // namespace gaplab
