// core/cuda/kernels/batch_norm_kernels.h — the pieces of BatchNorm, Ghost
// BatchNorm (core/ops/batch_norm.h) and synchronised BatchNorm
// (core/ops/sync_batch_norm.h) on the GPU: per-(ghost, channel) sums, the
// statistics and running-stat update, the normalisation with optional ReLU, and
// the backward sums and gradients. Launchers take device pointers and use the
// compute stream. Arrays of statistics are [ghosts, C], ghost-major.
#pragma once

#include <cstdint>

namespace gaplab::cuda {

// x: [n, c, s] (s = H*W, 1 for [N, C]); ghost batches of `ghost` examples (the
// last may be shorter); ghost == n is plain BatchNorm.
struct ChannelLayout {
  int64_t n = 0, c = 0, s = 1, ghost = 0;
  int64_t ghosts() const { return ghost > 0 ? (n + ghost - 1) / ghost : 0; }
};

// out[k, c] = sum over ghost k of x (mean == nullptr) or of (x - mean[k, c])^2,
// divided by the ghost's value count ((rows of the ghost) * s) when `average`.
void launchChannelMoments(const float* x, const float* mean, float* out, const ChannelLayout& l, bool average);

// var[k, c] (biased) -> invStd[k, c] = 1 / sqrt(var + eps); var becomes the
// unbiased variance var * m / (m - 1) (m = the ghost's value count; var when m == 1).
void launchFinishBatchStats(float* var, float* invStd, const ChannelLayout& l, float eps);

// For k = 0 .. ghosts-1 in order: running = (1 - momentum) running + momentum batch[k] (mean and variance).
void launchRunningStatsUpdate(const float* mean, const float* unbiasedVar, float* runningMean, float* runningVar,
                              int64_t channels, int64_t ghosts, float momentum);

// y = (x - mean[k, c]) invStd[k, c] gamma[c] + beta[c] (ReLU after when `relu`), k = the example's ghost.
void launchBatchNormNormalize(const float* x, float* y, const float* mean, const float* invStd, const float* gamma,
                              const float* beta, const ChannelLayout& l, bool relu);
// The same with the running statistics: invStd = 1 / sqrt(runningVar + eps).
void launchBatchNormNormalizeEval(const float* x, float* y, const float* runningMean, const float* runningVar,
                                  const float* gamma, const float* beta, const ChannelLayout& l, float eps, bool relu);

// With d = dy masked by y > 0 when yForRelu is not null (else d = dy):
// sumDy[k, c] = sum d, sumDyXhat[k, c] = sum d (x - mean[k, c]) invStd[k, c], over ghost k.
void launchBatchNormBackwardSums(const float* dy, const float* yForRelu, const float* x, const float* mean,
                                 const float* invStd, float* sumDy, float* sumDyXhat, const ChannelLayout& l);

// dgamma[c] += sumDyXhat[k, c], dbeta[c] += sumDy[k, c], for k in ghost order.
void launchBatchNormParamGrads(const float* sumDy, const float* sumDyXhat, float* dgamma, float* dbeta,
                               int64_t channels, int64_t ghosts);

// dx (= or +=) gamma invStd (d - sumDy/m - (x - mean) invStd sumDyXhat/m), d as above; m = `count` when
// count > 0 (synchronised BatchNorm: the global value count), else the ghost's own value count.
void launchBatchNormInputGrad(const float* dy, const float* yForRelu, const float* x, const float* mean,
                              const float* invStd, const float* gamma, const float* sumDy, const float* sumDyXhat,
                              float* dx, const ChannelLayout& l, float count, bool accumulate);

}  // namespace gaplab::cuda
