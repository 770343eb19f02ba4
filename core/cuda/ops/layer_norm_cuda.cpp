// core/cuda/ops/layer_norm_cuda.cpp — see layer_norm_cuda.h. Parameter
// gradients accumulate (+=); the input gradient follows Variable::gradForWrite.
//
// Unlike the CPU op, which keeps x̂ [rows, D], forward saves only the row mean
// and 1/σ ([rows] each) and backward recomputes x̂ from the saved input.
#include "core/cuda/ops/layer_norm_cuda.h"

#include "core/cuda/kernels/layer_norm_kernels.h"

namespace gaplab::cuda {
namespace {

struct NormCudaOp final : Op {
  DeviceNorm kind = DeviceNorm::kLayer;
  Variable x, y;
  ParamView gamma, beta;
  Tensor mean;  // [rows], kLayer only
  Tensor rstd;  // [rows] 1/sqrt(var + eps) or 1/sqrt(mean(x^2) + eps)
  int64_t rows = 0, d = 0;

  const char* name() const override { return kind == DeviceNorm::kLayer ? "layerNorm(cuda)" : "rmsNorm(cuda)"; }
  void forEachParameter(const ParamVisitor& visit) const override {
    visit(gamma);
    visit(beta);
  }

  // dy: [rows, D] -> dx: [rows, D] (=/+=), dgamma: [D] (+= sum_rows dy * x̂), dbeta: [D] (+= sum_rows dy)
  void backward() override {
    if (!y.hasGrad()) return;
    const float* xv = x.value().data();
    const float* dy = y.grad().data();
    const float* mu = mean.defined() ? mean.data() : nullptr;
    launchNormParamGrads(xv, dy, mu, rstd.data(), gamma.grad(), beta.defined() ? beta.grad() : nullptr, rows, d);
    if (!x.requiresGrad()) return;
    GradWrite mode;
    Tensor dx = x.gradForWrite(&mode);
    launchNormBackwardInput(xv, dy, gamma.value(), mu, rstd.data(), dx.data(), rows, d, kind,
                            mode == GradWrite::kAccumulate);
  }
};

Variable normalize(Tape& tape, DeviceNorm kind, const Variable& x, const ParamView& gamma, const ParamView& beta,
                   float eps) {
  const Tensor& xv = x.value();
  const int64_t d = xv.dim(-1);
  const int64_t rows = xv.numel() / d;
  const bool keep = tape.recording();
  Tensor yv = Tensor::empty(xv.shape(), Device::kCuda);
  Tensor mean = keep && kind == DeviceNorm::kLayer ? Tensor::empty({rows}, Device::kCuda) : Tensor();
  Tensor rstd = keep ? Tensor::empty({rows}, Device::kCuda) : Tensor();
  launchNormForward(xv.data(), gamma.value(), beta.defined() ? beta.value() : nullptr, yv.data(),
                    mean.defined() ? mean.data() : nullptr, rstd.defined() ? rstd.data() : nullptr, rows, d, eps,
                    kind);

  Variable y(yv, x.requiresGrad() || tape.recording() ? RequiresGrad::kYes : RequiresGrad::kNo);
  if (keep) {
    auto op = std::make_unique<NormCudaOp>();
    op->kind = kind;
    op->x = x;
    op->y = y;
    op->gamma = gamma;
    op->beta = beta;
    op->mean = mean;
    op->rstd = rstd;
    op->rows = rows;
    op->d = d;
    tape.push(std::move(op));
  }
  return y;
}

}  // namespace

Variable layerNorm(Tape& tape, const Variable& x, const ParamView& gamma, const ParamView& beta, float eps) {
  return normalize(tape, DeviceNorm::kLayer, x, gamma, beta, eps);
}

Variable rmsNorm(Tape& tape, const Variable& x, const ParamView& gamma, float eps) {
  return normalize(tape, DeviceNorm::kRms, x, gamma, ParamView(), eps);
}

}  // namespace gaplab::cuda
