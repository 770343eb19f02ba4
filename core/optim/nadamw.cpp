// core/optim/nadamw.cpp — the NAdamW update over the flat buffers (Eigen array maps).
#include "core/optim/nadamw.h"

#include <array>

#include <Eigen/Core>

#include "core/optim/adam_moments.h"

#if GAPLAB_HAVE_CUDA
#include "core/cuda/optim/optimizer_cuda.h"
#endif

namespace gaplab {
namespace {

using ArrayMap = Eigen::Map<Eigen::ArrayXf>;
using ConstArrayMap = Eigen::Map<const Eigen::ArrayXf>;

// One block; `keep` is 1 - lr*wd for decayed parameters and 1 otherwise, which
// equals p -= lr*(u + wd*p) with p the value before the step.
GAPLAB_ONE_COPY void nadamwBlock(const detail::AdamStep& s, float keep, float* value, float* first, float* second,
                                 const float* grad, int64_t n) {
  ArrayMap p(value, n), m(first, n), v(second, n);
  ConstArrayMap g(grad, n);
  m = s.beta1 * m + (1.0f - s.beta1) * g;
  v = s.beta2 * v + (1.0f - s.beta2) * g.square();
  // The Nesterov look-ahead: the moment as it would be after one more step with g.
  alignas(64) std::array<float, detail::kBlock> root;
  detail::blockSqrt(second, n, root.data());
  p = keep * p - s.stepSize * (s.beta1 * m + (1.0f - s.beta1) * g) /
                     (ConstArrayMap(root.data(), n) / s.biasCorrection2Sqrt + s.eps);
}

}  // namespace

NAdamW::NAdamW(NAdamWOptions options) : options_(options) {
  detail::checkAdamOptions("nadamw", options_.beta1, options_.beta2, options_.eps, options_.weightDecay);
}

void NAdamW::step(ParameterArena& arena, float learningRate) {
  if (arena.device() == Device::kCuda) {
    stageStep(arena, learningRate);
    enqueueUpdate(arena);
    return;
  }
  checkStep(arena, learningRate);
  ++stepCount_;
  detail::decoupledAdamStep(arena, options_.beta1, options_.beta2, options_.eps, options_.weightDecay, learningRate,
                            stepCount_, kFirstMomentState, kSecondMomentState, 14, nadamwBlock);
}

#if GAPLAB_HAVE_CUDA
void NAdamW::stageDeviceStep(ParameterArena& arena, float learningRate, void* hostScalars) {
  cuda::stageDecoupledAdam(arena,
                           detail::adamStep(options_.beta1, options_.beta2, options_.eps, learningRate, stepCount_),
                           options_.weightDecay, learningRate, kFirstMomentState, kSecondMomentState,
                           static_cast<cuda::DeviceAdamWScalars*>(hostScalars));
}

void NAdamW::enqueueDeviceUpdate(ParameterArena& arena, const void* deviceScalars) {
  cuda::enqueueDecoupledAdam(arena, cuda::DeviceAdamVariant::kNAdamW,
                             static_cast<const cuda::DeviceAdamWScalars*>(deviceScalars), kFirstMomentState,
                             kSecondMomentState);
}
#endif

}  // namespace gaplab
