// core/cuda/optim/optimizer_cuda.cpp — see optimizer_cuda.h. Host work per step:
// the decay segments (a handful) and, for LAMB, a table of fixed-size chunks of
// each tensor uploaded with one asynchronous copy; no step reads the device back.
#include "core/cuda/optim/optimizer_cuda.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/device_memory.h"

namespace gaplab::cuda {
namespace {

DeviceMomentum toDevice(Momentum m) {
  switch (m) {
    case Momentum::kHeavyBall: return DeviceMomentum::kHeavyBall;
    case Momentum::kNesterov: return DeviceMomentum::kNesterov;
    case Momentum::kNone: break;
  }
  return DeviceMomentum::kNone;
}

DeviceAdamScalars toDevice(const detail::AdamStep& s) {
  DeviceAdamScalars d;
  d.beta1 = s.beta1;
  d.beta2 = s.beta2;
  d.eps = s.eps;
  d.invBiasCorrection1 = s.invBiasCorrection1;
  d.biasCorrection2Sqrt = s.biasCorrection2Sqrt;
  d.stepSize = s.stepSize;
  return d;
}

}  // namespace

void sgdStep(ParameterArena& arena, const SgdOptions& options, float learningRate) {
  const float decayedScale = 1.0f - learningRate * options.weightDecay;
  float* values = arena.values();
  const float* grads = arena.grads();
  float* buffer = options.momentum == Momentum::kNone ? nullptr : arena.state(Sgd::kMomentumState);
  for (const detail::DecaySegment& seg : detail::decaySegments(arena)) {
    launchSgdUpdate(toDevice(options.momentum), learningRate, options.beta,
                    seg.decay == WeightDecay::kApply ? decayedScale : 1.0f, values + seg.begin,
                    buffer == nullptr ? nullptr : buffer + seg.begin, grads + seg.begin, seg.end - seg.begin);
  }
}

void decoupledAdamStep(ParameterArena& arena, DeviceAdamVariant variant, const detail::AdamStep& s,
                       float weightDecay, float learningRate, const char* firstState, const char* secondState) {
  const DeviceAdamScalars scalars = toDevice(s);
  const float decayedScale = 1.0f - learningRate * weightDecay;
  float* values = arena.values();
  const float* grads = arena.grads();
  float* first = arena.state(firstState);
  float* second = arena.state(secondState);
  for (const detail::DecaySegment& seg : detail::decaySegments(arena)) {
    launchAdamUpdate(variant, scalars, seg.decay == WeightDecay::kApply ? decayedScale : 1.0f, values + seg.begin,
                     first + seg.begin, second + seg.begin, grads + seg.begin, seg.end - seg.begin);
  }
}

std::shared_ptr<void> lambStep(ParameterArena& arena, const LambOptions& options, const detail::AdamStep& s,
                               float learningRate) {
  const std::vector<ParamInfo>& params = arena.params();
  const auto numParams = static_cast<int64_t>(params.size());
  std::vector<LambChunk> chunks;
  std::vector<int64_t> paramChunkBegin(params.size() + 1, 0);
  for (std::size_t i = 0; i < params.size(); ++i) {
    paramChunkBegin[i] = static_cast<int64_t>(chunks.size());
    const float wd = params[i].decay == WeightDecay::kApply ? options.weightDecay : 0.0f;
    const int64_t stop = params[i].offset + params[i].numel;
    for (int64_t b = params[i].offset; b < stop; b += kLambChunk)
      chunks.push_back({b, std::min(b + kLambChunk, stop), static_cast<int32_t>(i), wd});
  }
  paramChunkBegin.back() = static_cast<int64_t>(chunks.size());
  const auto numChunks = static_cast<int64_t>(chunks.size());

  const std::shared_ptr<void> chunkTable = allocateDeviceBytes(chunks.size() * sizeof(LambChunk));
  const std::shared_ptr<void> chunkBegin = allocateDeviceBytes(paramChunkBegin.size() * sizeof(int64_t));
  copyHostToDevice(chunkTable.get(), chunks.data(), chunks.size() * sizeof(LambChunk));
  copyHostToDevice(chunkBegin.get(), paramChunkBegin.data(), paramChunkBegin.size() * sizeof(int64_t));
  const std::shared_ptr<float> direction = allocateDeviceFloats(static_cast<std::size_t>(arena.size()));
  const std::shared_ptr<void> chunkSquares = allocateDeviceBytes(2 * chunks.size() * sizeof(double));
  const std::shared_ptr<void> scales = allocateDeviceBytes(params.size() * sizeof(float));
  std::shared_ptr<void> ratios = allocateDeviceBytes(params.size() * sizeof(double));

  const auto* table = static_cast<const LambChunk*>(chunkTable.get());
  auto* squares = static_cast<double*>(chunkSquares.get());
  auto* scale = static_cast<float*>(scales.get());
  float* values = arena.values();
  launchLambDirection(toDevice(s), table, numChunks, values, arena.state(Lamb::kFirstMomentState),
                      arena.state(Lamb::kSecondMomentState), arena.grads(), direction.get(), squares);
  launchLambTrustRatios(squares, static_cast<const int64_t*>(chunkBegin.get()), numParams, learningRate,
                        static_cast<double*>(ratios.get()), scale);
  launchLambApply(table, numChunks, scale, direction.get(), values);
  // The scratch buffers go back to the cache here; the stream orders their reuse.
  return ratios;
}

double globalGradNorm(const ParameterArena& arena) {
  const std::shared_ptr<void> sum = allocateDeviceBytes(sizeof(double));
  launchSumOfSquares(arena.grads(), arena.size(), static_cast<double*>(sum.get()));
  double host = 0.0;
  copyDeviceToHost(&host, sum.get(), sizeof(double));
  return std::sqrt(host);
}

double clipGradNorm(ParameterArena& arena, double maxNorm) {
  const std::shared_ptr<void> sum = allocateDeviceBytes(sizeof(double));
  auto* sumOfSquares = static_cast<double*>(sum.get());
  launchSumOfSquares(arena.grads(), arena.size(), sumOfSquares);
  launchClipByNorm(arena.grads(), arena.size(), sumOfSquares, maxNorm);
  double host = 0.0;
  copyDeviceToHost(&host, sumOfSquares, sizeof(double));
  return std::sqrt(host);
}

}  // namespace gaplab::cuda
