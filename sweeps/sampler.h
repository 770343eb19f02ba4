// sweeps/sampler.h — where in the unit cube the next trial goes.
//
// Why: a sweep separates *what* is searched (SearchSpace: keys, bounds, scales)
// from *how* points are chosen (this interface). Samplers see only [0,1)^d;
// SearchSpace::fromUnitCube maps their points to hyperparameter values.
//
//  * Non-adaptive samplers (random, halton, sobol) give point(index): the
//    index-th point, a pure function of (seed, index, d), so a rerun or a resumed
//    sweep gets the same trials and any rank can compute any point.
//  * Adaptive samplers (bayes) propose(done, pending): the next point given the
//    finished trials and those still running.
//  * The grid sampler has no unit cube: use SearchSpace::enumerateAll().
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace gaplab {

enum class SamplerKind { kGrid, kRandom, kHalton, kSobol, kBayes };

// "grid", "random", "halton", "sobol", "bayes". parseSamplerKind throws ConfigError
// "unknown sampler 'foo'; expected one of grid, random, halton, sobol, bayes".
SamplerKind parseSamplerKind(const std::string& name);
const char* samplerKindName(SamplerKind kind);

// Randomisation of the quasi-random sequences.
//  kNone: the textbook sequence (Sobol point 0 is then the all-zero corner).
//  kPermutation: Halton: one random permutation of the digits 1..b-1 per base
//    (0 stays 0), as AlgoPerf's halton.py; Sobol: random linear matrix scramble.
//  kPermutationAndShift (default): plus a random shift per dimension (Halton:
//    added mod 1, as AlgoPerf; Sobol: digital shift, XOR), so no point sits on the corner.
enum class Scrambling { kNone, kPermutation, kPermutationAndShift };

// Bases of the Halton sequence.
//  kFirstPrimes: 2, 3, 5, 7, ... (the classic Halton sequence; best uniformity for small n).
//  kAlgoPerf: the primes just below 1000, as AlgoPerf's halton.py (with haltonSkip = 100
//    this reproduces its generator, except that AlgoPerf also shuffles the finished list,
//    which needs the sweep length and is left to the caller).
enum class HaltonBases { kFirstPrimes, kAlgoPerf };

// The objective the bayes sampler pretends pending points have (Ginsbourger's
// constant liar): kMin (best so far: optimistic, spreads a batch most), kMean, kMax.
enum class ConstantLiar { kMin, kMean, kMax };

// One finished trial. `objective` is minimised. A failed, diverged or timed-out
// trial (or one that never reached its target) has objective +inf (or NaN): the
// bayes sampler replaces it by the worst finite objective seen, so the model
// learns that the region is bad without an infinite value breaking the fit; if no
// objective is finite yet, it keeps following its initial Halton design.
struct Observation {
  std::vector<double> unit;  // the point in [0,1)^d
  double objective = 0.0;
};

struct SamplerOptions {
  Scrambling scrambling = Scrambling::kPermutationAndShift;  // halton, sobol, bayes' initial design
  HaltonBases haltonBases = HaltonBases::kFirstPrimes;
  int64_t haltonSkip = 0;  // sequence indices skipped (AlgoPerf: 100); point(i) is Halton index i + 1 + skip

  // bayes
  int initialPoints = 0;          // Halton proposals before the GP; 0 means max(4, d + 1)
  int candidates = 1024;          // quasi-random EI candidates per proposal
  int refinedCandidates = 5;      // best candidates refined by local pattern search
  int hyperparameterRestarts = 4; // random L-BFGS starts for the GP hyperparameters
  double exploration = 0.01;      // EI margin xi, in units of the objective's standard deviation
  ConstantLiar liar = ConstantLiar::kMin;
};

class Sampler {
 public:
  virtual ~Sampler() = default;
  virtual SamplerKind kind() const = 0;
  virtual bool adaptive() const { return false; }
  int dimensions() const { return dimensions_; }
  uint64_t seed() const { return seed_; }

  // Non-adaptive samplers: the index-th point of [0,1)^d (index >= 0), depending
  // only on (seed, index, d). Adaptive samplers throw std::logic_error.
  virtual std::vector<double> point(int64_t index) const = 0;

  // The next point given finished trials and the points of trials still running.
  // Non-adaptive samplers return point(done.size() + pending.size()). Adaptive
  // samplers are deterministic given (seed, done, pending) in their order.
  virtual std::vector<double> propose(const std::vector<Observation>& done,
                                      const std::vector<std::vector<double>>& pending);

 protected:
  Sampler(int dimensions, uint64_t seed) : dimensions_(dimensions), seed_(seed) {}

 private:
  int dimensions_;
  uint64_t seed_;
};

// Throws std::invalid_argument for kGrid (use SearchSpace::enumerateAll()),
// dimensions < 1, or more dimensions than the sequence supports (Sobol: 32).
std::unique_ptr<Sampler> makeSampler(SamplerKind kind, int dimensions, uint64_t seed,
                                     const SamplerOptions& options = {});

// Uniform points from Philox streams keyed by (seed, index): point i is stable
// whatever else was drawn.
class RandomSampler final : public Sampler {
 public:
  RandomSampler(int dimensions, uint64_t seed) : Sampler(dimensions, seed) {}
  SamplerKind kind() const override { return SamplerKind::kRandom; }
  std::vector<double> point(int64_t index) const override;
};

}  // namespace gaplab
