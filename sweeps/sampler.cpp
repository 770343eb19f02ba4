// sweeps/sampler.cpp — see sampler.h.
#include "sweeps/sampler.h"

#include <stdexcept>

#include "core/config/config_error.h"
#include "core/rng.h"
#include "sweeps/bayes_sampler.h"
#include "sweeps/halton_sampler.h"
#include "sweeps/sobol_sampler.h"

namespace gaplab {
namespace {

constexpr SamplerKind kAllSamplers[] = {SamplerKind::kGrid, SamplerKind::kRandom, SamplerKind::kHalton,
                                        SamplerKind::kSobol, SamplerKind::kBayes};

}  // namespace

const char* samplerKindName(SamplerKind kind) {
  switch (kind) {
    case SamplerKind::kGrid: return "grid";
    case SamplerKind::kRandom: return "random";
    case SamplerKind::kHalton: return "halton";
    case SamplerKind::kSobol: return "sobol";
    case SamplerKind::kBayes: return "bayes";
  }
  return "?";
}

SamplerKind parseSamplerKind(const std::string& name) {
  std::string list;
  for (SamplerKind k : kAllSamplers) {
    if (name == samplerKindName(k)) return k;
    list += (list.empty() ? "" : ", ") + std::string(samplerKindName(k));
  }
  throw ConfigError("unknown sampler '" + name + "'; expected one of " + list);
}

std::vector<double> Sampler::propose(const std::vector<Observation>& done,
                                     const std::vector<std::vector<double>>& pending) {
  return point(static_cast<int64_t>(done.size() + pending.size()));
}

std::vector<double> RandomSampler::point(int64_t index) const {
  if (index < 0) throw std::invalid_argument("RandomSampler::point: negative index " + std::to_string(index));
  RngStream rng(seed(), RngPurpose::kSampler, static_cast<uint64_t>(index));
  std::vector<double> u(static_cast<std::size_t>(dimensions()));
  for (double& v : u) v = static_cast<double>(rng.nextU64() >> 11) * 0x1.0p-53;  // 53 random bits in [0, 1)
  return u;
}

std::unique_ptr<Sampler> makeSampler(SamplerKind kind, int dimensions, uint64_t seed, const SamplerOptions& options) {
  if (kind == SamplerKind::kGrid)
    throw std::invalid_argument("the grid sampler has no unit cube; enumerate with SearchSpace::enumerateAll()");
  if (dimensions < 1)
    throw std::invalid_argument(std::string("the ") + samplerKindName(kind) +
                                " sampler needs at least one sampled (non-grid) dimension, got " +
                                std::to_string(dimensions));
  switch (kind) {
    case SamplerKind::kRandom: return std::make_unique<RandomSampler>(dimensions, seed);
    case SamplerKind::kHalton:
      return std::make_unique<HaltonSampler>(dimensions, seed, options.scrambling, options.haltonBases,
                                             options.haltonSkip);
    case SamplerKind::kSobol: return std::make_unique<SobolSampler>(dimensions, seed, options.scrambling);
    case SamplerKind::kBayes: return std::make_unique<BayesSampler>(dimensions, seed, options);
    case SamplerKind::kGrid: break;
  }
  throw std::invalid_argument("makeSampler: unknown sampler kind");
}

}  // namespace gaplab
