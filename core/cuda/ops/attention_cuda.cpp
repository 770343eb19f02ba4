// core/cuda/ops/attention_cuda.cpp — see attention_cuda.h. No parameters; the
// qkv gradient follows Variable::gradForWrite.
//
// Heads are read in place, as on the CPU: head h of q in batch b is the [T, dh]
// matrix at qkv + b*T*3D + h*dh with row stride 3D. One strided-batched product
// per head covers all B batches (batch stride T*3D), so a call is H products
// plus one softmax kernel, with no split or transpose copies. The products run
// over the full [T, T] score matrices (the masked upper triangle is computed and
// then overwritten with zeros): simple and correct first; a fused kernel that
// skips it is a later optimisation. Forward keeps P [B, H, T, T] for backward;
// without a tape it uses one [B, T, T] scratch for all heads (the compute
// stream orders the heads).
#include "core/cuda/ops/attention_cuda.h"

#include <cmath>

#include "core/cuda/device_gemm.h"
#include "core/cuda/kernels/attention_kernels.h"

namespace gaplab::cuda {
namespace {

// The layout of one call: qkv [B, T, 3*D], y [B, T, D], P [B, heads, T, T].
struct Geometry {
  int64_t batch = 0, seq = 0, width = 0, heads = 0, headDim = 0;
  float scale = 1.0f;  // 1 / sqrt(headDim)

  int64_t qkvLd() const { return 3 * width; }
  int64_t qkvBatchStride() const { return seq * 3 * width; }
  // Head h of q (part 0), k (part 1) or v (part 2) in batch 0, row 0.
  int64_t qkvOffset(int part, int64_t h) const { return part * width + h * headDim; }
  int64_t yBatchStride() const { return seq * width; }
  int64_t probsBatchStride() const { return heads * seq * seq; }  // between batches, same head
};

struct CausalSelfAttentionCudaOp final : Op {
  Variable qkv, y;
  Tensor probs;  // [B, heads, T, T] softmax probabilities, zero above the diagonal
  Geometry geometry;

  const char* name() const override { return "causal_self_attention(cuda)"; }

  // dy: [B, T, D] -> d(qkv): [B, T, 3*D] (=/+=). Per (b, h), with P: [T, T] and
  // Q, K, V, dY: [T, dh] (head h of batch b):
  //   dV = P^T dY                      [T, dh]
  //   dP = dY V^T                      [T, T]
  //   dS = P * (dP - rowsum(dP * P))   [T, T], causal part only (zero above the diagonal)
  //   dQ = dS K * scale, dK = dS^T Q * scale   [T, dh]
  void backward() override {
    if (!y.hasGrad() || !qkv.requiresGrad()) return;
    const Geometry& g = geometry;
    const int64_t T = g.seq, dh = g.headDim, B = g.batch;
    const int64_t ld = g.qkvLd(), xs = g.qkvBatchStride(), ys = g.yBatchStride(), ps = g.probsBatchStride();
    GradWrite mode;
    Tensor dqkvT = qkv.gradForWrite(&mode);
    // Every head's q, k and v columns are written by exactly one product below,
    // so kAssign (beta = 0, C not read) fills the whole uninitialised gradient.
    const GemmWrite write = mode == GradWrite::kAssign ? GemmWrite::kAssign : GemmWrite::kAccumulate;
    float* dqkv = dqkvT.data();
    const float* x = qkv.value().data();
    const float* dy = y.grad().data();
    Tensor ds = Tensor::empty({B, T, T}, Device::kCuda);  // dP, then dS, of one head (reused)
    for (int64_t h = 0; h < g.heads; ++h) {
      const float* p = probs.data() + h * T * T;
      const float* q = x + g.qkvOffset(0, h);
      const float* k = x + g.qkvOffset(1, h);
      const float* v = x + g.qkvOffset(2, h);
      const float* dyh = dy + h * dh;
      // dV[T, dh] (=/+=) P^T dY
      deviceGemmStridedBatched(Transpose::kYes, Transpose::kNo, T, dh, T, p, T, ps, dyh, g.width, ys,
                               dqkv + g.qkvOffset(2, h), ld, xs, B, write);
      // dP[T, T] = dY V^T
      deviceGemmStridedBatched(Transpose::kNo, Transpose::kYes, T, T, dh, dyh, g.width, ys, v, ld, xs, ds.data(), T,
                               T * T, B, GemmWrite::kAssign);
      launchCausalSoftmaxBackward(p, ps, ds.data(), T * T, B, T);
      // dQ[T, dh] (=/+=) scale * dS K
      deviceGemmStridedBatched(Transpose::kNo, Transpose::kNo, T, dh, T, ds.data(), T, T * T, k, ld, xs,
                               dqkv + g.qkvOffset(0, h), ld, xs, B, write, g.scale);
      // dK[T, dh] (=/+=) scale * dS^T Q
      deviceGemmStridedBatched(Transpose::kYes, Transpose::kNo, T, dh, T, ds.data(), T, T * T, q, ld, xs,
                               dqkv + g.qkvOffset(1, h), ld, xs, B, write, g.scale);
    }
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
  const int64_t T = g.seq, dh = g.headDim, B = g.batch;
  const int64_t ld = g.qkvLd(), xs = g.qkvBatchStride(), ys = g.yBatchStride();

  const bool keep = tape.recording();
  Tensor yv = Tensor::empty({B, T, g.width}, Device::kCuda);
  Tensor probs = keep ? Tensor::empty({B, heads, T, T}, Device::kCuda) : Tensor::empty({B, T, T}, Device::kCuda);
  const int64_t ps = keep ? g.probsBatchStride() : T * T;
  const float* x = qkv.value().data();
  for (int64_t h = 0; h < heads; ++h) {
    float* p = probs.data() + (keep ? h * T * T : 0);
    // S[T, T] = scale * Q K^T, then P = causal softmax(S) in place
    deviceGemmStridedBatched(Transpose::kNo, Transpose::kYes, T, T, dh, x + g.qkvOffset(0, h), ld, xs,
                             x + g.qkvOffset(1, h), ld, xs, p, T, ps, B, GemmWrite::kAssign, g.scale);
    launchCausalSoftmax(p, B, ps, T);
    // Y[T, dh] (head h's columns of y) = P V
    deviceGemmStridedBatched(Transpose::kNo, Transpose::kNo, T, dh, T, p, T, ps, x + g.qkvOffset(2, h), ld, xs,
                             yv.data() + h * dh, g.width, ys, B, GemmWrite::kAssign);
  }

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
