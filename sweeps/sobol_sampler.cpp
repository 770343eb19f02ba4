// sweeps/sobol_sampler.cpp — see sobol_sampler.h.
#include "sweeps/sobol_sampler.h"

#include <bit>
#include <stdexcept>

#include "core/rng.h"

namespace gaplab {
namespace {

constexpr uint64_t kSobolStreamBase = 0x9000000000000000ull;

// Joe & Kuo, new-joe-kuo-6.21201, dimensions 2..32: degree s, coefficients a, initial m_1..m_s.
struct DirectionSeed {
  int s;
  uint32_t a;
  uint32_t m[8];
};
constexpr DirectionSeed kJoeKuo[SobolSampler::kMaxDimensions - 1] = {
    {1, 0, {1}},
    {2, 1, {1, 3}},
    {3, 1, {1, 3, 1}},
    {3, 2, {1, 1, 1}},
    {4, 1, {1, 1, 3, 3}},
    {4, 4, {1, 3, 5, 13}},
    {5, 2, {1, 1, 5, 5, 17}},
    {5, 4, {1, 1, 5, 5, 5}},
    {5, 7, {1, 1, 7, 11, 19}},
    {5, 11, {1, 1, 5, 1, 1}},
    {5, 13, {1, 1, 1, 3, 11}},
    {5, 14, {1, 3, 5, 5, 31}},
    {6, 1, {1, 3, 3, 9, 7, 49}},
    {6, 13, {1, 1, 1, 15, 21, 21}},
    {6, 16, {1, 3, 1, 13, 27, 49}},
    {6, 19, {1, 1, 1, 15, 7, 5}},
    {6, 22, {1, 3, 1, 15, 13, 25}},
    {6, 25, {1, 1, 5, 5, 19, 61}},
    {7, 1, {1, 3, 7, 11, 23, 15, 103}},
    {7, 4, {1, 3, 7, 13, 13, 15, 69}},
    {7, 7, {1, 1, 3, 13, 7, 35, 63}},
    {7, 8, {1, 3, 5, 9, 1, 25, 53}},
    {7, 14, {1, 3, 1, 13, 9, 35, 107}},
    {7, 19, {1, 3, 1, 5, 27, 61, 31}},
    {7, 21, {1, 1, 5, 11, 19, 41, 61}},
    {7, 28, {1, 3, 5, 3, 3, 13, 69}},
    {7, 31, {1, 1, 7, 13, 1, 19, 1}},
    {7, 32, {1, 3, 7, 5, 13, 19, 59}},
    {7, 37, {1, 1, 3, 9, 25, 29, 41}},
    {7, 41, {1, 3, 5, 13, 23, 1, 55}},
    {7, 42, {1, 3, 7, 3, 13, 59, 17}},
};

std::array<uint32_t, SobolSampler::kBits> directionNumbers(int dim) {
  constexpr int kB = SobolSampler::kBits;
  std::array<uint32_t, kB> v{};
  if (dim == 0) {
    for (int k = 0; k < kB; ++k) v[static_cast<std::size_t>(k)] = 1u << (kB - 1 - k);
    return v;
  }
  const DirectionSeed& seed = kJoeKuo[dim - 1];
  for (int k = 0; k < seed.s; ++k) v[static_cast<std::size_t>(k)] = seed.m[k] << (kB - 1 - k);
  for (int k = seed.s; k < kB; ++k) {
    uint32_t x = v[static_cast<std::size_t>(k - seed.s)];
    x ^= x >> seed.s;
    for (int l = 1; l < seed.s; ++l)
      if ((seed.a >> (seed.s - 1 - l)) & 1u) x ^= v[static_cast<std::size_t>(k - l)];
    v[static_cast<std::size_t>(k)] = x;
  }
  return v;
}

}  // namespace

SobolSampler::SobolSampler(int dimensions, uint64_t seed, Scrambling scrambling) : Sampler(dimensions, seed) {
  if (dimensions > kMaxDimensions)
    throw std::invalid_argument("the sobol sampler supports at most " + std::to_string(kMaxDimensions) +
                                " sampled dimensions, got " + std::to_string(dimensions) +
                                "; expected fewer dimensions or sampler halton/random");
  for (int j = 0; j < dimensions; ++j) {
    std::array<uint32_t, kBits> v = directionNumbers(j);
    RngStream rng(seed, RngPurpose::kSampler, kSobolStreamBase + static_cast<uint64_t>(j));
    if (scrambling != Scrambling::kNone) {
      // Linear matrix scramble: output digit r = XOR of input digits c <= r
      // selected by a random lower-triangular row with a unit diagonal. Digit r
      // (r = 0 most significant) lives in bit 31 - r.
      std::array<uint32_t, kBits> rows{};
      for (int r = 0; r < kBits; ++r) {
        const uint32_t above = r == 0 ? 0u : ~0u << (kBits - r);
        rows[static_cast<std::size_t>(r)] = (rng.nextU32() & above) | (1u << (kBits - 1 - r));
      }
      for (uint32_t& x : v) {
        uint32_t out = 0;
        for (int r = 0; r < kBits; ++r)
          if (std::popcount(rows[static_cast<std::size_t>(r)] & x) & 1) out |= 1u << (kBits - 1 - r);
        x = out;
      }
    }
    directions_.push_back(v);
    shifts_.push_back(scrambling == Scrambling::kPermutationAndShift ? rng.nextU32() : 0u);
  }
}

std::vector<double> SobolSampler::point(int64_t index) const {
  if (index < 0 || index >= (int64_t{1} << kBits))
    throw std::invalid_argument("SobolSampler::point: index " + std::to_string(index) + " outside [0, 2^32)");
  const uint64_t gray = static_cast<uint64_t>(index) ^ (static_cast<uint64_t>(index) >> 1);
  std::vector<double> u(static_cast<std::size_t>(dimensions()));
  for (std::size_t j = 0; j < u.size(); ++j) {
    uint32_t x = shifts_[j];
    for (uint64_t bits = gray; bits != 0; bits &= bits - 1)
      x ^= directions_[j][static_cast<std::size_t>(std::countr_zero(bits))];
    u[j] = static_cast<double>(x) * 0x1.0p-32;
  }
  return u;
}

}  // namespace gaplab
