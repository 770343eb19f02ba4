// core/cuda/ops/attention_cuda.cpp — see attention_cuda.h. No parameters; the
// qkv gradient follows Variable::gradForWrite.
//
// As PyTorch's math path does: one permute kernel copies qkv [B, T, 3, H, dh]
// into heads-major q, k, v [3, B, H, T, dh], so every (batch, head) pair is a
// contiguous [T, dh] matrix and each product of the op is ONE strided-batched
// cuBLAS call over all B*H pairs (under bf16 autocast each operand is then
// converted once, with no gaps between heads). The products run over the full
// [T, T] score matrices (the masked upper triangle is computed and then
// overwritten with zeros): simple and correct first; a fused kernel that skips
// it is a later optimisation. Forward keeps P [B, H, T, T] for backward;
// backward recomputes the heads-major q, k, v from qkv with the same permute
// (one cheap kernel, instead of keeping a second copy of qkv alive between
// forward and backward). Every output element is written by one thread or one
// cuBLAS product: no atomics, deterministic.
#include "core/cuda/ops/attention_cuda.h"

#include <cmath>

#include "core/cuda/device_gemm.h"
#include "core/cuda/kernels/attention_kernels.h"

namespace gaplab::cuda {
namespace {

// The layout of one call: qkv [B, T, 3*D], y [B, T, D], P [B, heads, T, T]; the
// heads-major scratch [3, B, heads, T, dh] holds q, k, v (or their gradients).
struct Geometry {
  int64_t batch = 0, seq = 0, width = 0, heads = 0, headDim = 0;
  float scale = 1.0f;  // 1 / sqrt(headDim)

  int64_t pairs() const { return batch * heads; }
  int64_t headStride() const { return seq * headDim; }  // between pairs in [., B, H, T, dh]
  int64_t partStride() const { return pairs() * headStride(); }  // between q, k and v
  HeadsLayout qkvLayout() const { return {batch, seq, 3, heads, headDim}; }
  HeadsLayout yLayout() const { return {batch, seq, 1, heads, headDim}; }
};

// q, k, v (or dq, dk, dv) of all pairs: [3, B, H, T, dh], contiguous.
struct HeadsScratch {
  Tensor storage;
  explicit HeadsScratch(const Geometry& g)
      : storage(Tensor::empty({3, g.batch, g.heads, g.seq, g.headDim}, Device::kCuda)) {}
  float* part(const Geometry& g, int p) { return storage.data() + p * g.partStride(); }
};

// S = scale * Q K^T and friends: row-major C = op(A) op(B) per pair, all pairs in
// one call. Every operand here is a contiguous [rows, cols] matrix per pair, so
// its leading dimension is cols and its pair stride rows * cols.
void pairProducts(Transpose ta, Transpose tb, int64_t m, int64_t n, int64_t k, const float* a, const float* b, float* c,
                  const Geometry& g, float alpha = 1.0f) {
  const int64_t lda = ta == Transpose::kNo ? k : m, ldb = tb == Transpose::kNo ? n : k;
  deviceGemmStridedBatched(ta, tb, m, n, k, a, lda, m * k, b, ldb, k * n, c, n, m * n, g.pairs(), GemmWrite::kAssign,
                           alpha);
}

struct CausalSelfAttentionCudaOp final : Op {
  Variable qkv, y;
  Tensor probs;  // [B, heads, T, T] softmax probabilities, zero above the diagonal
  Geometry geometry;

  const char* name() const override { return "causal_self_attention(cuda)"; }

  // dy: [B, T, D] -> d(qkv): [B, T, 3*D] (=/+=). Per (b, h), with P: [T, T] and
  // Q, K, V, dY: [T, dh] (head h of batch b), all B*H pairs in one call each:
  //   dV = P^T dY                      [T, dh]
  //   dP = dY V^T                      [T, T]
  //   dS = P * (dP - rowsum(dP * P))   [T, T], causal part only (zero above the diagonal)
  //   dQ = dS K * scale, dK = dS^T Q * scale   [T, dh]
  // into a heads-major [3, B, H, T, dh] gradient, then one permute into d(qkv).
  void backward() override {
    if (!y.hasGrad() || !qkv.requiresGrad()) return;
    const Geometry& g = geometry;
    const int64_t T = g.seq, dh = g.headDim;
    GradWrite mode;
    Tensor dqkv = qkv.gradForWrite(&mode);

    HeadsScratch x(g), dx(g);
    launchSplitHeads(qkv.value().data(), x.storage.data(), g.qkvLayout());
    const float *q = x.part(g, 0), *k = x.part(g, 1), *v = x.part(g, 2);
    Tensor dyHeads = Tensor::empty({g.batch, g.heads, T, dh}, Device::kCuda);  // [B, H, T, dh]
    launchSplitHeads(y.grad().data(), dyHeads.data(), g.yLayout());
    const float* dY = dyHeads.data();
    const float* p = probs.data();
    Tensor ds = Tensor::empty({g.batch, g.heads, T, T}, Device::kCuda);  // dP, then dS in place

    // dV[T, dh] = P^T dY
    pairProducts(Transpose::kYes, Transpose::kNo, T, dh, T, p, dY, dx.part(g, 2), g);
    // dP[T, T] = dY V^T, then dS in place
    pairProducts(Transpose::kNo, Transpose::kYes, T, T, dh, dY, v, ds.data(), g);
    launchCausalSoftmaxBackward(p, T * T, ds.data(), T * T, g.pairs(), T);
    // dQ[T, dh] = scale * dS K
    pairProducts(Transpose::kNo, Transpose::kNo, T, dh, T, ds.data(), k, dx.part(g, 0), g, g.scale);
    // dK[T, dh] = scale * dS^T Q
    pairProducts(Transpose::kYes, Transpose::kNo, T, dh, T, ds.data(), q, dx.part(g, 1), g, g.scale);

    // d(qkv) (=/+=) the three gradients back in the packed layout; the permute
    // writes every element of d(qkv), so kAssign fills the uninitialised buffer.
    launchMergeHeads(dx.storage.data(), dqkv.data(), g.qkvLayout(), mode == GradWrite::kAccumulate);
  }
};

}  // namespace

Variable causalSelfAttention(Tape& tape, const Variable& qkv, int64_t heads) {
  const Shape& s = qkv.shape();
  Geometry g;
  g.batch = s[0];
  g.seq = s[1];
  g.width = s[2] / 3;
  g.heads = heads;
  g.headDim = g.width / heads;
  g.scale = 1.0f / std::sqrt(static_cast<float>(g.headDim));
  const int64_t T = g.seq, dh = g.headDim;

  const bool keep = tape.recording();
  HeadsScratch x(g);
  launchSplitHeads(qkv.value().data(), x.storage.data(), g.qkvLayout());
  const float *q = x.part(g, 0), *k = x.part(g, 1), *v = x.part(g, 2);
  // P is [B, H, T, T] with or without a tape (one product covers every pair);
  // without one it is dropped at the end of the call.
  Tensor probs = Tensor::empty({g.batch, heads, T, T}, Device::kCuda);
  // S[T, T] = scale * Q K^T, then P = causal softmax(S) in place, row by row over all pairs
  pairProducts(Transpose::kNo, Transpose::kYes, T, T, dh, q, k, probs.data(), g, g.scale);
  launchCausalSoftmax(probs.data(), g.pairs(), T * T, T);
  // O[T, dh] = P V, into q's slot of the scratch (the product reads P and v only;
  // q is not needed after S), then permuted into y [B, T, D].
  float* o = x.part(g, 0);
  pairProducts(Transpose::kNo, Transpose::kNo, T, dh, T, probs.data(), v, o, g);
  Tensor yv = Tensor::empty({g.batch, T, g.width}, Device::kCuda);
  launchMergeHeads(o, yv.data(), g.yLayout(), false);

  Variable y(yv, qkv.requiresGrad() || tape.recording() ? RequiresGrad::kYes : RequiresGrad::kNo);
  if (keep) {
    auto op = std::make_unique<CausalSelfAttentionCudaOp>();
    op->qkv = qkv;
    op->y = y;
    op->probs = probs;
    op->geometry = g;
    tape.push(std::move(op));
  }
  return y;
}

}  // namespace gaplab::cuda
