// sweeps/halton_sampler.h — scrambled Halton points, the quasi-random search of AlgoPerf's tuning.
//
// Why: with a few dozen trials, low-discrepancy points cover a search space more
// evenly than random ones (Bousquet et al. 2017, "Critical hyper-parameters: no
// random, no cry"), and AlgoPerf's external tuning ruleset samples its trials this
// way. Dimension j is the radical inverse of the index in a prime base b_j, each
// digit d mapped through one seeded random permutation of 1..b_j-1 (0 stays 0,
// so the infinite tail of zero digits adds nothing), then optionally shifted by a
// seeded random amount mod 1 — the method of AlgoPerf's algoperf/halton.py,
// reimplemented here with Philox-seeded permutations.
#pragma once

#include <vector>

#include "sweeps/sampler.h"

namespace gaplab {

class HaltonSampler final : public Sampler {
 public:
  HaltonSampler(int dimensions, uint64_t seed, Scrambling scrambling, HaltonBases bases, int64_t skip);
  SamplerKind kind() const override { return SamplerKind::kHalton; }
  // Coordinate j: the scrambled radical inverse of (index + 1 + skip) in base bases()[j].
  std::vector<double> point(int64_t index) const override;

  const std::vector<int>& bases() const { return bases_; }
  // The digit permutation of dimension j (identity without scrambling); [0] is always 0.
  const std::vector<int>& permutation(int j) const { return permutations_[static_cast<std::size_t>(j)]; }

  // The first `count` primes (2, 3, 5, ...), or those AlgoPerf uses: the count
  // primes just below 1000 (skipping the largest; 2 excluded), in increasing order.
  static std::vector<int> primes(int count, HaltonBases which);

 private:
  std::vector<int> bases_;
  std::vector<std::vector<int>> permutations_;
  std::vector<double> shifts_;
  int64_t skip_;
};

}  // namespace gaplab
