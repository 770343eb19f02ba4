// core/optim/sgd.cpp — SGD update over the flat buffers (Eigen array maps).
#include "core/optim/sgd.h"

#include <cmath>

#include <Eigen/Core>

namespace gaplab {
namespace {
using ArrayMap = Eigen::Map<Eigen::ArrayXf>;
using ConstArrayMap = Eigen::Map<const Eigen::ArrayXf>;
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
  checkStep(arena, learningRate);
  const float lr = learningRate;
  const float beta = options_.beta;
  const Momentum mode = options_.momentum;
  const float decayedScale = 1.0f - lr * options_.weightDecay;
  float* values = arena.values();
  const float* grads = arena.grads();
  float* buffer = mode == Momentum::kNone ? nullptr : arena.state(kMomentumState);

  detail::forEachDecaySegment(arena, 4, [&](int64_t begin, int64_t end, WeightDecay decay) {
    const int64_t n = end - begin;
    ArrayMap p(values + begin, n);
    ConstArrayMap g(grads + begin, n);
    // Decoupled decay uses the value before this step: p*(1 - lr*wd) - lr*update.
    const float keep = decay == WeightDecay::kApply ? decayedScale : 1.0f;
    switch (mode) {
      case Momentum::kNone:
        p = keep * p - lr * g;
        break;
      case Momentum::kHeavyBall: {
        ArrayMap buf(buffer + begin, n);
        buf = beta * buf + g;
        p = keep * p - lr * buf;
        break;
      }
      case Momentum::kNesterov: {
        ArrayMap buf(buffer + begin, n);
        buf = beta * buf + g;
        p = keep * p - lr * (g + beta * buf);
        break;
      }
    }
  });
  ++stepCount_;
}

}  // namespace gaplab
