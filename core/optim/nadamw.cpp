// core/optim/nadamw.cpp — the NAdamW update over the flat buffers (Eigen array maps).
#include "core/optim/nadamw.h"

#include <Eigen/Core>

#include "core/optim/adam_moments.h"

namespace gaplab {
namespace {
using ArrayMap = Eigen::Map<Eigen::ArrayXf>;
using ConstArrayMap = Eigen::Map<const Eigen::ArrayXf>;
}  // namespace

NAdamW::NAdamW(NAdamWOptions options) : options_(options) {
  detail::checkAdamOptions("nadamw", options_.beta1, options_.beta2, options_.eps, options_.weightDecay);
}

void NAdamW::step(ParameterArena& arena, float learningRate) {
  checkStep(arena, learningRate);
  ++stepCount_;
  const detail::AdamScalars s = detail::adamScalars(options_.beta1, options_.beta2, stepCount_);
  const float b1 = options_.beta1, b2 = options_.beta2, eps = options_.eps;
  const float stepSize = static_cast<float>(learningRate / s.biasCorrection1);
  const float bc2Sqrt = s.biasCorrection2Sqrt;
  const float decayedScale = 1.0f - learningRate * options_.weightDecay;
  float* values = arena.values();
  const float* grads = arena.grads();
  float* first = arena.state(kFirstMomentState);
  float* second = arena.state(kSecondMomentState);

  detail::forEachDecaySegment(arena, 14, [&](int64_t begin, int64_t end, WeightDecay decay) {
    const int64_t n = end - begin;
    ArrayMap p(values + begin, n), m(first + begin, n), v(second + begin, n);
    ConstArrayMap g(grads + begin, n);
    const float keep = decay == WeightDecay::kApply ? decayedScale : 1.0f;
    m = b1 * m + (1.0f - b1) * g;
    v = b2 * v + (1.0f - b2) * g.square();
    // The Nesterov look-ahead: the moment as it would be after one more step with g.
    p = keep * p - stepSize * (b1 * m + (1.0f - b1) * g) / (v.sqrt() / bc2Sqrt + eps);
  });
}

}  // namespace gaplab
