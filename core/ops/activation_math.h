// core/ops/activation_math.h — scalar GELU and its derivative, shared by the
// standalone activation ops and the fused linear op so both agree exactly.
#pragma once

#include <cmath>

namespace gaplab::detail {

// Exact GELU, x * Phi(x), as PyTorch's default F.gelu.
inline float gelu(float x) { return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f)); }

// d/dx [x Phi(x)] = Phi(x) + x phi(x)
inline float geluGrad(float x) {
  const float cdf = 0.5f * (1.0f + std::erf(x * 0.70710678118654752f));
  const float pdf = 0.39894228040143268f * std::exp(-0.5f * x * x);
  return cdf + x * pdf;
}

}  // namespace gaplab::detail
