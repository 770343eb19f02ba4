// core/optim/lamb.cpp — LAMB in two passes over fixed blocks of each tensor.
//
// Pass 1 updates m and v and sums ||p||^2 and ||r||^2 per block; the block sums
// of each tensor are added in block order to give its trust ratio; pass 2
// recomputes r with the same code (same inputs, same result) and applies it,
// so no scratch buffer of the model's size is needed.
#include "core/optim/lamb.h"

#include <algorithm>
#include <array>
#include <cmath>

#include <Eigen/Core>

#include "core/optim/adam_moments.h"

namespace gaplab {
namespace {

using ArrayMap = Eigen::Map<Eigen::ArrayXf>;
using ConstArrayMap = Eigen::Map<const Eigen::ArrayXf>;

struct Block {
  int param = 0;  // index into arena.params()
  int64_t begin = 0;
  int64_t end = 0;
};

std::vector<Block> tensorBlocks(const ParameterArena& arena) {
  std::vector<Block> blocks;
  const std::vector<ParamInfo>& params = arena.params();
  for (std::size_t i = 0; i < params.size(); ++i) {
    const int64_t stop = params[i].offset + params[i].numel;
    for (int64_t b = params[i].offset; b < stop; b += detail::kBlock) {
      blocks.push_back({static_cast<int>(i), b, std::min(b + detail::kBlock, stop)});
    }
  }
  return blocks;
}

struct Direction {
  float invBiasCorrection1;
  float biasCorrection2Sqrt;
  float eps;
};

// r = m_hat / (sqrt(v_hat) + eps) + wd*p for one block, written to `out`.
void direction(const Direction& d, float wd, const float* p, const float* m, const float* v, int64_t n,
               float* out) {
  ArrayMap r(out, n);
  r = (ConstArrayMap(m, n) * d.invBiasCorrection1) /
          (ConstArrayMap(v, n).sqrt() / d.biasCorrection2Sqrt + d.eps) +
      wd * ConstArrayMap(p, n);
}

}  // namespace

Lamb::Lamb(LambOptions options) : options_(options) {
  detail::checkAdamOptions("lamb", options_.beta1, options_.beta2, options_.eps, options_.weightDecay);
}

void Lamb::step(ParameterArena& arena, float learningRate) {
  checkStep(arena, learningRate);
  ++stepCount_;
  const detail::AdamScalars s = detail::adamScalars(options_.beta1, options_.beta2, stepCount_);
  const Direction dir{static_cast<float>(1.0 / s.biasCorrection1), s.biasCorrection2Sqrt, options_.eps};
  const float b1 = options_.beta1, b2 = options_.beta2;
  float* values = arena.values();
  const float* grads = arena.grads();
  float* mState = arena.state(kFirstMomentState);
  float* vState = arena.state(kSecondMomentState);
  const std::vector<ParamInfo>& params = arena.params();
  auto decayOf = [&](int param) {
    return params[static_cast<std::size_t>(param)].decay == WeightDecay::kApply ? options_.weightDecay : 0.0f;
  };

  const std::vector<Block> blocks = tensorBlocks(arena);
  const auto nBlocks = static_cast<int64_t>(blocks.size());
  std::vector<double> valueSq(blocks.size()), directionSq(blocks.size());
  constexpr int64_t kWork = detail::kBlock * 16;

  detail::parallelChunks(nBlocks, kWork, [&](int64_t blockBegin, int64_t blockEnd) {
    std::array<float, detail::kBlock> r;
    for (int64_t k = blockBegin; k < blockEnd; ++k) {
      const Block& b = blocks[static_cast<std::size_t>(k)];
      const int64_t n = b.end - b.begin;
      ArrayMap m(mState + b.begin, n), v(vState + b.begin, n);
      ConstArrayMap g(grads + b.begin, n);
      m = b1 * m + (1.0f - b1) * g;
      v = b2 * v + (1.0f - b2) * g.square();
      direction(dir, decayOf(b.param), values + b.begin, m.data(), v.data(), n, r.data());
      valueSq[static_cast<std::size_t>(k)] = detail::sumOfSquares(values + b.begin, n);
      directionSq[static_cast<std::size_t>(k)] = detail::sumOfSquares(r.data(), n);
    }
  });

  // Per-tensor sums in block order (blocks of one tensor are consecutive).
  std::vector<double> pSq(params.size(), 0.0), rSq(params.size(), 0.0);
  for (std::size_t k = 0; k < blocks.size(); ++k) {
    pSq[static_cast<std::size_t>(blocks[k].param)] += valueSq[k];
    rSq[static_cast<std::size_t>(blocks[k].param)] += directionSq[k];
  }
  trustRatios_.assign(params.size(), 1.0);
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (pSq[i] > 0.0 && rSq[i] > 0.0) trustRatios_[i] = std::sqrt(pSq[i]) / std::sqrt(rSq[i]);
  }

  detail::parallelChunks(nBlocks, kWork, [&](int64_t blockBegin, int64_t blockEnd) {
    std::array<float, detail::kBlock> r;
    for (int64_t k = blockBegin; k < blockEnd; ++k) {
      const Block& b = blocks[static_cast<std::size_t>(k)];
      const int64_t n = b.end - b.begin;
      direction(dir, decayOf(b.param), values + b.begin, mState + b.begin, vState + b.begin, n, r.data());
      const auto scale =
          static_cast<float>(static_cast<double>(learningRate) * trustRatios_[static_cast<std::size_t>(b.param)]);
      ArrayMap p(values + b.begin, n);
      p -= scale * ConstArrayMap(r.data(), n);
    }
  });
}

}  // namespace gaplab
