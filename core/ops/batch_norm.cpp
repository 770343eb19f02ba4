// core/ops/batch_norm.cpp — per-ghost statistics, fused ReLU; see batch_norm.h.
//
// Loop order: ghost batch -> example -> channel chunk -> spatial. Threads own
// disjoint channel chunks, so each statistic is summed by one thread in a fixed
// order (bit-identical results) and rows of [N, C] are read contiguously.
#include "core/ops/batch_norm.h"

#include <cmath>
#include <stdexcept>
#include <vector>

#include "core/ops/parallel.h"
#if GAPLAB_HAVE_CUDA
#include "core/cuda/ops/batch_norm_cuda.h"
#endif

namespace gaplab {
namespace {

struct Geometry {
  int64_t n, c, s;  // examples, channels, spatial positions per channel
  int64_t ghost;    // examples per ghost batch
  int64_t ghosts() const { return (n + ghost - 1) / ghost; }
};

Geometry geometryOf(const Tensor& x, int64_t ghostSize, const std::string& name) {
  if (x.rank() != 2 && x.rank() != 4)
    throw std::invalid_argument("batchNorm '" + name + "': expected [N, C] or [N, C, H, W], got " +
                                shapeToString(x.shape()));
  Geometry g{x.dim(0), x.dim(1), x.rank() == 4 ? x.dim(2) * x.dim(3) : 1, 0};
  if (ghostSize < 0)
    throw std::invalid_argument("batchNorm '" + name + "': ghost size " + std::to_string(ghostSize) + " < 0");
  g.ghost = ghostSize == 0 || ghostSize > g.n ? g.n : ghostSize;
  return g;
}

// Runs body(c0, c1) over channel chunks in parallel.
template <class Body>
void forChannelChunks(const Geometry& g, Body&& body) {
  detail::parallelChunks(g.c, g.n * g.s, body);
}

struct BatchNormOp final : Op {
  Variable x, y;
  ParamView gamma, beta;
  Geometry g;
  FusedActivation activation;
  std::vector<float> mean, invStd;  // [ghosts, C]

  const char* name() const override { return "batch_norm"; }
  void forEachParameter(const ParamVisitor& visit) const override {
    visit(gamma);
    visit(beta);
  }

  // dy: [N, C(, H, W)] -> dx: same (=/+=), dgamma: [C] (+= sum dy*xhat), dbeta: [C] (+= sum dy)
  // per ghost batch of m = ghost*S values: dx = gamma*invstd*(dy - mean(dy) - xhat*mean(dy*xhat))
  void backward() override {
    if (!y.hasGrad()) return;
    float* dy = y.grad().data();
    const float* yv = y.value().data();
    const float* xv = x.value().data();
    const float* gm = gamma.value();
    float* dgamma = gamma.grad();
    float* dbeta = beta.grad();
    GradWrite mode = GradWrite::kAssign;
    float* dx = x.requiresGrad() ? x.gradForWrite(&mode).data() : nullptr;
    const int64_t rowStride = g.c * g.s;
    forChannelChunks(g, [&](int64_t c0, int64_t c1) {
      const int64_t width = c1 - c0;
      std::vector<float> sumDy(static_cast<std::size_t>(width)), sumDyXhat(static_cast<std::size_t>(width));
      for (int64_t k = 0; k < g.ghosts(); ++k) {
        const int64_t n0 = k * g.ghost, n1 = std::min(g.n, n0 + g.ghost);
        const float m = static_cast<float>((n1 - n0) * g.s);
        const float* mu = mean.data() + k * g.c;
        const float* is = invStd.data() + k * g.c;
        std::fill(sumDy.begin(), sumDy.end(), 0.0f);
        std::fill(sumDyXhat.begin(), sumDyXhat.end(), 0.0f);
        if (g.s == 1) {
          // [N, C]: rows are contiguous, so every loop below runs along channels and vectorises.
          float* sd = sumDy.data();
          float* sdx = sumDyXhat.data();
          for (int64_t n = n0; n < n1; ++n) {
            float* __restrict dyr = dy + n * rowStride + c0;
            const float* __restrict yr = yv + n * rowStride + c0;
            const float* __restrict xr = xv + n * rowStride + c0;
            if (activation == FusedActivation::kRelu)
              for (int64_t j = 0; j < width; ++j) dyr[j] = yr[j] > 0.0f ? dyr[j] : 0.0f;
            for (int64_t j = 0; j < width; ++j) {
              sd[j] += dyr[j];
              sdx[j] += dyr[j] * (xr[j] - mu[c0 + j]) * is[c0 + j];
            }
          }
        } else {
          for (int64_t n = n0; n < n1; ++n)
            for (int64_t c = c0; c < c1; ++c) {
              const int64_t base = n * rowStride + c * g.s;
              float sd = 0.0f, sdx = 0.0f;
              for (int64_t s = 0; s < g.s; ++s) {
                float d = dy[base + s];
                if (activation == FusedActivation::kRelu && !(yv[base + s] > 0.0f)) d = dy[base + s] = 0.0f;
                sd += d;
                sdx += d * (xv[base + s] - mu[c]) * is[c];
              }
              sumDy[static_cast<std::size_t>(c - c0)] += sd;
              sumDyXhat[static_cast<std::size_t>(c - c0)] += sdx;
            }
        }
        for (int64_t c = c0; c < c1; ++c) {
          dgamma[c] += sumDyXhat[static_cast<std::size_t>(c - c0)];
          dbeta[c] += sumDy[static_cast<std::size_t>(c - c0)];
        }
        if (!dx) continue;
        // dx = scale * (dy - meanDy - (x - mu) * slope) with per-channel scale, meanDy, slope.
        std::vector<float> scale(static_cast<std::size_t>(width)), meanDy(scale.size()), slope(scale.size());
        for (int64_t j = 0; j < width; ++j) {
          const int64_t c = c0 + j;
          scale[static_cast<std::size_t>(j)] = gm[c] * is[c];
          meanDy[static_cast<std::size_t>(j)] = sumDy[static_cast<std::size_t>(j)] / m;
          slope[static_cast<std::size_t>(j)] = sumDyXhat[static_cast<std::size_t>(j)] / m * is[c];
        }
        const float* sc = scale.data();
        const float* md = meanDy.data();
        const float* sl = slope.data();
        for (int64_t n = n0; n < n1; ++n)
          for (int64_t j = 0; j < width; ++j) {
            const int64_t base = n * rowStride + (c0 + j) * g.s;
            const float* __restrict dyr = dy + base;
            const float* __restrict xr = xv + base;
            float* __restrict dxr = dx + base;
            const float a = sc[j], b = md[j], k2 = sl[j], mc = mu[c0 + j];
            if (mode == GradWrite::kAssign)
              for (int64_t s = 0; s < g.s; ++s) dxr[s] = a * (dyr[s] - b - (xr[s] - mc) * k2);
            else
              for (int64_t s = 0; s < g.s; ++s) dxr[s] += a * (dyr[s] - b - (xr[s] - mc) * k2);
          }
      }
    });
  }
};

}  // namespace

Variable batchNorm(Tape& tape, const Variable& x, const ParamView& gamma, const ParamView& beta,
                   const BufferView& runningMean, const BufferView& runningVar, const BatchNormOptions& options,
                   NormMode mode) {
  const Tensor& xt = x.value();
  const Geometry g = geometryOf(xt, options.ghostSize, gamma.info().name);
  if (gamma.numel() != g.c || beta.numel() != g.c || runningMean.numel() != g.c || runningVar.numel() != g.c)
    throw std::invalid_argument("batchNorm '" + gamma.info().name + "': parameters do not have " +
                                std::to_string(g.c) + " channels for input " + shapeToString(xt.shape()));
  if (options.activation != FusedActivation::kNone && options.activation != FusedActivation::kRelu)
    throw std::invalid_argument("batchNorm: only ReLU can be fused");
  requireSameDevice(xt, gamma, "batchNorm");
#if GAPLAB_HAVE_CUDA
  if (xt.device() == Device::kCuda)
    return cuda::batchNorm(tape, x, gamma, beta, runningMean, runningVar, options, mode);
#endif
  Tensor yt = Tensor::empty(xt.shape());
  const float* xv = xt.data();
  float* yv = yt.data();
  const float* gm = gamma.value();
  const float* bt = beta.value();
  float* rm = runningMean.data();
  float* rv = runningVar.data();
  const bool relu = options.activation == FusedActivation::kRelu;
  const int64_t rowStride = g.c * g.s;

  auto normalize = [&](int64_t n0, int64_t n1, int64_t c0, int64_t c1, const float* mu, const float* is) {
    if (g.s == 1) {  // [N, C]: vectorise along channels with per-channel scale and shift
      std::vector<float> scale(static_cast<std::size_t>(c1 - c0)), shift(scale.size());
      for (int64_t c = c0; c < c1; ++c) {
        scale[static_cast<std::size_t>(c - c0)] = gm[c] * is[c];
        shift[static_cast<std::size_t>(c - c0)] = bt[c] - mu[c] * gm[c] * is[c];
      }
      const float* sc = scale.data();
      const float* sh = shift.data();
      for (int64_t n = n0; n < n1; ++n) {
        const float* __restrict xr = xv + n * rowStride + c0;
        float* __restrict yr = yv + n * rowStride + c0;
        for (int64_t j = 0; j < c1 - c0; ++j) {
          const float v = xr[j] * sc[j] + sh[j];
          yr[j] = relu ? (v > 0.0f ? v : 0.0f) : v;
        }
      }
      return;
    }
    for (int64_t n = n0; n < n1; ++n)
      for (int64_t c = c0; c < c1; ++c) {
        const int64_t base = n * rowStride + c * g.s;
        const float scale = gm[c] * is[c], shift = bt[c] - mu[c] * scale;
        for (int64_t s = 0; s < g.s; ++s) {
          const float v = xv[base + s] * scale + shift;
          yv[base + s] = relu ? (v > 0.0f ? v : 0.0f) : v;
        }
      }
  };

  if (mode == NormMode::kEval) {
    std::vector<float> is(static_cast<std::size_t>(g.c));
    for (int64_t c = 0; c < g.c; ++c) is[static_cast<std::size_t>(c)] = 1.0f / std::sqrt(rv[c] + options.eps);
    forChannelChunks(g, [&](int64_t c0, int64_t c1) { normalize(0, g.n, c0, c1, rm, is.data()); });
    return Variable(yt, RequiresGrad::kNo);  // eval-mode BN is never differentiated here
  }

  auto op = std::make_unique<BatchNormOp>();
  op->mean.assign(static_cast<std::size_t>(g.ghosts() * g.c), 0.0f);
  op->invStd.assign(static_cast<std::size_t>(g.ghosts() * g.c), 0.0f);
  forChannelChunks(g, [&](int64_t c0, int64_t c1) {
    std::vector<float> sum(static_cast<std::size_t>(c1 - c0));
    for (int64_t k = 0; k < g.ghosts(); ++k) {
      const int64_t n0 = k * g.ghost, n1 = std::min(g.n, n0 + g.ghost);
      const int64_t m = (n1 - n0) * g.s;
      float* mu = op->mean.data() + k * g.c;
      float* is = op->invStd.data() + k * g.c;
      // Two passes (mean, then centred squares) for a variance that does not cancel.
      std::fill(sum.begin(), sum.end(), 0.0f);
      float* sm = sum.data();
      if (g.s == 1) {
        for (int64_t n = n0; n < n1; ++n) {
          const float* __restrict xr = xv + n * rowStride + c0;
          for (int64_t j = 0; j < c1 - c0; ++j) sm[j] += xr[j];
        }
      } else {
        for (int64_t n = n0; n < n1; ++n)
          for (int64_t c = c0; c < c1; ++c) {
            const float* row = xv + n * rowStride + c * g.s;
            float acc = 0.0f;
            for (int64_t s = 0; s < g.s; ++s) acc += row[s];
            sm[c - c0] += acc;
          }
      }
      for (int64_t c = c0; c < c1; ++c) mu[c] = sum[static_cast<std::size_t>(c - c0)] / static_cast<float>(m);
      std::fill(sum.begin(), sum.end(), 0.0f);
      if (g.s == 1) {
        for (int64_t n = n0; n < n1; ++n) {
          const float* __restrict xr = xv + n * rowStride + c0;
          const float* __restrict mr = mu + c0;
          for (int64_t j = 0; j < c1 - c0; ++j) sm[j] += (xr[j] - mr[j]) * (xr[j] - mr[j]);
        }
      } else {
        for (int64_t n = n0; n < n1; ++n)
          for (int64_t c = c0; c < c1; ++c) {
            const float* row = xv + n * rowStride + c * g.s;
            float acc = 0.0f;
            for (int64_t s = 0; s < g.s; ++s) acc += (row[s] - mu[c]) * (row[s] - mu[c]);
            sm[c - c0] += acc;
          }
      }
      for (int64_t c = c0; c < c1; ++c) {
        const float var = sum[static_cast<std::size_t>(c - c0)] / static_cast<float>(m);
        is[c] = 1.0f / std::sqrt(var + options.eps);
        const float unbiased = m > 1 ? var * static_cast<float>(m) / static_cast<float>(m - 1) : var;
        rm[c] = (1.0f - options.momentum) * rm[c] + options.momentum * mu[c];
        rv[c] = (1.0f - options.momentum) * rv[c] + options.momentum * unbiased;
      }
      normalize(n0, n1, c0, c1, mu, is);
    }
  });

  Variable y(yt, RequiresGrad::kYes);
  if (tape.recording()) {
    op->x = x;
    op->y = y;
    op->gamma = gamma;
    op->beta = beta;
    op->g = g;
    op->activation = options.activation;
    tape.push(std::move(op));
  }
  return y;
}

}  // namespace gaplab
