// core/ops/layer_norm.cpp — row-parallel normalisation with saved x̂ and 1/σ; see layer_norm.h.
//
// Both norms keep the normalised input x̂ and the per-row reciprocal scale from
// forward, so backward is two row reductions and one elementwise pass:
//   LayerNorm: dx = rstd * (g - mean(g) - x̂ * mean(g * x̂)),  g = dy * gamma
//   RMSNorm:   dx = rrms * (g - x̂ * mean(g * x̂))
// Parameter gradients are column sums over rows, split by columns across threads
// so each column is summed by one thread in row order (deterministic).
#include "core/ops/layer_norm.h"

#include <cmath>
#include <stdexcept>
#include <vector>

#include "core/ops/parallel.h"
#include "core/ops/reduce_math.h"
#if GAPLAB_HAVE_CUDA
#include "core/cuda/ops/layer_norm_cuda.h"
#endif

namespace gaplab {
namespace {

enum class NormKind { kLayer, kRms };

const char* normName(NormKind kind) { return kind == NormKind::kLayer ? "layerNorm" : "rmsNorm"; }

void checkNormParam(const ParamView& p, int64_t d, NormKind kind, const char* role, const Shape& xShape) {
  if (p.info().shape != Shape{d})
    throw std::invalid_argument(std::string(normName(kind)) + ": " + role + " '" + p.info().name + "' has shape " +
                                shapeToString(p.info().shape) + ", expected [" + std::to_string(d) +
                                "] for input " + shapeToString(xShape));
}

struct NormOp final : Op {
  NormKind kind;
  Variable x, y;
  ParamView gamma, beta;
  Tensor xhat;  // [rows, D] normalised input
  Tensor rstd;  // [rows] 1/sqrt(var + eps) or 1/sqrt(mean(x^2) + eps)
  int64_t rows, d;

  const char* name() const override { return normName(kind); }
  void forEachParameter(const ParamVisitor& visit) const override {
    visit(gamma);
    visit(beta);
  }

  // dy: [rows, D] -> dx: [rows, D] (=/+=), dgamma: [D] (+= sum_rows dy * x̂), dbeta: [D] (+= sum_rows dy)
  void backward() override {
    if (!y.hasGrad()) return;
    const float* dy = y.grad().data();
    const float* xh = xhat.data();
    const float* g = gamma.value();

    std::vector<float> dGamma(static_cast<std::size_t>(d), 0.0f), dBeta(static_cast<std::size_t>(d), 0.0f);
    const bool withBeta = beta.defined();
    detail::parallelChunks(d, rows, [&](int64_t j0, int64_t j1) {
      for (int64_t r = 0; r < rows; ++r) {
        const float* dyRow = dy + r * d;
        const float* xhRow = xh + r * d;
        for (int64_t j = j0; j < j1; ++j) dGamma[j] += dyRow[j] * xhRow[j];
        if (withBeta)
          for (int64_t j = j0; j < j1; ++j) dBeta[j] += dyRow[j];
      }
    });
    float* gGrad = gamma.grad();
    for (int64_t j = 0; j < d; ++j) gGrad[j] += dGamma[j];
    if (withBeta) {
      float* bGrad = beta.grad();
      for (int64_t j = 0; j < d; ++j) bGrad[j] += dBeta[j];
    }

    if (!x.requiresGrad()) return;
    GradWrite mode;
    Tensor dxT = x.gradForWrite(&mode);
    float* dx = dxT.data();
    const float* rs = rstd.data();
    const float invD = 1.0f / static_cast<float>(d);
    const bool centre = kind == NormKind::kLayer;
    detail::parallelChunks(rows, 6 * d, [&](int64_t r0, int64_t r1) {
      std::vector<float> gy(static_cast<std::size_t>(d));
      for (int64_t r = r0; r < r1; ++r) {
        const float* dyRow = dy + r * d;
        const float* xhRow = xh + r * d;
        float* dxRow = dx + r * d;
        for (int64_t j = 0; j < d; ++j) gy[j] = dyRow[j] * g[j];
        const float meanG = centre ? detail::laneSum(gy.data(), d) * invD : 0.0f;
        const float meanGx = detail::laneDot(gy.data(), xhRow, d) * invD;
        const float s = rs[r];
        if (mode == GradWrite::kAssign) {
          for (int64_t j = 0; j < d; ++j) dxRow[j] = s * (gy[j] - meanG - xhRow[j] * meanGx);
        } else {
          for (int64_t j = 0; j < d; ++j) dxRow[j] += s * (gy[j] - meanG - xhRow[j] * meanGx);
        }
      }
    });
  }
};

Variable normalize(Tape& tape, NormKind kind, const Variable& x, const ParamView& gamma, const ParamView& beta,
                   float eps) {
  if (!x.defined()) throw std::invalid_argument(std::string(normName(kind)) + ": input variable is undefined");
  const Tensor& xv = x.value();
  if (xv.rank() < 1 || xv.dim(-1) < 1)
    throw std::invalid_argument(std::string(normName(kind)) + ": input " + shapeToString(xv.shape()) +
                                " has no last dimension to normalise");
  if (!gamma.defined()) throw std::invalid_argument(std::string(normName(kind)) + ": gamma is undefined");
  const int64_t d = xv.dim(-1);
  const int64_t rows = xv.numel() / d;
  checkNormParam(gamma, d, kind, "gamma", xv.shape());
  if (beta.defined()) checkNormParam(beta, d, kind, "beta", xv.shape());
  requireSameDevice(xv, gamma, normName(kind));
  requireSameDevice(xv, beta, normName(kind));
#if GAPLAB_HAVE_CUDA
  if (xv.device() == Device::kCuda)
    return kind == NormKind::kLayer ? cuda::layerNorm(tape, x, gamma, beta, eps) : cuda::rmsNorm(tape, x, gamma, eps);
#endif

  const bool keep = tape.recording();
  Tensor yv = Tensor::empty(xv.shape());
  Tensor xhat = keep ? Tensor::empty({rows, d}) : Tensor();
  Tensor rstd = keep ? Tensor::empty({rows}) : Tensor();
  const float* in = xv.data();
  float* out = yv.data();
  const float* g = gamma.value();
  const float* b = beta.defined() ? beta.value() : nullptr;
  const float invD = 1.0f / static_cast<float>(d);
  detail::parallelChunks(rows, 4 * d, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* xRow = in + r * d;
      float* yRow = out + r * d;
      float mean = 0.0f, scale;
      if (kind == NormKind::kLayer) {
        mean = detail::laneSum(xRow, d) * invD;
        scale = 1.0f / std::sqrt(detail::laneCenteredSquares(xRow, mean, d) * invD + eps);
      } else {
        scale = 1.0f / std::sqrt(detail::laneDot(xRow, xRow, d) * invD + eps);
      }
      // yRow holds x̂ first, then gets the affine map applied in place.
      for (int64_t j = 0; j < d; ++j) yRow[j] = (xRow[j] - mean) * scale;
      if (keep) {
        std::copy(yRow, yRow + d, xhat.data() + r * d);
        rstd.data()[r] = scale;
      }
      if (b) {
        for (int64_t j = 0; j < d; ++j) yRow[j] = yRow[j] * g[j] + b[j];
      } else {
        for (int64_t j = 0; j < d; ++j) yRow[j] *= g[j];
      }
    }
  });

  Variable y(yv, x.requiresGrad() || tape.recording() ? RequiresGrad::kYes : RequiresGrad::kNo);
  if (keep) {
    auto op = std::make_unique<NormOp>();
    op->kind = kind;
    op->x = x;
    op->y = y;
    op->gamma = gamma;
    op->beta = beta;
    op->xhat = xhat;
    op->rstd = rstd;
    op->rows = rows;
    op->d = d;
    tape.push(std::move(op));
  }
  return y;
}

}  // namespace

Variable layerNorm(Tape& tape, const Variable& x, const ParamView& gamma, const ParamView& beta, float eps) {
  return normalize(tape, NormKind::kLayer, x, gamma, beta, eps);
}

Variable rmsNorm(Tape& tape, const Variable& x, const ParamView& gamma, float eps) {
  return normalize(tape, NormKind::kRms, x, gamma, ParamView(), eps);
}

}  // namespace gaplab
