// core/optim/lamb.cpp — LAMB in two passes over fixed blocks of each tensor.
//
// Pass 1 updates m and v and sums ||p||^2 and ||r||^2 per block; the block sums
// of each tensor are added in block order to give its trust ratio; pass 2
// recomputes r with the same function (same inputs, same bits) into a
// block-sized scratch and applies it, so no model-sized buffer is needed.
#include "core/optim/lamb.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

#include <Eigen/Core>

#include "core/device_memory.h"
#include "core/optim/adam_moments.h"

#if GAPLAB_HAVE_CUDA
#include "core/cuda/optim/optimizer_cuda.h"
#endif

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

// r = m_hat/(sqrt(v_hat) + eps) + wd*p for one block, written to `r`. Both
// passes call this one function, so the r that is applied is bit for bit the r
// whose norm gave the trust ratio.
GAPLAB_ONE_COPY void lambDirection(const detail::AdamStep& s, float wd, const float* value, const float* first,
                                   const float* second, float* r, int64_t n) {
  alignas(64) std::array<float, detail::kBlock> root;
  detail::blockSqrt(second, n, root.data());
  ConstArrayMap p(value, n), m(first, n), sqrtV(root.data(), n);
  ArrayMap(r, n) = (m * s.invBiasCorrection1) / (sqrtV / s.biasCorrection2Sqrt + s.eps) + wd * p;
}

// Pass 1 for one block: update m and v, then return the block's sums of p^2 and r^2.
GAPLAB_ONE_COPY std::pair<double, double> lambMoments(const detail::AdamStep& s, float wd, const float* value,
                                                      float* first, float* second, const float* grad,
                                                      float* r, int64_t n) {
  ArrayMap m(first, n), v(second, n);
  ConstArrayMap g(grad, n);
  m = s.beta1 * m + (1.0f - s.beta1) * g;
  v = s.beta2 * v + (1.0f - s.beta2) * g.square();
  lambDirection(s, wd, value, first, second, r, n);
  return {detail::sumOfSquares(value, n), detail::sumOfSquares(r, n)};
}

// Pass 2 for one block: p -= scale * r.
GAPLAB_ONE_COPY void lambApply(const detail::AdamStep& s, float wd, float scale, float* value, const float* first,
                               const float* second, float* r, int64_t n) {
  lambDirection(s, wd, value, first, second, r, n);
  ArrayMap(value, n) -= scale * ConstArrayMap(r, n);
}

}  // namespace

Lamb::Lamb(LambOptions options) : options_(options) {
  detail::checkAdamOptions("lamb", options_.beta1, options_.beta2, options_.eps, options_.weightDecay);
}

const std::vector<double>& Lamb::lastTrustRatios() const {
  if (deviceTrustRatios_) {
    copyDeviceToHost(trustRatios_.data(), deviceTrustRatios_.get(), trustRatios_.size() * sizeof(double));
    deviceTrustRatios_.reset();
  }
  return trustRatios_;
}

void Lamb::step(ParameterArena& arena, float learningRate) {
  if (arena.device() == Device::kCuda) {
    stageStep(arena, learningRate);
    enqueueUpdate(arena);
    return;
  }
  checkStep(arena, learningRate);
  ++stepCount_;
  const detail::AdamStep s =
      detail::adamStep(options_.beta1, options_.beta2, options_.eps, learningRate, stepCount_);
  deviceTrustRatios_.reset();
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
  std::vector<std::pair<double, double>> blockSq(blocks.size());
  constexpr int64_t kWork = detail::kBlock * 16;

  detail::parallelChunks(nBlocks, kWork, [&](int64_t blockBegin, int64_t blockEnd) {
    std::array<float, detail::kBlock> r;
    for (int64_t k = blockBegin; k < blockEnd; ++k) {
      const Block& b = blocks[static_cast<std::size_t>(k)];
      blockSq[static_cast<std::size_t>(k)] =
          lambMoments(s, decayOf(b.param), values + b.begin, mState + b.begin, vState + b.begin, grads + b.begin,
                      r.data(), b.end - b.begin);
    }
  });

  // Per-tensor sums in block order (the blocks of one tensor are consecutive).
  std::vector<double> pSq(params.size(), 0.0), rSq(params.size(), 0.0);
  for (std::size_t k = 0; k < blocks.size(); ++k) {
    pSq[static_cast<std::size_t>(blocks[k].param)] += blockSq[k].first;
    rSq[static_cast<std::size_t>(blocks[k].param)] += blockSq[k].second;
  }
  trustRatios_.assign(params.size(), 1.0);
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (pSq[i] > 0.0 && rSq[i] > 0.0) trustRatios_[i] = std::sqrt(pSq[i]) / std::sqrt(rSq[i]);
  }

  detail::parallelChunks(nBlocks, kWork, [&](int64_t blockBegin, int64_t blockEnd) {
    std::array<float, detail::kBlock> r;
    for (int64_t k = blockBegin; k < blockEnd; ++k) {
      const Block& b = blocks[static_cast<std::size_t>(k)];
      const auto scale =
          static_cast<float>(static_cast<double>(learningRate) * trustRatios_[static_cast<std::size_t>(b.param)]);
      lambApply(s, decayOf(b.param), scale, values + b.begin, mState + b.begin, vState + b.begin, r.data(),
                b.end - b.begin);
    }
  });
}

#if GAPLAB_HAVE_CUDA
void Lamb::stageDeviceStep(ParameterArena& arena, float learningRate, void* hostScalars) {
  if (!workspace_) workspace_ = std::make_shared<cuda::LambWorkspace>();
  cuda::stageLamb(*workspace_, arena, options_,
                  detail::adamStep(options_.beta1, options_.beta2, options_.eps, learningRate, stepCount_),
                  learningRate, static_cast<cuda::DeviceLambScalars*>(hostScalars));
  // This step's kernels (eager, or a graph launched after this call) write the
  // ratios into the workspace; lastTrustRatios() copies them on request.
  deviceTrustRatios_ = workspace_->ratios;
  trustRatios_.assign(arena.params().size(), 1.0);
}

void Lamb::enqueueDeviceUpdate(ParameterArena& arena, const void* deviceScalars) {
  cuda::enqueueLamb(*workspace_, arena, static_cast<const cuda::DeviceLambScalars*>(deviceScalars));
}
#endif

}  // namespace gaplab
