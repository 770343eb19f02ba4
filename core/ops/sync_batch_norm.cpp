// core/ops/sync_batch_norm.cpp — see sync_batch_norm.h. Per-channel sums are computed
// by threads owning disjoint channel chunks (deterministic), then summed over ranks
// from the calling thread.
#include "core/ops/sync_batch_norm.h"

#include <cmath>
#include <stdexcept>
#include <vector>

#include "core/ops/parallel.h"
#if GAPLAB_HAVE_CUDA
#include "core/cuda/ops/sync_batch_norm_cuda.h"
#endif

namespace gaplab {
namespace {

struct Layout {
  int64_t n, c, s;
};

Layout layoutOf(const Tensor& x) {
  if (x.rank() != 2 && x.rank() != 4)
    throw std::invalid_argument("syncBatchNorm: expected [N, C] or [N, C, H, W], got " + shapeToString(x.shape()));
  return {x.dim(0), x.dim(1), x.rank() == 4 ? x.dim(2) * x.dim(3) : 1};
}

// out[c] = sum over n, s of f(n, c, s), one thread per channel chunk.
template <class F>
void channelSums(const Layout& l, float* out, F&& f) {
  detail::parallelChunks(l.c, l.n * l.s, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      float acc = 0.0f;
      for (int64_t n = 0; n < l.n; ++n)
        for (int64_t s = 0; s < l.s; ++s) acc += f(n, c, s);
      out[c] = acc;
    }
  });
}

struct SyncBatchNormOp final : Op {
  Variable x, y;
  ParamView gamma, beta;
  Layout l;
  FusedActivation activation;
  std::vector<float> mean, invStd;
  double globalCount;
  RankSum* ranks;

  const char* name() const override { return "sync_batch_norm"; }
  void forEachParameter(const ParamVisitor& visit) const override {
    visit(gamma);
    visit(beta);
  }

  // dy: [N, C(, H, W)] -> dx (=/+=) = gamma*invstd*(dy - sum_g(dy)/M - xhat*sum_g(dy*xhat)/M) with sums over
  // all ranks' rows (M rows in all); dgamma: [C] (+= local sum dy*xhat), dbeta: [C] (+= local sum dy)
  void backward() override {
    if (!y.hasGrad()) return;
    float* dy = y.grad().data();
    const float* yv = y.value().data();
    const float* xv = x.value().data();
    const int64_t row = l.c * l.s;
    auto at = [&](int64_t n, int64_t c, int64_t s) { return n * row + c * l.s + s; };
    if (activation == FusedActivation::kRelu) {
      const int64_t total = l.n * row;
      detail::parallelChunks(total, 1, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) dy[i] = yv[i] > 0.0f ? dy[i] : 0.0f;
      });
    }
    std::vector<float> sums(static_cast<std::size_t>(2 * l.c));  // [sum dy | sum dy*xhat], local
    channelSums(l, sums.data(), [&](int64_t n, int64_t c, int64_t s) { return dy[at(n, c, s)]; });
    channelSums(l, sums.data() + l.c, [&](int64_t n, int64_t c, int64_t s) {
      return dy[at(n, c, s)] * (xv[at(n, c, s)] - mean[static_cast<std::size_t>(c)]) * invStd[static_cast<std::size_t>(c)];
    });
    float* dgamma = gamma.grad();
    float* dbeta = beta.grad();
    for (int64_t c = 0; c < l.c; ++c) {
      dbeta[c] += sums[static_cast<std::size_t>(c)];
      dgamma[c] += sums[static_cast<std::size_t>(l.c + c)];
    }
    if (!x.requiresGrad()) return;
    ranks->sumInPlace(sums.data(), 2 * l.c);
    GradWrite mode;
    float* dx = x.gradForWrite(&mode).data();
    const float* gm = gamma.value();
    const float m = static_cast<float>(globalCount);
    detail::parallelChunks(l.c, l.n * l.s, [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) {
        const std::size_t k = static_cast<std::size_t>(c);
        const float scale = gm[c] * invStd[k], meanDy = sums[k] / m, meanDyXhat = sums[static_cast<std::size_t>(l.c) + k] / m;
        for (int64_t n = 0; n < l.n; ++n)
          for (int64_t s = 0; s < l.s; ++s) {
            const int64_t i = at(n, c, s);
            const float v = scale * (dy[i] - meanDy - (xv[i] - mean[k]) * invStd[k] * meanDyXhat);
            dx[i] = mode == GradWrite::kAssign ? v : dx[i] + v;
          }
      }
    });
  }
};

}  // namespace

Variable syncBatchNorm(Tape& tape, const Variable& x, const ParamView& gamma, const ParamView& beta,
                       const BufferView& runningMean, const BufferView& runningVar, const BatchNormOptions& options,
                       NormMode mode, RankSum& ranks) {
  if (options.ghostSize != 0)
    throw std::invalid_argument("syncBatchNorm: ghost batches and synchronised statistics exclude each other");
  if (mode == NormMode::kEval)
    return batchNorm(tape, x, gamma, beta, runningMean, runningVar, options, mode);
  const Layout l = layoutOf(x.value());
  if (gamma.numel() != l.c || beta.numel() != l.c || runningMean.numel() != l.c || runningVar.numel() != l.c)
    throw std::invalid_argument("syncBatchNorm '" + gamma.info().name + "': parameters do not have " +
                                std::to_string(l.c) + " channels for input " + shapeToString(x.value().shape()));
  requireSameDevice(x.value(), gamma, "syncBatchNorm");
#if GAPLAB_HAVE_CUDA
  if (x.value().device() == Device::kCuda)
    return cuda::syncBatchNorm(tape, x, gamma, beta, runningMean, runningVar, options, ranks);
#endif
  const float* xv = x.value().data();
  const int64_t row = l.c * l.s;
  auto at = [&](int64_t n, int64_t c, int64_t s) { return n * row + c * l.s + s; };

  // Pass 1: global mean. The local row count travels with the sums.
  std::vector<float> sums(static_cast<std::size_t>(l.c + 1));
  channelSums(l, sums.data(), [&](int64_t n, int64_t c, int64_t s) { return xv[at(n, c, s)]; });
  sums[static_cast<std::size_t>(l.c)] = static_cast<float>(l.n * l.s);
  ranks.sumInPlace(sums.data(), l.c + 1);
  const double count = sums[static_cast<std::size_t>(l.c)];
  auto op = std::make_unique<SyncBatchNormOp>();
  op->mean.resize(static_cast<std::size_t>(l.c));
  for (int64_t c = 0; c < l.c; ++c) op->mean[static_cast<std::size_t>(c)] = static_cast<float>(sums[static_cast<std::size_t>(c)] / count);
  // Pass 2: global variance around the global mean.
  const std::vector<float>& mu = op->mean;
  channelSums(l, sums.data(), [&](int64_t n, int64_t c, int64_t s) {
    const float d = xv[at(n, c, s)] - mu[static_cast<std::size_t>(c)];
    return d * d;
  });
  ranks.sumInPlace(sums.data(), l.c);
  op->invStd.resize(static_cast<std::size_t>(l.c));
  float* rm = runningMean.data();
  float* rv = runningVar.data();
  for (int64_t c = 0; c < l.c; ++c) {
    const std::size_t k = static_cast<std::size_t>(c);
    const double var = sums[k] / count;
    op->invStd[k] = static_cast<float>(1.0 / std::sqrt(var + options.eps));
    const double unbiased = count > 1 ? var * count / (count - 1) : var;
    rm[c] = (1.0f - options.momentum) * rm[c] + options.momentum * mu[k];
    rv[c] = (1.0f - options.momentum) * rv[c] + options.momentum * static_cast<float>(unbiased);
  }
  Tensor yt = Tensor::empty(x.value().shape());
  float* yv = yt.data();
  const float* gm = gamma.value();
  const float* bt = beta.value();
  const bool relu = options.activation == FusedActivation::kRelu;
  detail::parallelChunks(l.c, l.n * l.s, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      const std::size_t k = static_cast<std::size_t>(c);
      const float scale = gm[c] * op->invStd[k], shift = bt[c] - mu[k] * scale;
      for (int64_t n = 0; n < l.n; ++n)
        for (int64_t s = 0; s < l.s; ++s) {
          const float v = xv[at(n, c, s)] * scale + shift;
          yv[at(n, c, s)] = relu ? (v > 0.0f ? v : 0.0f) : v;
        }
    }
  });
  Variable y(yt, RequiresGrad::kYes);
  if (tape.recording()) {
    op->x = x;
    op->y = y;
    op->gamma = gamma;
    op->beta = beta;
    op->l = l;
    op->activation = options.activation;
    op->globalCount = count;
    op->ranks = &ranks;
    tape.push(std::move(op));
  }
  return y;
}

}  // namespace gaplab
