// core/cuda/kernels/layer_norm_kernels.h — launchers of the LayerNorm/RMSNorm
// kernels: forward with saved row statistics, the input gradient, and the
// deterministic two-pass column sums of the gamma/beta gradients. Plain
// pointers (device memory) and int64_t only; every launch goes on the compute stream.
#pragma once

#include <cstdint>

namespace gaplab::cuda {

// kLayer centres each row (mean, biased variance); kRms only scales by 1/rms.
enum class DeviceNorm { kLayer, kRms };

// x, y: [rows, d]  gamma: [d]  beta: [d] or null  ->  y = x̂ * gamma (+ beta), x̂ = (x - mean) * rstd.
// mean and rstd ([rows]) receive the row statistics when not null (mean is not
// written for kRms, where it is 0).
void launchNormForward(const float* x, const float* gamma, const float* beta, float* y, float* mean, float* rstd,
                       int64_t rows, int64_t d, float eps, DeviceNorm kind);

// dx (= or += when accumulate) rstd * (g - mean(g) - x̂ * mean(g * x̂)), g = dy * gamma;
// mean(g) is dropped for kRms. mean may be null for kRms.
void launchNormBackwardInput(const float* x, const float* dy, const float* gamma, const float* mean,
                             const float* rstd, float* dx, int64_t rows, int64_t d, DeviceNorm kind, bool accumulate);

// dgamma[j] += sum_r dy[r, j] * x̂[r, j];  dbeta[j] += sum_r dy[r, j] when dbeta is not null.
// Per-block partial sums over fixed row chunks, then one pass adding the chunks
// in order: the result does not depend on scheduling.
void launchNormParamGrads(const float* x, const float* dy, const float* mean, const float* rstd, float* dgamma,
                          float* dbeta, int64_t rows, int64_t d);

}  // namespace gaplab::cuda
