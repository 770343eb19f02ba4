// sweeps/sobol_sampler.h — Sobol points with Joe–Kuo direction numbers, optionally scrambled.
//
// Why: Sobol sequences are (t, s)-sequences in base 2: every aligned block of 2^m
// points is stratified in each dimension (and, for the first two dimensions,
// in every dyadic box of volume 2^-m), the best-known uniformity for sample
// counts that are powers of two. Direction numbers are Joe & Kuo's
// new-joe-kuo-6.21201 (2008) for the first 32 dimensions, embedded below.
// Scrambling: a random linear matrix scramble (lower-triangular, unit
// diagonal) and a random digital shift per dimension, both seeded; they keep the
// stratification and move point 0 off the all-zero corner. Points are in Gray-code
// order, so point(i) for i = 0, 1, 2, 3 is (0, 0), (0.5, 0.5), (0.75, 0.25),
// (0.25, 0.75) unscrambled, as scipy.stats.qmc.Sobol gives.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "sweeps/sampler.h"

namespace gaplab {

class SobolSampler final : public Sampler {
 public:
  static constexpr int kMaxDimensions = 32;
  static constexpr int kBits = 32;  // resolution; indices below 2^32

  SobolSampler(int dimensions, uint64_t seed, Scrambling scrambling);
  SamplerKind kind() const override { return SamplerKind::kSobol; }
  std::vector<double> point(int64_t index) const override;

 private:
  std::vector<std::array<uint32_t, kBits>> directions_;  // per dimension, already scrambled
  std::vector<uint32_t> shifts_;
};

}  // namespace gaplab
