// core/ops/activation_math.h — GELU and SwiGLU with their derivatives, shared by the
// activation and SwiGLU ops, the fused linear op and the MoE experts so that all of
// them agree exactly.
//
// The array forms are vectorised with Eigen in fixed 16-wide chunks (the tail is
// padded to a full chunk), so an element's value depends neither on its position
// nor on the buffer's alignment: deterministic, and ~30x faster than scalar erf.
// The scalar forms are the reference the tests compare against.
#pragma once

#include <cmath>
#include <cstdint>

namespace gaplab::detail {

// Exact GELU, x * Phi(x), as PyTorch's default F.gelu.
inline float gelu(float x) { return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f)); }

// d/dx [x Phi(x)] = Phi(x) + x phi(x)
inline float geluGrad(float x) {
  const float cdf = 0.5f * (1.0f + std::erf(x * 0.70710678118654752f));
  const float pdf = 0.39894228040143268f * std::exp(-0.5f * x * x);
  return cdf + x * pdf;
}

// out[i] = gelu(in[i]) (in and out may alias); grad[i] = gelu'(in[i]) when grad != nullptr.
void geluArray(const float* in, float* out, float* grad, int64_t n);
// dy[i] *= gelu'(pre[i]).
void geluBackwardInPlace(const float* pre, float* dy, int64_t n);

// h[i] = silu(a[i]) * b[i], silu(a) = a sigmoid(a) (SwiGLU: a is the gate, b the up projection).
void swigluArray(const float* a, const float* b, float* h, int64_t n);
// da[i] = dh b s (1 + a (1 - s)), db[i] = dh a s with s = sigmoid(a[i]); da/db may alias a/b.
void swigluBackwardArray(const float* a, const float* b, const float* dh, float* da, float* db, int64_t n);

}  // namespace gaplab::detail
