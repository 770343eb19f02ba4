// core/ops/swiglu.cpp — one row-parallel pass each way; see swiglu.h.
//
// Backward recomputes sigmoid(a) from the saved input instead of keeping it:
//   da = dy * b * sigmoid(a) * (1 + a * (1 - sigmoid(a))),  db = dy * silu(a).
// Rows go in chunks of kChunk through Eigen's vectorised exp and the tail through
// std::exp, so each value depends on its position in the row only, never on the
// row's address or the thread count.
#include "core/ops/swiglu.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "core/ops/parallel.h"

namespace gaplab {
namespace {

constexpr int kChunk = 8;
using Chunk = Eigen::Array<float, kChunk, 1>;
using ChunkMap = Eigen::Map<Chunk>;
using ConstChunkMap = Eigen::Map<const Chunk>;

inline float sigmoid(float a) { return 1.0f / (1.0f + std::exp(-a)); }
inline Chunk sigmoid(const Chunk& a) { return (1.0f + (-a).exp()).inverse(); }

// V is float (row tails) or Chunk (the rest of the row).
template <class V>
V swigluValue(const V& a, const V& b) {
  return a * sigmoid(a) * b;
}

template <class V>
void swigluGrad(const V& a, const V& b, const V& g, V& da, V& db) {
  const V s = sigmoid(a);
  da = g * b * s * (1.0f + a * (1.0f - s));
  db = g * a * s;
}

struct SwigluOp final : Op {
  Variable x, y;
  int64_t rows, hidden;  // x is [rows, 2 * hidden]

  const char* name() const override { return "swiglu"; }

  // dy: [rows, H] -> dx: [rows, 2H] (=/+=), da = dy * b * s * (1 + a * (1 - s)), db = dy * a * s, s = sigmoid(a)
  void backward() override {
    if (!y.hasGrad() || !x.requiresGrad()) return;
    const float* xv = x.value().data();
    const float* dy = y.grad().data();
    GradWrite mode;
    Tensor dxT = x.gradForWrite(&mode);
    float* dx = dxT.data();
    const int64_t h = hidden;
    detail::parallelChunks(rows, 8 * h, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const float* a = xv + r * 2 * h;
        const float* b = a + h;
        const float* g = dy + r * h;
        float* da = dx + r * 2 * h;
        float* db = da + h;
        int64_t j = 0;
        for (; j + kChunk <= h; j += kChunk) {
          Chunk gradA, gradB;
          swigluGrad<Chunk>(ConstChunkMap(a + j), ConstChunkMap(b + j), ConstChunkMap(g + j), gradA, gradB);
          if (mode == GradWrite::kAssign) {
            ChunkMap(da + j) = gradA;
            ChunkMap(db + j) = gradB;
          } else {
            ChunkMap(da + j) += gradA;
            ChunkMap(db + j) += gradB;
          }
        }
        for (; j < h; ++j) {
          float gradA, gradB;
          swigluGrad<float>(a[j], b[j], g[j], gradA, gradB);
          da[j] = mode == GradWrite::kAssign ? gradA : da[j] + gradA;
          db[j] = mode == GradWrite::kAssign ? gradB : db[j] + gradB;
        }
      }
    });
  }
};

}  // namespace

Variable swiglu(Tape& tape, const Variable& x) {
  if (!x.defined()) throw std::invalid_argument("swiglu: input variable is undefined");
  const Tensor& xv = x.value();
  if (xv.rank() < 1)
    throw std::invalid_argument("swiglu: input " + shapeToString(xv.shape()) + " has no last axis, expected [..., 2H]");
  const int64_t width = xv.dim(-1);
  if (width % 2 != 0)
    throw std::invalid_argument("swiglu: input " + shapeToString(xv.shape()) + " has an odd last axis " +
                                std::to_string(width) + ", expected [..., 2H] = [a | b]");
  const int64_t h = width / 2;
  const int64_t rows = width == 0 ? 0 : xv.numel() / width;
  Shape yShape = xv.shape();
  yShape.back() = h;
  Tensor yv = Tensor::empty(yShape);
  const float* in = xv.data();
  float* out = yv.data();
  detail::parallelChunks(rows, 4 * h, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* a = in + r * 2 * h;
      const float* b = a + h;
      float* o = out + r * h;
      int64_t j = 0;
      for (; j + kChunk <= h; j += kChunk)
        ChunkMap(o + j) = swigluValue<Chunk>(ConstChunkMap(a + j), ConstChunkMap(b + j));
      for (; j < h; ++j) o[j] = swigluValue<float>(a[j], b[j]);
    }
  });

  Variable y(yv, x.requiresGrad() || tape.recording() ? RequiresGrad::kYes : RequiresGrad::kNo);
  if (tape.recording()) {
    auto op = std::make_unique<SwigluOp>();
    op->x = x;
    op->y = y;
    op->rows = rows;
    op->hidden = h;
    tape.push(std::move(op));
  }
  return y;
}

}  // namespace gaplab
