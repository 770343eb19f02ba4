// core/optim/sgd.cpp — SGD update over the flat buffers (Eigen array maps).
#include "core/optim/sgd.h"

#include <cmath>

#include <Eigen/Core>

#if GAPLAB_HAVE_CUDA
#include "core/cuda/optim/optimizer_cuda.h"
#endif

namespace gaplab {
namespace {

using ArrayMap = Eigen::Map<Eigen::ArrayXf>;
using ConstArrayMap = Eigen::Map<const Eigen::ArrayXf>;

// One block; `keep` is 1 - lr*wd for decayed parameters and 1 otherwise, so
// decoupled decay uses the value before this step: p*(1 - lr*wd) - lr*update.
GAPLAB_ONE_COPY void sgdBlock(Momentum mode, float lr, float beta, float keep, float* value, float* buffer,
                              const float* grad, int64_t n) {
  ArrayMap p(value, n);
  ConstArrayMap g(grad, n);
  switch (mode) {
    case Momentum::kNone:
      p = keep * p - lr * g;
      break;
    case Momentum::kHeavyBall: {
      ArrayMap buf(buffer, n);
      buf = beta * buf + g;
      p = keep * p - lr * buf;
      break;
    }
    case Momentum::kNesterov: {
      ArrayMap buf(buffer, n);
      buf = beta * buf + g;
      p = keep * p - lr * (g + beta * buf);
      break;
    }
  }
}

}  // namespace

Sgd::Sgd(SgdOptions options) : options_(options) {
  if (!(options_.beta >= 0.0f && options_.beta < 1.0f)) {
    throw detail::invalidOption("sgd", "beta", options_.beta, "0 <= beta < 1");
  }
  if (!(std::isfinite(options_.weightDecay) && options_.weightDecay >= 0.0f)) {
    throw detail::invalidOption("sgd", "weightDecay", options_.weightDecay, "a finite value >= 0");
  }
}

void Sgd::step(ParameterArena& arena, float learningRate) {
  if (arena.device() == Device::kCuda) {
    stageStep(arena, learningRate);
    enqueueUpdate(arena);
    return;
  }
  checkStep(arena, learningRate);
  const float decayedScale = 1.0f - learningRate * options_.weightDecay;
  float* values = arena.values();
  const float* grads = arena.grads();
  float* buffer = options_.momentum == Momentum::kNone ? nullptr : arena.state(kMomentumState);
  detail::forEachDecaySegment(arena, 4, [&](int64_t begin, int64_t end, WeightDecay decay) {
    sgdBlock(options_.momentum, learningRate, options_.beta, decay == WeightDecay::kApply ? decayedScale : 1.0f,
             values + begin, buffer == nullptr ? nullptr : buffer + begin, grads + begin, end - begin);
  });
  ++stepCount_;
}

#if GAPLAB_HAVE_CUDA
void Sgd::stageDeviceStep(ParameterArena& arena, float learningRate, void* hostScalars) {
  cuda::stageSgd(arena, options_, learningRate, static_cast<cuda::DeviceSgdScalars*>(hostScalars));
}

void Sgd::enqueueDeviceUpdate(ParameterArena& arena, const void* deviceScalars) {
  cuda::enqueueSgd(arena, options_, static_cast<const cuda::DeviceSgdScalars*>(deviceScalars));
}
#endif

}  // namespace gaplab
