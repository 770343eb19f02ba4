// core/ops/attention.cpp — per-(batch, head) small GEMMs over strided views; see attention.h.
//
// Each (batch, head) pair is one unit of work for one thread, so every output
// element is computed by one thread in a fixed order. Inside a pair, queries go
// in blocks of kBlock rows: a block only needs the keys up to its last row, so
// the products skip most of the masked upper triangle. Forward keeps the
// softmax probabilities P (zero above the diagonal) for backward.
#include "core/ops/attention.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/ops/parallel.h"
#include "core/ops/reduce_math.h"
#if GAPLAB_HAVE_CUDA
#include "core/cuda/ops/attention_cuda.h"
#endif

namespace gaplab {
namespace {

using RowMajorMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using StridedMap = Eigen::Map<RowMajorMatrix, Eigen::Unaligned, Eigen::OuterStride<>>;
using ConstStridedMap = Eigen::Map<const RowMajorMatrix, Eigen::Unaligned, Eigen::OuterStride<>>;

constexpr int64_t kBlock = 32;  // query rows (or key rows, in dK and dV) per product
constexpr int kExpChunk = 8;    // exp goes through Eigen's vectorised kernel in chunks of this size

// The layout of one call: qkv [B, T, 3*D], y [B, T, D], P [B, heads, T, T].
struct Geometry {
  int64_t batch = 0, seq = 0, width = 0, heads = 0, headDim = 0;
  float scale = 1.0f;  // 1 / sqrt(headDim)

  enum class Part { kQuery = 0, kKey = 1, kValue = 2 };
  int64_t pairs() const { return batch * heads; }
  // Offsets of pair = b * heads + h: its head inside row t = 0 of qkv, y, and its P.
  int64_t qkvOffset(int64_t pair, Part part) const {
    return (pair / heads) * seq * 3 * width + static_cast<int64_t>(part) * width + (pair % heads) * headDim;
  }
  int64_t yOffset(int64_t pair) const { return (pair / heads) * seq * width + (pair % heads) * headDim; }
  int64_t probsOffset(int64_t pair) const { return pair * seq * seq; }
};

ConstStridedMap view(const float* data, int64_t rows, int64_t cols, int64_t stride) {
  return ConstStridedMap(data, rows, cols, Eigen::OuterStride<>(stride));
}
StridedMap view(float* data, int64_t rows, int64_t cols, int64_t stride) {
  return StridedMap(data, rows, cols, Eigen::OuterStride<>(stride));
}

// dst = e or dst += e, as gradForWrite asked.
template <class Dst, class Expr>
void writeGrad(Dst&& dst, const Expr& e, GradWrite mode) {
  if (mode == GradWrite::kAssign) dst.noalias() = e;
  else dst.noalias() += e;
}

// row[0..n) = softmax(row[0..n)), row[n..end) = 0. The exp of a full chunk uses
// Eigen's vectorised kernel and the tail std::exp, so each value depends on n and
// its position only, never on where the row lives.
void causalSoftmaxRow(float* row, int64_t n, int64_t end) {
  const float mx = Eigen::Map<const Eigen::ArrayXf>(row, n).maxCoeff();
  using Chunk = Eigen::Array<float, kExpChunk, 1>;
  int64_t j = 0;
  for (; j + kExpChunk <= n; j += kExpChunk) {
    Eigen::Map<Chunk> c(row + j);
    c = (c - mx).exp();
  }
  for (; j < n; ++j) row[j] = std::exp(row[j] - mx);
  const float inv = 1.0f / detail::laneSum(row, n);
  for (j = 0; j < n; ++j) row[j] *= inv;
  std::fill(row + n, row + end, 0.0f);
}

// One pair: P = softmax(scale * q k^T, causal), y = P v. `probs` is that pair's [T, T].
void forwardPair(const Geometry& g, const float* qkv, float* y, float* probs, int64_t pair) {
  const int64_t T = g.seq, dh = g.headDim, ld = 3 * g.width;
  const ConstStridedMap q = view(qkv + g.qkvOffset(pair, Geometry::Part::kQuery), T, dh, ld);
  const ConstStridedMap k = view(qkv + g.qkvOffset(pair, Geometry::Part::kKey), T, dh, ld);
  const ConstStridedMap v = view(qkv + g.qkvOffset(pair, Geometry::Part::kValue), T, dh, ld);
  StridedMap out = view(y + g.yOffset(pair), T, dh, g.width);
  for (int64_t r0 = 0; r0 < T; r0 += kBlock) {
    const int64_t r1 = std::min(r0 + kBlock, T), rows = r1 - r0;
    // Rows r0..r1 see keys 0..r1 at most; the rest of their P rows is zero.
    StridedMap s = view(probs + r0 * T, rows, r1, T);
    s.noalias() = g.scale * q.middleRows(r0, rows) * k.topRows(r1).transpose();
    for (int64_t t = r0; t < r1; ++t) causalSoftmaxRow(probs + t * T, t + 1, T);
    out.middleRows(r0, rows).noalias() = s * v.topRows(r1);
  }
}

// One pair's backward (see CausalSelfAttentionOp::backward). `ds` is [T, T] scratch.
void backwardPair(const Geometry& g, const float* qkv, const float* probs, const float* dy, float* dqkv, float* ds,
                  GradWrite mode, int64_t pair) {
  const int64_t T = g.seq, dh = g.headDim, ld = 3 * g.width;
  using Part = Geometry::Part;
  const ConstStridedMap q = view(qkv + g.qkvOffset(pair, Part::kQuery), T, dh, ld);
  const ConstStridedMap k = view(qkv + g.qkvOffset(pair, Part::kKey), T, dh, ld);
  const ConstStridedMap v = view(qkv + g.qkvOffset(pair, Part::kValue), T, dh, ld);
  const ConstStridedMap dY = view(dy + g.yOffset(pair), T, dh, g.width);
  StridedMap dQ = view(dqkv + g.qkvOffset(pair, Part::kQuery), T, dh, ld);
  StridedMap dK = view(dqkv + g.qkvOffset(pair, Part::kKey), T, dh, ld);
  StridedMap dV = view(dqkv + g.qkvOffset(pair, Part::kValue), T, dh, ld);

  // Query blocks: dP = dY V^T, then dS in place, then dQ = scale * dS K.
  for (int64_t r0 = 0; r0 < T; r0 += kBlock) {
    const int64_t r1 = std::min(r0 + kBlock, T), rows = r1 - r0;
    StridedMap dS = view(ds + r0 * T, rows, r1, T);
    dS.noalias() = dY.middleRows(r0, rows) * v.topRows(r1).transpose();
    for (int64_t t = r0; t < r1; ++t) {
      float* d = ds + t * T;
      const float* p = probs + t * T;
      const float c = detail::laneDot(d, p, t + 1);
      for (int64_t j = 0; j <= t; ++j) d[j] = p[j] * (d[j] - c);
      std::fill(d + t + 1, d + r1, 0.0f);  // masked: the key blocks below read up to r1
    }
    writeGrad(dQ.middleRows(r0, rows), g.scale * dS * k.topRows(r1), mode);
  }
  // Key blocks: keys c0..c1 are seen by queries c0..T only; dS is complete from here on.
  const float* dSAll = ds;
  for (int64_t c0 = 0; c0 < T; c0 += kBlock) {
    const int64_t c1 = std::min(c0 + kBlock, T), cols = c1 - c0, n = T - c0;
    const ConstStridedMap dSCols = view(dSAll + c0 * T + c0, n, cols, T);
    const ConstStridedMap pCols = view(probs + c0 * T + c0, n, cols, T);
    writeGrad(dK.middleRows(c0, cols), g.scale * dSCols.transpose() * q.middleRows(c0, n), mode);
    writeGrad(dV.middleRows(c0, cols), pCols.transpose() * dY.middleRows(c0, n), mode);
  }
}

struct CausalSelfAttentionOp final : Op {
  Variable qkv, y;
  Tensor probs;  // [B, heads, T, T] softmax probabilities, zero above the diagonal
  Geometry geometry;

  const char* name() const override { return "causal_self_attention"; }

  // dy: [B, T, D] -> d(qkv): [B, T, 3*D] (=/+=). Per (b, h), with P: [T, T] and
  // Q, K, V, dY: [T, dh] (head h of batch b):
  //   dV = P^T dY                      [T, dh]
  //   dP = dY V^T                      [T, T]
  //   dS = P * (dP - rowsum(dP * P))   [T, T], causal part only (zero above the diagonal)
  //   dQ = dS K * scale, dK = dS^T Q * scale   [T, dh]
  void backward() override {
    if (!y.hasGrad() || !qkv.requiresGrad()) return;
    const Geometry& g = geometry;
    GradWrite mode;
    Tensor dqkvT = qkv.gradForWrite(&mode);
    float* dqkv = dqkvT.data();
    const float* x = qkv.value().data();
    const float* dy = y.grad().data();
    const float* p = probs.data();
    detail::parallelChunks(g.pairs(), 4 * g.seq * g.seq * g.headDim, [&](int64_t p0, int64_t p1) {
      std::vector<float> ds(static_cast<std::size_t>(g.seq * g.seq));
      for (int64_t pair = p0; pair < p1; ++pair)
        backwardPair(g, x, p + g.probsOffset(pair), dy, dqkv, ds.data(), mode, pair);
    });
  }
};

Geometry checkedGeometry(const Variable& qkv, int64_t heads) {
  if (!qkv.defined()) throw std::invalid_argument("causalSelfAttention: qkv variable is undefined");
  const Shape& s = qkv.shape();
  if (s.size() != 3)
    throw std::invalid_argument("causalSelfAttention: qkv " + shapeToString(s) + " has rank " +
                                std::to_string(s.size()) + ", expected [B, T, 3*D]");
  if (s[0] < 1 || s[1] < 1 || s[2] < 3)
    throw std::invalid_argument("causalSelfAttention: qkv " + shapeToString(s) +
                                " is empty, expected [B, T, 3*D] with B, T, D >= 1");
  if (s[2] % 3 != 0)
    throw std::invalid_argument("causalSelfAttention: qkv " + shapeToString(s) + " has a last axis of " +
                                std::to_string(s[2]) + ", not divisible by 3 (expected [q | k | v], 3*D)");
  const int64_t d = s[2] / 3;
  if (heads < 1 || d % heads != 0)
    throw std::invalid_argument("causalSelfAttention: D = " + std::to_string(d) +
                                " is not divisible by heads = " + std::to_string(heads) + " (qkv " +
                                shapeToString(s) + ")");
  Geometry g;
  g.batch = s[0];
  g.seq = s[1];
  g.width = d;
  g.heads = heads;
  g.headDim = d / heads;
  g.scale = 1.0f / std::sqrt(static_cast<float>(g.headDim));
  return g;
}

}  // namespace

Variable causalSelfAttention(Tape& tape, const Variable& qkv, int64_t heads) {
  const Geometry g = checkedGeometry(qkv, heads);
#if GAPLAB_HAVE_CUDA
  if (qkv.value().device() == Device::kCuda) return cuda::causalSelfAttention(tape, qkv, heads);
#endif
  const bool keep = tape.recording();
  Tensor yv = Tensor::empty({g.batch, g.seq, g.width});
  Tensor probs = keep ? Tensor::empty({g.batch, g.heads, g.seq, g.seq}) : Tensor();
  const float* x = qkv.value().data();
  float* out = yv.data();
  detail::parallelChunks(g.pairs(), 2 * g.seq * g.seq * g.headDim, [&](int64_t p0, int64_t p1) {
    // Without a tape, P lives in one [T, T] scratch per chunk and is dropped.
    std::vector<float> scratch(keep ? 0 : static_cast<std::size_t>(g.seq * g.seq));
    for (int64_t pair = p0; pair < p1; ++pair)
      forwardPair(g, x, out, keep ? probs.data() + g.probsOffset(pair) : scratch.data(), pair);
  });

  Variable y(yv, qkv.requiresGrad() || tape.recording() ? RequiresGrad::kYes : RequiresGrad::kNo);
  if (keep) {
    auto op = std::make_unique<CausalSelfAttentionOp>();
    op->qkv = qkv;
    op->y = y;
    op->probs = probs;
    op->geometry = g;
    tape.push(std::move(op));
  }
  return y;
}

}  // namespace gaplab
