// core/ops/activation_math.cpp — the vectorised GELU of activation_math.h.
#include "core/ops/activation_math.h"

#include <algorithm>

#include <Eigen/Core>
#include <unsupported/Eigen/SpecialFunctions>

namespace gaplab::detail {
namespace {

constexpr int64_t kChunk = 16;
using Chunk = Eigen::Array<float, kChunk, 1>;
constexpr float kInvSqrt2 = 0.70710678118654752f;
constexpr float kInvSqrt2Pi = 0.39894228040143268f;

Chunk loadChunk(const float* p, int64_t count) {
  if (count == kChunk) return Eigen::Map<const Chunk>(p);
  Chunk c = Chunk::Zero();
  std::copy(p, p + count, c.data());
  return c;
}

void storeChunk(const Chunk& c, float* p, int64_t count) {
  if (count == kChunk) {
    Eigen::Map<Chunk> dst(p);
    dst = c;
  } else {
    std::copy(c.data(), c.data() + count, p);
  }
}

}  // namespace

void geluArray(const float* in, float* out, float* grad, int64_t n) {
  for (int64_t i = 0; i < n; i += kChunk) {
    const int64_t count = std::min(kChunk, n - i);
    const Chunk x = loadChunk(in + i, count);
    const Chunk cdf = 0.5f * (1.0f + (x * kInvSqrt2).erf());
    if (grad) storeChunk(cdf + x * (kInvSqrt2Pi * (-0.5f * x.square()).exp()), grad + i, count);
    storeChunk(x * cdf, out + i, count);
  }
}

void geluBackwardInPlace(const float* pre, float* dy, int64_t n) {
  for (int64_t i = 0; i < n; i += kChunk) {
    const int64_t count = std::min(kChunk, n - i);
    const Chunk x = loadChunk(pre + i, count);
    const Chunk cdf = 0.5f * (1.0f + (x * kInvSqrt2).erf());
    storeChunk(loadChunk(dy + i, count) * (cdf + x * (kInvSqrt2Pi * (-0.5f * x.square()).exp())), dy + i, count);
  }
}

void swigluArray(const float* a, const float* b, float* h, int64_t n) {
  for (int64_t i = 0; i < n; i += kChunk) {
    const int64_t count = std::min(kChunk, n - i);
    const Chunk g = loadChunk(a + i, count);
    const Chunk s = (1.0f + (-g).exp()).inverse();
    storeChunk(g * s * loadChunk(b + i, count), h + i, count);
  }
}

void swigluBackwardArray(const float* a, const float* b, const float* dh, float* da, float* db, int64_t n) {
  for (int64_t i = 0; i < n; i += kChunk) {
    const int64_t count = std::min(kChunk, n - i);
    const Chunk g = loadChunk(a + i, count);
    const Chunk u = loadChunk(b + i, count);
    const Chunk d = loadChunk(dh + i, count);
    const Chunk s = (1.0f + (-g).exp()).inverse();
    storeChunk(d * u * s * (1.0f + g * (1.0f - s)), da + i, count);
    storeChunk(d * g * s, db + i, count);
  }
}

}  // namespace gaplab::detail
