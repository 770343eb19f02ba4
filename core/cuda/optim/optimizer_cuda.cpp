// core/cuda/optim/optimizer_cuda.cpp — see optimizer_cuda.h. Host work per step
// (stage*): the scalars into the pinned block; for LAMB, the chunk table built
// and uploaded only when the arena's layout changes. Device work (enqueue*):
// the kernels alone, with no allocation and no host copy, so it can be captured
// in a CUDA graph; no step reads the device back.
#include "core/cuda/optim/optimizer_cuda.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/cuda/step_scalars.h"
#include "core/device_memory.h"

namespace gaplab::cuda {
namespace {

static_assert(sizeof(DeviceSgdScalars) <= StepScalars::kCapacity);
static_assert(sizeof(DeviceAdamWScalars) <= StepScalars::kCapacity);
static_assert(sizeof(DeviceLambScalars) <= StepScalars::kCapacity);

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

std::vector<LambWorkspace::ParamKey> layoutOf(const ParameterArena& arena) {
  std::vector<LambWorkspace::ParamKey> keys;
  keys.reserve(arena.params().size());
  for (const ParamInfo& p : arena.params()) keys.push_back({p.offset, p.numel, p.decay});
  return keys;
}

// The chunk table and the scratch of LAMB for the arena's current layout; the
// two small tables are uploaded here, once per layout, not per step.
void buildLambWorkspace(LambWorkspace& w, const ParameterArena& arena, float weightDecay) {
  const std::vector<ParamInfo>& params = arena.params();
  std::vector<LambChunk> chunks;
  std::vector<int64_t> paramChunkBegin(params.size() + 1, 0);
  for (std::size_t i = 0; i < params.size(); ++i) {
    paramChunkBegin[i] = static_cast<int64_t>(chunks.size());
    const float wd = params[i].decay == WeightDecay::kApply ? weightDecay : 0.0f;
    const int64_t stop = params[i].offset + params[i].numel;
    for (int64_t b = params[i].offset; b < stop; b += kLambChunk)
      chunks.push_back({b, std::min(b + kLambChunk, stop), static_cast<int32_t>(i), wd});
  }
  paramChunkBegin.back() = static_cast<int64_t>(chunks.size());

  LambWorkspace fresh;
  fresh.layout = layoutOf(arena);
  fresh.weightDecay = weightDecay;
  fresh.arenaSize = arena.size();
  fresh.numChunks = static_cast<int64_t>(chunks.size());
  fresh.numParams = static_cast<int64_t>(params.size());
  fresh.chunkTable = allocateDeviceBytes(chunks.size() * sizeof(LambChunk));
  fresh.chunkBegin = allocateDeviceBytes(paramChunkBegin.size() * sizeof(int64_t));
  // Pageable uploads, asynchronous on the compute stream: fine here, on the host
  // side of a step and outside any capture.
  if (!chunks.empty()) copyHostToDevice(fresh.chunkTable.get(), chunks.data(), chunks.size() * sizeof(LambChunk));
  copyHostToDevice(fresh.chunkBegin.get(), paramChunkBegin.data(), paramChunkBegin.size() * sizeof(int64_t));
  fresh.direction = allocateDeviceFloats(static_cast<std::size_t>(arena.size()));
  fresh.chunkSquares = allocateDeviceBytes(2 * chunks.size() * sizeof(double));
  fresh.scales = allocateDeviceBytes(params.size() * sizeof(float));
  fresh.ratios = allocateDeviceBytes(params.size() * sizeof(double));
  // The old buffers go back to the cache; the stream orders their reuse after
  // any step still reading them.
  w = std::move(fresh);
}

}  // namespace

void stageSgd(ParameterArena& arena, const SgdOptions& options, float learningRate, DeviceSgdScalars* host) {
  if (options.momentum != Momentum::kNone) arena.state(Sgd::kMomentumState);  // created here, not in a capture
  host->lr = learningRate;
  host->decayedKeep = 1.0f - learningRate * options.weightDecay;
}

void enqueueSgd(ParameterArena& arena, const SgdOptions& options, const DeviceSgdScalars* device) {
  float* values = arena.values();
  const float* grads = arena.grads();
  float* buffer = options.momentum == Momentum::kNone ? nullptr : arena.state(Sgd::kMomentumState);
  for (const detail::DecaySegment& seg : detail::decaySegments(arena)) {
    launchSgdUpdate(toDevice(options.momentum), device, options.beta, seg.decay == WeightDecay::kApply,
                    values + seg.begin, buffer == nullptr ? nullptr : buffer + seg.begin, grads + seg.begin,
                    seg.end - seg.begin);
  }
}

void stageDecoupledAdam(ParameterArena& arena, const detail::AdamStep& s, float weightDecay, float learningRate,
                        const char* firstState, const char* secondState, DeviceAdamWScalars* host) {
  arena.state(firstState);  // created here, not in a capture
  arena.state(secondState);
  host->adam = toDevice(s);
  host->decayedKeep = 1.0f - learningRate * weightDecay;
}

void enqueueDecoupledAdam(ParameterArena& arena, DeviceAdamVariant variant, const DeviceAdamWScalars* device,
                          const char* firstState, const char* secondState) {
  float* values = arena.values();
  const float* grads = arena.grads();
  float* first = arena.state(firstState);
  float* second = arena.state(secondState);
  for (const detail::DecaySegment& seg : detail::decaySegments(arena)) {
    launchAdamUpdate(variant, device, seg.decay == WeightDecay::kApply, values + seg.begin, first + seg.begin,
                     second + seg.begin, grads + seg.begin, seg.end - seg.begin);
  }
}

void stageLamb(LambWorkspace& workspace, ParameterArena& arena, const LambOptions& options,
               const detail::AdamStep& s, float learningRate, DeviceLambScalars* host) {
  if (workspace.arenaSize != arena.size() || workspace.weightDecay != options.weightDecay ||
      workspace.layout != layoutOf(arena)) {
    buildLambWorkspace(workspace, arena, options.weightDecay);
  }
  arena.state(Lamb::kFirstMomentState);  // created here, not in a capture
  arena.state(Lamb::kSecondMomentState);
  host->adam = toDevice(s);
  host->lr = learningRate;
}

void enqueueLamb(const LambWorkspace& workspace, ParameterArena& arena, const DeviceLambScalars* device) {
  const auto* table = static_cast<const LambChunk*>(workspace.chunkTable.get());
  auto* squares = static_cast<double*>(workspace.chunkSquares.get());
  auto* scale = static_cast<float*>(workspace.scales.get());
  float* values = arena.values();
  launchLambDirection(device, table, workspace.numChunks, values, arena.state(Lamb::kFirstMomentState),
                      arena.state(Lamb::kSecondMomentState), arena.grads(), workspace.direction.get(), squares);
  launchLambTrustRatios(squares, static_cast<const int64_t*>(workspace.chunkBegin.get()), workspace.numParams,
                        device, static_cast<double*>(workspace.ratios.get()), scale);
  launchLambApply(table, workspace.numChunks, scale, workspace.direction.get(), values);
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
