// core/cuda/ops/moe_cuda.cpp — see moe_cuda.h. Parameter gradients accumulate
// (+=); the input gradient follows Variable::gradForWrite. Buffers are in row
// order (kept assignments sorted by expert), so expert e is the contiguous
// block of rows offsets[e]..offsets[e+1] and one plain GEMM.
#include "core/cuda/ops/moe_cuda.h"

#include <cstring>
#include <memory>
#include <vector>

#include "core/cuda/device_gemm.h"
#include "core/cuda/kernels/moe_kernels.h"
#include "core/device_memory.h"
#include "core/ops/moe_routing.h"

namespace gaplab::cuda {
namespace {

// Host integers (or doubles) copied to a new device buffer.
template <class T>
std::shared_ptr<void> upload(const std::vector<T>& host) {
  std::shared_ptr<void> d = allocateDeviceBytes(host.size() * sizeof(T));
  copyHostToDevice(d.get(), host.data(), host.size() * sizeof(T));
  return d;
}

struct MoeCudaOp final : Op {
  Variable x, y, auxLoss;
  MoeParams params;
  MoeOptions options;
  int64_t tokens = 0, width = 0, hidden = 0, experts = 0, topK = 0, w1Rows = 0;
  std::vector<int64_t> offsets;        // host: [E+1] row ranges of the experts
  Tensor probs;                        // [N, E] router softmax
  Tensor logSumExp;                    // [N]
  Tensor gate;                         // [N*k]
  std::shared_ptr<void> routerBuffer;  // holds `expert`
  const int32_t* expert = nullptr;     // [N*k] device
  std::shared_ptr<void> rowOf;            // [N*k] int64, -1 when dropped
  std::shared_ptr<void> assignmentOfRow;  // [M] int64
  std::shared_ptr<void> routedFraction;   // [E] double
  Tensor gathered;   // [M, D]
  Tensor hiddenAct;  // [M, H]
  Tensor saved;      // [M, H] gelu'(pre) (kGelu) or [M, 2H] pre = [gate | up] (kSwiglu)
  Tensor expertOut;  // [M, D]

  const char* name() const override { return "moe_feed_forward(cuda)"; }
  void forEachParameter(const ParamVisitor& visit) const override {
    visit(params.router);
    visit(params.w1);
    visit(params.w2);
  }

  // dy: [N, D], dauxLoss: [] -> dx: [N, D] (=/+=), drouter: [E, D] (+= dlogits^T x),
  // dW1: [E, H|2H, D] (+= dpre^T x per expert), dW2: [E, D, H] (+= (g dy)^T h per expert);
  // dlogits: [N, E] from the gates (top-k choice held fixed), the aux loss and the z-loss.
  void backward() override {
    const bool haveDy = y.hasGrad();
    const bool haveAux = auxLoss.hasGrad();
    if (!haveDy && !haveAux) return;
    const int64_t N = tokens, D = width, H = hidden, E = experts, K = topK, H1 = w1Rows;
    const int64_t M = offsets.back();
    const bool swiglu = options.activation == ExpertActivation::kSwiglu;
    const bool needDx = x.requiresGrad();
    const auto* aor = static_cast<const int64_t*>(assignmentOfRow.get());
    const auto* rows = static_cast<const int64_t*>(rowOf.get());

    // 1. Experts: dgate = <dy, out>, dout = g dy, dh = dout W2, dpre, dxs = dpre W1 (into expertOut),
    //    dW2 += dout^T h, dW1 += dpre^T xs.
    Tensor dgate;
    if (haveDy) {
      dgate = Tensor::zeros({N * K}, Device::kCuda);  // dropped assignments keep 0
      Tensor dOut = Tensor::empty({M, D}, Device::kCuda);
      Tensor dHidden = Tensor::empty({M, H}, Device::kCuda);
      launchMoeGateGrad(y.grad().data(), expertOut.data(), gate.data(), aor, M, K, D, dgate.data(), dOut.data());
      forEachExpert([&](int64_t e, int64_t r0, int64_t n) {
        deviceGemm(Transpose::kNo, Transpose::kNo, n, H, D, dOut.data() + r0 * D, D, params.w2.value() + e * D * H,
                   H, dHidden.data() + r0 * H, H, GemmWrite::kAssign);
      });
      if (swiglu)
        launchMoeSwigluBackward(saved.data(), dHidden.data(), M, H);
      else
        launchMoeMultiplyInPlace(dHidden.data(), saved.data(), M * H);
      const float* dpre = swiglu ? saved.data() : dHidden.data();
      forEachExpert([&](int64_t e, int64_t r0, int64_t n) {
        if (needDx)
          deviceGemm(Transpose::kNo, Transpose::kNo, n, D, H1, dpre + r0 * H1, H1, params.w1.value() + e * H1 * D, D,
                     expertOut.data() + r0 * D, D, GemmWrite::kAssign);
        deviceGemm(Transpose::kYes, Transpose::kNo, D, H, n, dOut.data() + r0 * D, D, hiddenAct.data() + r0 * H, H,
                   params.w2.grad() + e * D * H, H, GemmWrite::kAccumulate);
        deviceGemm(Transpose::kYes, Transpose::kNo, H1, D, n, dpre + r0 * H1, H1, gathered.data() + r0 * D, D,
                   params.w1.grad() + e * H1 * D, D, GemmWrite::kAccumulate);
      });
    }

    // 2. Router: dp from the gates and the aux loss, through the softmax; drouter += dlogits^T x.
    Tensor dLogits = Tensor::empty({N, E}, Device::kCuda);
    launchMoeRouterBackward(probs.data(), logSumExp.data(), expert, gate.data(), haveDy ? dgate.data() : nullptr,
                            static_cast<const double*>(routedFraction.get()),
                            haveAux ? auxLoss.grad().data() : nullptr, options.auxLossCoefficient,
                            options.zLossCoefficient, N, E, K,
                            options.normalization == RouterNormalization::kRenormalize, dLogits.data());
    const float* xv = x.value().data();
    deviceGemm(Transpose::kYes, Transpose::kNo, E, D, N, dLogits.data(), E, xv, D, params.router.grad(), D,
               GemmWrite::kAccumulate);

    // 3. dx = dlogits W_r + sum over kept slots of dxs[row(t, s)].
    if (needDx) {
      GradWrite mode = GradWrite::kAssign;
      Tensor dx = x.gradForWrite(&mode);
      deviceGemm(Transpose::kNo, Transpose::kNo, N, D, E, dLogits.data(), E, params.router.value(), D, dx.data(), D,
                 mode == GradWrite::kAssign ? GemmWrite::kAssign : GemmWrite::kAccumulate);
      if (haveDy) launchMoeScatterAdd(expertOut.data(), rows, N, K, D, dx.data());
    }
  }

  // body(expert, first row, row count) for every expert with rows.
  template <class Body>
  void forEachExpert(Body&& body) const {
    for (int64_t e = 0; e < experts; ++e) {
      const int64_t r0 = offsets[static_cast<std::size_t>(e)];
      const int64_t n = offsets[static_cast<std::size_t>(e + 1)] - r0;
      if (n > 0) body(e, r0, n);
    }
  }
};

}  // namespace

MoeOutput moeFeedForward(Tape& tape, const Variable& x, const MoeParams& params, const MoeOptions& options,
                         MoeStats* stats) {
  const Tensor& xv = x.value();
  auto op = std::make_unique<MoeCudaOp>();
  MoeCudaOp& o = *op;
  const Shape& w2Shape = params.w2.info().shape;
  const bool swiglu = options.activation == ExpertActivation::kSwiglu;
  const int64_t E = options.experts, K = options.topK, D = w2Shape[1], H = w2Shape[2];
  const int64_t H1 = swiglu ? 2 * H : H, N = xv.numel() / D;
  const bool recording = tape.recording();
  o.tokens = N;
  o.width = D;
  o.hidden = H;
  o.experts = E;
  o.topK = K;
  o.w1Rows = H1;

  // 1. Router: logits = x W_r^T, then softmax, top-k and gates per token, and the
  //    sums the aux and z losses need, copied to the host with the chosen experts.
  o.probs = Tensor::empty({N, E}, Device::kCuda);
  deviceGemm(Transpose::kNo, Transpose::kYes, N, E, D, xv.data(), D, params.router.value(), D, o.probs.data(), E,
             GemmWrite::kAssign);
  o.logSumExp = Tensor::empty({N}, Device::kCuda);
  o.gate = Tensor::empty({N * K}, Device::kCuda);
  const std::size_t sumBytes = static_cast<std::size_t>(E + 1) * sizeof(double);
  const std::size_t expertBytes = static_cast<std::size_t>(N * K) * sizeof(int32_t);
  o.routerBuffer = allocateDeviceBytes(sumBytes + expertBytes);  // [E+1 doubles][N*k int32]
  auto* sums = static_cast<double*>(o.routerBuffer.get());
  auto* expert = reinterpret_cast<int32_t*>(static_cast<char*>(o.routerBuffer.get()) + sumBytes);
  o.expert = expert;
  launchMoeRoute(o.probs.data(), N, E, K, options.normalization == RouterNormalization::kRenormalize,
                 o.logSumExp.data(), expert, o.gate.data());
  launchMoeRouterSums(o.probs.data(), o.logSumExp.data(), N, E, sums);
  std::vector<char> host(sumBytes + expertBytes);
  copyDeviceToHost(host.data(), o.routerBuffer.get(), host.size());  // the forward's one wait
  std::vector<double> sumsHost(static_cast<std::size_t>(E + 1));
  std::vector<int32_t> expertHost(static_cast<std::size_t>(N * K));
  std::memcpy(sumsHost.data(), host.data(), sumBytes);
  std::memcpy(expertHost.data(), host.data() + sumBytes, expertBytes);

  // 2. Capacity and row layout on the host, exactly as the CPU op.
  detail::MoeRows rows = detail::moeAssignRows(expertHost, N, K, E, options.capacityFactor);
  const int64_t M = rows.kept();
  double aux = 0.0;
  for (int64_t e = 0; e < E; ++e)
    aux += rows.routedFraction[static_cast<std::size_t>(e)] * sumsHost[static_cast<std::size_t>(e)] / N;
  aux *= static_cast<double>(E);
  const double z = sumsHost[static_cast<std::size_t>(E)] / static_cast<double>(N);
  o.rowOf = upload(rows.rowOf);
  o.assignmentOfRow = upload(rows.assignmentOfRow);
  if (recording) o.routedFraction = upload(rows.routedFraction);
  o.offsets = std::move(rows.offsets);

  // 3. Experts: gather, pre = xs W1^T, h = act(pre), out = h W2^T.
  o.gathered = Tensor::empty({M, D}, Device::kCuda);
  o.hiddenAct = Tensor::empty({M, H}, Device::kCuda);
  if (swiglu)
    o.saved = Tensor::empty({M, H1}, Device::kCuda);
  else if (recording)
    o.saved = Tensor::empty({M, H}, Device::kCuda);
  o.expertOut = Tensor::empty({M, D}, Device::kCuda);
  launchMoeGather(xv.data(), static_cast<const int64_t*>(o.assignmentOfRow.get()), M, D, K, o.gathered.data());
  float* pre = swiglu ? o.saved.data() : o.hiddenAct.data();
  o.forEachExpert([&](int64_t e, int64_t r0, int64_t n) {
    deviceGemm(Transpose::kNo, Transpose::kYes, n, H1, D, o.gathered.data() + r0 * D, D,
               params.w1.value() + e * H1 * D, D, pre + r0 * H1, H1, GemmWrite::kAssign);
  });
  if (swiglu)
    launchMoeSwigluForward(o.saved.data(), M, H, o.hiddenAct.data());
  else
    launchMoeGeluForward(o.hiddenAct.data(), recording ? o.saved.data() : nullptr, M * H);
  o.forEachExpert([&](int64_t e, int64_t r0, int64_t n) {
    deviceGemm(Transpose::kNo, Transpose::kYes, n, D, H, o.hiddenAct.data() + r0 * H, H,
               params.w2.value() + e * D * H, H, o.expertOut.data() + r0 * D, D, GemmWrite::kAssign);
  });

  // 4. Combine: y[t] = sum over kept slots, in slot order, of g * out.
  Tensor yv = Tensor::empty(xv.shape(), Device::kCuda);
  launchMoeCombine(o.expertOut.data(), static_cast<const int64_t*>(o.rowOf.get()), o.gate.data(), N, K, D,
                   yv.data());

  if (stats) {
    MoeStats batch;
    batch.tokensPerExpert.resize(static_cast<std::size_t>(E));
    for (int64_t e = 0; e < E; ++e)
      batch.tokensPerExpert[static_cast<std::size_t>(e)] =
          o.offsets[static_cast<std::size_t>(e + 1)] - o.offsets[static_cast<std::size_t>(e)];
    batch.assignments = N * K;
    batch.dropped = N * K - M;
    batch.auxLoss = aux;
    batch.zLoss = z;
    stats->merge(batch);
  }

  const RequiresGrad rg = x.requiresGrad() || recording ? RequiresGrad::kYes : RequiresGrad::kNo;
  MoeOutput result;
  result.y = Variable(yv, rg);
  result.auxLoss = Variable(
      Tensor::full({}, static_cast<float>(options.auxLossCoefficient * aux + options.zLossCoefficient * z),
                   Device::kCuda),
      rg);
  if (recording) {
    o.x = x;
    o.y = result.y;
    o.auxLoss = result.auxLoss;
    o.params = params;
    o.options = options;
    tape.push(std::move(op));
  }
  return result;
}

}  // namespace gaplab::cuda
