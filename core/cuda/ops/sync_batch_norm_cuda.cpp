// core/cuda/ops/sync_batch_norm_cuda.cpp — see sync_batch_norm_cuda.h. The same
// kernels as BatchNorm with one "ghost" = the local batch; the global statistics
// are finished on the host in double exactly as the CPU op does. Gamma and beta
// gradients accumulate the LOCAL sums (+=); dx follows Variable::gradForWrite.
#include "core/cuda/ops/sync_batch_norm_cuda.h"

#include <cmath>
#include <vector>

#include "core/cuda/kernels/batch_norm_kernels.h"
#include "core/device_memory.h"

namespace gaplab::cuda {
namespace {

// Device -> host, sum over ranks, host -> device, for `count` floats at `device`.
void sumOverRanks(RankSum& ranks, float* device, int64_t count, std::vector<float>& host) {
  host.resize(static_cast<std::size_t>(count));
  copyDeviceToHost(host.data(), device, host.size() * sizeof(float));
  ranks.sumInPlace(host.data(), count);
  copyHostToDevice(device, host.data(), host.size() * sizeof(float));
}

struct SyncBatchNormCudaOp final : Op {
  Variable x, y;
  ParamView gamma, beta;
  ChannelLayout l;
  bool relu = false;
  Tensor mean, invStd;  // [C] (cuda), global statistics
  double globalCount = 0.0;
  RankSum* ranks = nullptr;

  const char* name() const override { return "sync_batch_norm(cuda)"; }
  void forEachParameter(const ParamVisitor& visit) const override {
    visit(gamma);
    visit(beta);
  }

  // dy: [N, C(, H, W)] -> d = dy masked by y > 0 (ReLU) -> local sums [sum d | sum d*xhat]: [2, C]
  // -> dgamma: [C] (+= local sum d*xhat), dbeta: [C] (+= local sum d); sums over ranks (host) ->
  // dx (=/+=) = gamma*invstd*(d - sum_g(d)/M - xhat*sum_g(d*xhat)/M), M values over all ranks
  void backward() override {
    if (!y.hasGrad()) return;
    const float* mask = relu ? y.value().data() : nullptr;
    // Zeros, not empty: with no local rows the sum kernels write nothing, and the
    // sums still go to the other ranks and into dgamma / dbeta.
    Tensor sums = Tensor::zeros({2, l.c}, Device::kCuda);
    float* sumDy = sums.data();
    float* sumDyXhat = sums.data() + l.c;
    launchBatchNormBackwardSums(y.grad().data(), mask, x.value().data(), mean.data(), invStd.data(), sumDy, sumDyXhat,
                                l);
    launchBatchNormParamGrads(sumDy, sumDyXhat, gamma.grad(), beta.grad(), l.c, 1);
    if (!x.requiresGrad()) return;  // as on the CPU: no collective then
    std::vector<float> host;
    sumOverRanks(*ranks, sums.data(), 2 * l.c, host);
    GradWrite mode;
    Tensor dx = x.gradForWrite(&mode);
    launchBatchNormInputGrad(y.grad().data(), mask, x.value().data(), mean.data(), invStd.data(), gamma.value(),
                             sumDy, sumDyXhat, dx.data(), l, static_cast<float>(globalCount),
                             mode == GradWrite::kAccumulate);
  }
};

}  // namespace

Variable syncBatchNorm(Tape& tape, const Variable& x, const ParamView& gamma, const ParamView& beta,
                       const BufferView& runningMean, const BufferView& runningVar, const BatchNormOptions& options,
                       RankSum& ranks) {
  const Tensor& xt = x.value();
  ChannelLayout l;
  l.n = xt.dim(0);
  l.c = xt.dim(1);
  l.s = xt.rank() == 4 ? xt.dim(2) * xt.dim(3) : 1;
  l.ghost = l.n;
  const std::size_t c = static_cast<std::size_t>(l.c);

  // Pass 1: global mean. The local value count travels with the sums.
  // Zeros, not empty: a rank with no local rows (the sum kernels write nothing)
  // still contributes its sums to the other ranks, as on the CPU.
  Tensor deviceSums = Tensor::zeros({l.c}, Device::kCuda);
  launchChannelMoments(xt.data(), nullptr, deviceSums.data(), l, false);
  std::vector<float> sums(c + 1);
  if (l.c > 0) copyDeviceToHost(sums.data(), deviceSums.data(), c * sizeof(float));
  sums[c] = static_cast<float>(l.n * l.s);
  ranks.sumInPlace(sums.data(), l.c + 1);
  const double count = sums[c];
  std::vector<float> mean(c);
  for (std::size_t k = 0; k < c; ++k) mean[k] = static_cast<float>(sums[k] / count);
  Tensor meanT = Tensor::fromVector({l.c}, mean, Device::kCuda);

  // Pass 2: global variance around the global mean.
  launchChannelMoments(xt.data(), meanT.data(), deviceSums.data(), l, false);
  if (l.c > 0) copyDeviceToHost(sums.data(), deviceSums.data(), c * sizeof(float));
  ranks.sumInPlace(sums.data(), l.c);
  std::vector<float> invStd(c), unbiasedVar(c);
  for (std::size_t k = 0; k < c; ++k) {
    const double var = sums[k] / count;
    invStd[k] = static_cast<float>(1.0 / std::sqrt(var + options.eps));
    unbiasedVar[k] = static_cast<float>(count > 1 ? var * count / (count - 1) : var);
  }
  Tensor invStdT = Tensor::fromVector({l.c}, invStd, Device::kCuda);
  Tensor unbiasedT = Tensor::fromVector({l.c}, unbiasedVar, Device::kCuda);
  launchRunningStatsUpdate(meanT.data(), unbiasedT.data(), runningMean.data(), runningVar.data(), l.c, 1,
                           options.momentum);

  const bool relu = options.activation == FusedActivation::kRelu;
  Tensor yt = Tensor::empty(xt.shape(), Device::kCuda);
  launchBatchNormNormalize(xt.data(), yt.data(), meanT.data(), invStdT.data(), gamma.value(), beta.value(), l, relu);

  Variable y(yt, RequiresGrad::kYes);
  if (tape.recording()) {
    auto op = std::make_unique<SyncBatchNormCudaOp>();
    op->x = x;
    op->y = y;
    op->gamma = gamma;
    op->beta = beta;
    op->l = l;
    op->relu = relu;
    op->mean = meanT;
    op->invStd = invStdT;
    op->globalCount = count;
    op->ranks = &ranks;
    tape.push(std::move(op));
  }
  return y;
}

}  // namespace gaplab::cuda
