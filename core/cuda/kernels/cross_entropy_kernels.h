// core/cuda/kernels/cross_entropy_kernels.h — the fused softmax + cross-entropy
// of core/ops/cross_entropy.h on the GPU: one warp per row forward (max with
// its first arg-max, sum of exponentials, probabilities, the row's losses), one
// reduction to the mean loss, and the elementwise backward (p - q) * dloss / N.
// Launchers take device pointers and use the compute stream.
#pragma once

#include <cstdint>

namespace gaplab::cuda {

// Per row r of logits [rows, classes]: probs[r, :] = softmax(logits[r, :]);
// rowNll[r] = logZ - z[label]; rowSmooth[r] = (1 - eps) rowNll + eps (logZ - mean z);
// rowCorrect[r] = 1 when the first arg-max equals the label, else 0.
void launchCrossEntropyRows(const float* logits, const int32_t* labels, float* probs, double* rowNll,
                            double* rowSmooth, double* rowCorrect, int64_t rows, int64_t classes, float smoothing);

// loss[0] = (float)(sum rowSmooth / rows); when stats is not null, stats[0] = sum rowNll and
// stats[1] = sum rowCorrect (one block, summed in double).
void launchCrossEntropyReduce(const double* rowNll, const double* rowSmooth, const double* rowCorrect, int64_t rows,
                              float* loss, double* stats);

// dlogits[r, k] (= or +=) dloss[0] / rows * (probs[r, k] - q[r, k]), q = (1 - eps) onehot + eps / classes.
void launchCrossEntropyBackward(const float* probs, const int32_t* labels, const float* dloss, float* dlogits,
                                int64_t rows, int64_t classes, float smoothing, bool accumulate);

}  // namespace gaplab::cuda
