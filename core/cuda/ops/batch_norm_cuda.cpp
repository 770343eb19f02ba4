// core/cuda/ops/batch_norm_cuda.cpp — see batch_norm_cuda.h. Gamma and beta
// gradients accumulate (+=); the input gradient follows Variable::gradForWrite.
// The ReLU mask is applied when dy is read (y > 0), so y's gradient is left as it came.
#include "core/cuda/ops/batch_norm_cuda.h"

#include "core/cuda/kernels/batch_norm_kernels.h"

namespace gaplab::cuda {
namespace {

ChannelLayout layoutOf(const Tensor& x, int64_t ghostSize) {
  ChannelLayout l;
  l.n = x.dim(0);
  l.c = x.dim(1);
  l.s = x.rank() == 4 ? x.dim(2) * x.dim(3) : 1;
  l.ghost = ghostSize == 0 || ghostSize > l.n ? l.n : ghostSize;
  return l;
}

struct BatchNormCudaOp final : Op {
  Variable x, y;
  ParamView gamma, beta;
  ChannelLayout l;
  bool relu = false;
  Tensor mean, invStd;  // [ghosts, C] (cuda)

  const char* name() const override { return "batch_norm(cuda)"; }
  void forEachParameter(const ParamVisitor& visit) const override {
    visit(gamma);
    visit(beta);
  }

  // dy: [N, C(, H, W)] -> d = dy masked by y > 0 (ReLU) -> per ghost of m values: sumDy, sumDyXhat: [ghosts, C]
  // -> dgamma: [C] (+= sum d*xhat), dbeta: [C] (+= sum d), dx: same as x (=/+=)
  //    = gamma*invstd*(d - sumDy/m - xhat*sumDyXhat/m)
  void backward() override {
    if (!y.hasGrad()) return;
    const float* mask = relu ? y.value().data() : nullptr;
    Tensor sumDy = Tensor::empty({l.ghosts(), l.c}, Device::kCuda);
    Tensor sumDyXhat = Tensor::empty({l.ghosts(), l.c}, Device::kCuda);
    launchBatchNormBackwardSums(y.grad().data(), mask, x.value().data(), mean.data(), invStd.data(), sumDy.data(),
                                sumDyXhat.data(), l);
    launchBatchNormParamGrads(sumDy.data(), sumDyXhat.data(), gamma.grad(), beta.grad(), l.c, l.ghosts());
    if (!x.requiresGrad()) return;
    GradWrite mode;
    Tensor dx = x.gradForWrite(&mode);
    launchBatchNormInputGrad(y.grad().data(), mask, x.value().data(), mean.data(), invStd.data(), gamma.value(),
                             sumDy.data(), sumDyXhat.data(), dx.data(), l, 0.0f, mode == GradWrite::kAccumulate);
  }
};

}  // namespace

Variable batchNorm(Tape& tape, const Variable& x, const ParamView& gamma, const ParamView& beta,
                   const BufferView& runningMean, const BufferView& runningVar, const BatchNormOptions& options,
                   NormMode mode) {
  const Tensor& xt = x.value();
  const ChannelLayout l = layoutOf(xt, options.ghostSize);
  const bool relu = options.activation == FusedActivation::kRelu;
  Tensor yt = Tensor::empty(xt.shape(), Device::kCuda);
  if (mode == NormMode::kEval) {
    launchBatchNormNormalizeEval(xt.data(), yt.data(), runningMean.data(), runningVar.data(), gamma.value(),
                                 beta.value(), l, options.eps, relu);
    return Variable(yt, RequiresGrad::kNo);  // eval-mode BN is never differentiated (as on the CPU)
  }

  // Two passes per ghost batch (mean, then centred squares), then invStd, the
  // unbiased variance and the running statistics in ghost order.
  Tensor mean = Tensor::empty({l.ghosts(), l.c}, Device::kCuda);
  Tensor var = Tensor::empty({l.ghosts(), l.c}, Device::kCuda);
  Tensor invStd = Tensor::empty({l.ghosts(), l.c}, Device::kCuda);
  launchChannelMoments(xt.data(), nullptr, mean.data(), l, true);
  launchChannelMoments(xt.data(), mean.data(), var.data(), l, true);
  launchFinishBatchStats(var.data(), invStd.data(), l, options.eps);
  launchRunningStatsUpdate(mean.data(), var.data(), runningMean.data(), runningVar.data(), l.c, l.ghosts(),
                           options.momentum);
  launchBatchNormNormalize(xt.data(), yt.data(), mean.data(), invStd.data(), gamma.value(), beta.value(), l, relu);

  Variable y(yt, RequiresGrad::kYes);
  if (tape.recording()) {
    auto op = std::make_unique<BatchNormCudaOp>();
    op->x = x;
    op->y = y;
    op->gamma = gamma;
    op->beta = beta;
    op->l = l;
    op->relu = relu;
    op->mean = mean;
    op->invStd = invStd;
    tape.push(std::move(op));
  }
  return y;
}

}  // namespace gaplab::cuda
