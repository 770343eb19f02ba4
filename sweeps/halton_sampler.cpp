// sweeps/halton_sampler.cpp — see halton_sampler.h.
#include "sweeps/halton_sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "core/rng.h"

namespace gaplab {
namespace {

constexpr uint64_t kHaltonStreamBase = 0x8000000000000000ull;  // RandomSampler uses streams = indices

std::vector<int> primesBelow(int limit) {
  std::vector<char> composite(static_cast<std::size_t>(limit), 0);
  std::vector<int> out;
  for (int i = 2; i < limit; ++i) {
    if (composite[static_cast<std::size_t>(i)]) continue;
    out.push_back(i);
    for (int64_t j = int64_t{i} * i; j < limit; j += i) composite[static_cast<std::size_t>(j)] = 1;
  }
  return out;
}

}  // namespace

std::vector<int> HaltonSampler::primes(int count, HaltonBases which) {
  if (which == HaltonBases::kFirstPrimes) {
    int limit = 64;
    std::vector<int> p = primesBelow(limit);
    while (static_cast<int>(p.size()) < count) p = primesBelow(limit *= 2);
    p.resize(static_cast<std::size_t>(count));
    return p;
  }
  // AlgoPerf: odd primes below 1000 * k (k grows until there are count + 1), the
  // count of them before the largest.
  for (int limit = 1000;; limit += 1000) {
    std::vector<int> p = primesBelow(limit);
    p.erase(p.begin());  // no 2
    if (static_cast<int>(p.size()) >= count + 1) return {p.end() - count - 1, p.end() - 1};
  }
}

HaltonSampler::HaltonSampler(int dimensions, uint64_t seed, Scrambling scrambling, HaltonBases bases, int64_t skip)
    : Sampler(dimensions, seed), bases_(primes(dimensions, bases)), skip_(skip) {
  if (skip < 0) throw std::invalid_argument("HaltonSampler: skip must be >= 0, got " + std::to_string(skip));
  for (int j = 0; j < dimensions; ++j) {
    const int b = bases_[static_cast<std::size_t>(j)];
    std::vector<int> perm(static_cast<std::size_t>(b));
    std::iota(perm.begin(), perm.end(), 0);
    RngStream rng(seed, RngPurpose::kSampler, kHaltonStreamBase + static_cast<uint64_t>(j));
    if (scrambling != Scrambling::kNone) {
      // Fisher–Yates over digits 1..b-1; 0 stays 0.
      for (int i = b - 1; i > 1; --i) std::swap(perm[static_cast<std::size_t>(i)],
                                                perm[1 + rng.below(static_cast<uint64_t>(i))]);
    }
    permutations_.push_back(std::move(perm));
    shifts_.push_back(scrambling == Scrambling::kPermutationAndShift
                          ? static_cast<double>(rng.nextU64() >> 11) * 0x1.0p-53
                          : 0.0);
  }
}

std::vector<double> HaltonSampler::point(int64_t index) const {
  if (index < 0) throw std::invalid_argument("HaltonSampler::point: negative index " + std::to_string(index));
  const uint64_t n = static_cast<uint64_t>(index) + 1 + static_cast<uint64_t>(skip_);
  std::vector<double> u(static_cast<std::size_t>(dimensions()));
  for (std::size_t j = 0; j < u.size(); ++j) {
    const uint64_t b = static_cast<uint64_t>(bases_[j]);
    const std::vector<int>& perm = permutations_[j];
    double value = 0.0, scale = 1.0 / static_cast<double>(b);
    for (uint64_t rest = n; rest > 0; rest /= b, scale /= static_cast<double>(b))
      value += perm[rest % b] * scale;
    if (shifts_[j] != 0.0) value = std::fmod(value + shifts_[j], 1.0);
    u[j] = std::min(value, std::nextafter(1.0, 0.0));
  }
  return u;
}

}  // namespace gaplab
