// core/ops/moe.cpp — routing, grouped expert GEMMs and the weighted combine; see moe.h.
//
// Layout: the kept assignments are sorted by (expert, token, slot) into "rows";
// expert e owns rows offsets[e]..offsets[e+1]. The gathered inputs, hidden
// activations and expert outputs live in row order, so every expert block is a
// contiguous matrix and a plain GEMM. Work runs as a fixed list of tasks (expert
// row blocks, weight-gradient slices, token blocks) whose boundaries never depend
// on the thread count; each task writes its own memory in a fixed order.
#include "core/ops/moe.h"


#include <omp.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <unsupported/Eigen/SpecialFunctions>

#include "core/ops/activation_math.h"
#include "core/ops/moe_routing.h"
#include "core/ops/parallel.h"
#include "core/ops/reduce_math.h"

#if GAPLAB_HAVE_CUDA
#include "core/cuda/ops/moe_cuda.h"
#endif

namespace gaplab {
namespace {

constexpr int64_t kRowBlock = 128;    // rows of one expert per forward/backward task
constexpr int64_t kSliceRows = 128;   // output rows of one weight-gradient task
constexpr int64_t kTokenBlock = 256;  // tokens of one input-gradient task

using ConstStridedMap =
    Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>, 0, Eigen::OuterStride<>>;

// Eigen splits one product over threads by itself when it is called outside a team
// and the product has at least 2 * 50000 multiply-adds (Eigen/src/Core/products/
// Parallelizer.h); the threaded kernel blocks the sums differently, so its bits
// would depend on the thread count. Smaller products stay serial anywhere.
constexpr double kEigenThreadedWork = 2 * 50000.0;

// Runs body(i) for every i in [0, n), dynamically scheduled over the threads. A
// task writes memory no other task touches and computes in a fixed order, so which
// thread runs it changes no bit. Inside the team Eigen keeps each product on the
// calling thread; `largestProduct` (multiply-adds) tells whether the work is small
// enough to run serially without Eigen threading a product by itself.
template <class Body>
void runTasks(int64_t n, double largestProduct, Body&& body) {
  if (n <= 0) return;
  if (largestProduct < kEigenThreadedWork || (omp_get_max_threads() == 1 && Eigen::nbThreads() == 1)) {
    for (int64_t i = 0; i < n; ++i) body(i);
    return;
  }
#pragma omp parallel for schedule(dynamic, 1)
  for (int64_t i = 0; i < n; ++i) body(i);
}

// ---- activations: the shared vectorised kernels of activation_math.h -------------

void geluInPlace(float* v, float* grad, int64_t n) { detail::geluArray(v, v, grad, n); }
void swigluForward(const float* gate, const float* up, float* h, int64_t n) { detail::swigluArray(gate, up, h, n); }
// In place over one row of pre = [gate | up]: gate <- d(gate), up <- d(up).
void swigluBackward(float* gate, float* up, const float* dh, int64_t n) {
  detail::swigluBackwardArray(gate, up, dh, gate, up, n);
}

// ---- routing -----------------------------------------------------------------------

struct Dims {
  int64_t tokens = 0, width = 0, hidden = 0, experts = 0, topK = 0;
  int64_t w1Rows = 0;  // hidden (kGelu) or 2 * hidden (kSwiglu)
  int64_t assignments() const { return tokens * topK; }
};

// What the router decided, kept for the backward pass.
struct Routing {
  Tensor probs;                          // [N, E] softmax of the router logits
  std::vector<float> logSumExp;          // [N]
  std::vector<int32_t> expert;           // [N*k] chosen expert of assignment a = t*k + s
  std::vector<float> gate;               // [N*k]
  std::vector<int64_t> rowOf;            // [N*k] row in the expert-sorted buffers, -1 when dropped
  std::vector<int64_t> assignmentOfRow;  // [M]
  std::vector<int64_t> offsets;          // [E+1]
  std::vector<double> routedFraction;    // [E] f_e, before capacity dropping
  int64_t kept() const { return offsets.back(); }
};

Routing route(const Dims& d, const float* x, const float* router, const MoeOptions& options) {
  const int64_t N = d.tokens, D = d.width, E = d.experts, K = d.topK;
  Routing r;
  r.probs = Tensor::empty({N, E});
  r.logSumExp.resize(static_cast<std::size_t>(N));
  r.expert.resize(static_cast<std::size_t>(N * K));
  r.gate.resize(static_cast<std::size_t>(N * K));
  float* probs = r.probs.data();
  detail::parallelChunks(N, E * D, [&](int64_t t0, int64_t t1) {
    std::vector<uint8_t> taken(static_cast<std::size_t>(E));
    for (int64_t t = t0; t < t1; ++t) {
      float* p = probs + t * E;
      for (int64_t e = 0; e < E; ++e) p[e] = detail::laneDot(x + t * D, router + e * D, D);
      const float mx = *std::max_element(p, p + E);
      float sum = 0.0f;
      for (int64_t e = 0; e < E; ++e) {
        p[e] = std::exp(p[e] - mx);
        sum += p[e];
      }
      const float inv = 1.0f / sum;
      for (int64_t e = 0; e < E; ++e) p[e] *= inv;
      r.logSumExp[static_cast<std::size_t>(t)] = mx + std::log(sum);
      // Top-k by probability, ties to the lower index; slot 0 is the most probable.
      std::fill(taken.begin(), taken.end(), 0);
      float chosenSum = 0.0f;
      for (int64_t s = 0; s < K; ++s) {
        int64_t best = -1;
        for (int64_t e = 0; e < E; ++e)
          if (!taken[static_cast<std::size_t>(e)] && (best < 0 || p[e] > p[best])) best = e;
        taken[static_cast<std::size_t>(best)] = 1;
        r.expert[static_cast<std::size_t>(t * K + s)] = static_cast<int32_t>(best);
        r.gate[static_cast<std::size_t>(t * K + s)] = p[best];
        chosenSum += p[best];
      }
      if (options.normalization == RouterNormalization::kRenormalize)
        for (int64_t s = 0; s < K; ++s) r.gate[static_cast<std::size_t>(t * K + s)] /= chosenSum;
    }
  });

  detail::MoeRows rows = detail::moeAssignRows(r.expert, N, K, E, options.capacityFactor);
  r.rowOf = std::move(rows.rowOf);
  r.assignmentOfRow = std::move(rows.assignmentOfRow);
  r.offsets = std::move(rows.offsets);
  r.routedFraction = std::move(rows.routedFraction);
  return r;
}

// A run of rows of one expert.
struct RowBlock {
  int64_t expert, begin, end;
};

// Each expert's rows cut into blocks of kRowBlock, in expert then row order.
std::vector<RowBlock> rowBlocks(const Routing& r, int64_t experts) {
  std::vector<RowBlock> blocks;
  for (int64_t e = 0; e < experts; ++e)
    for (int64_t b = r.offsets[static_cast<std::size_t>(e)]; b < r.offsets[static_cast<std::size_t>(e + 1)];
         b += kRowBlock)
      blocks.push_back({e, b, std::min(b + kRowBlock, r.offsets[static_cast<std::size_t>(e + 1)])});
  return blocks;
}

// Multiply-adds of the largest product of one block task (forward and backward alike).
double largestBlockProduct(const std::vector<RowBlock>& blocks, const Dims& d) {
  int64_t rows = 0;
  for (const RowBlock& b : blocks) rows = std::max(rows, b.end - b.begin);
  return static_cast<double>(rows) * d.w1Rows * d.width;
}

struct MoeOp final : Op {
  Variable x, y, auxLoss;
  MoeParams params;
  MoeOptions options;
  Dims dims;
  Routing routing;
  Tensor gathered;   // [M, D]  x rows in row order
  Tensor hidden;     // [M, H]  act(x W1^T)
  Tensor saved;      // [M, H] gelu'(pre) (kGelu) or [M, 2H] pre = [gate | up] (kSwiglu)
  Tensor expertOut;  // [M, D]  h W2^T, before the gate

  const char* name() const override { return "moe_feed_forward"; }
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
    const int64_t N = dims.tokens, D = dims.width, H = dims.hidden, E = dims.experts, K = dims.topK;
    const int64_t H1 = dims.w1Rows, M = routing.kept();
    const bool swiglu = options.activation == ExpertActivation::kSwiglu;
    const bool needDx = x.requiresGrad();
    const std::vector<RowBlock> blocks = rowBlocks(routing, E);

    // 1. Experts, per row block: dgate = <dy, out>, dout = g dy, dh = dout W2, dpre, dxs = dpre W1.
    //    dxs overwrites expertOut row by row once the block's dgate is taken.
    std::vector<float> dgate(static_cast<std::size_t>(N * K), 0.0f);
    Tensor dOut, dHidden;
    if (haveDy) {
      dOut = Tensor::empty({M, D});
      dHidden = Tensor::empty({M, H});
      const float* dy = y.grad().data();
      runTasks(static_cast<int64_t>(blocks.size()), largestBlockProduct(blocks, dims), [&](int64_t i) {
        const RowBlock& b = blocks[static_cast<std::size_t>(i)];
        const int64_t n = b.end - b.begin;
        for (int64_t row = b.begin; row < b.end; ++row) {
          const int64_t a = routing.assignmentOfRow[static_cast<std::size_t>(row)];
          const float* dyRow = dy + (a / K) * D;
          dgate[static_cast<std::size_t>(a)] = detail::laneDot(dyRow, expertOut.data() + row * D, D);
          const float g = routing.gate[static_cast<std::size_t>(a)];
          float* dst = dOut.data() + row * D;
          for (int64_t j = 0; j < D; ++j) dst[j] = g * dyRow[j];
        }
        MatrixMap dH(dHidden.data() + b.begin * H, n, H);
        dH.noalias() = ConstMatrixMap(dOut.data() + b.begin * D, n, D) *
                       ConstMatrixMap(params.w2.value() + b.expert * D * H, D, H);
        if (swiglu) {
          for (int64_t row = b.begin; row < b.end; ++row)
            swigluBackward(saved.data() + row * H1, saved.data() + row * H1 + H, dHidden.data() + row * H, H);
        } else {
          float* dpre = dHidden.data() + b.begin * H;
          const float* grad = saved.data() + b.begin * H;
          for (int64_t j = 0; j < n * H; ++j) dpre[j] *= grad[j];
        }
        if (needDx) {
          const float* dpre = swiglu ? saved.data() : dHidden.data();
          MatrixMap dXs(expertOut.data() + b.begin * D, n, D);
          dXs.noalias() =
              ConstMatrixMap(dpre + b.begin * H1, n, H1) * ConstMatrixMap(params.w1.value() + b.expert * H1 * D, H1, D);
        }
      });
    }

    // 2. Router, per token: dp from the gates and the aux loss, then through the softmax.
    const float dAux = haveAux ? auxLoss.grad().data()[0] : 0.0f;
    const double auxScale = static_cast<double>(dAux) * options.auxLossCoefficient * E / N;
    const double zScale = static_cast<double>(dAux) * options.zLossCoefficient * 2.0 / N;
    Tensor dLogits = Tensor::empty({N, E});
    detail::parallelChunks(N, E * 4 + K * 4, [&](int64_t t0, int64_t t1) {
      std::vector<float> dp(static_cast<std::size_t>(E));
      for (int64_t t = t0; t < t1; ++t) {
        const float* p = routing.probs.data() + t * E;
        for (int64_t e = 0; e < E; ++e)
          dp[static_cast<std::size_t>(e)] =
              static_cast<float>(auxScale * routing.routedFraction[static_cast<std::size_t>(e)]);
        if (options.normalization == RouterNormalization::kRenormalize) {
          // g_s = p_s / S  =>  dL/dp_s = (dg_s - sum_j dg_j g_j) / S
          float chosenSum = 0.0f, weighted = 0.0f;
          for (int64_t s = 0; s < K; ++s) {
            const std::size_t a = static_cast<std::size_t>(t * K + s);
            chosenSum += p[routing.expert[a]];
            weighted += dgate[a] * routing.gate[a];
          }
          for (int64_t s = 0; s < K; ++s) {
            const std::size_t a = static_cast<std::size_t>(t * K + s);
            dp[static_cast<std::size_t>(routing.expert[a])] += (dgate[a] - weighted) / chosenSum;
          }
        } else {
          for (int64_t s = 0; s < K; ++s) {
            const std::size_t a = static_cast<std::size_t>(t * K + s);
            dp[static_cast<std::size_t>(routing.expert[a])] += dgate[a];
          }
        }
        float dot = 0.0f;
        for (int64_t e = 0; e < E; ++e) dot += p[e] * dp[static_cast<std::size_t>(e)];
        const float z = static_cast<float>(zScale * routing.logSumExp[static_cast<std::size_t>(t)]);
        float* dl = dLogits.data() + t * E;
        for (int64_t e = 0; e < E; ++e) dl[e] = p[e] * (dp[static_cast<std::size_t>(e)] - dot + z);
      }
    });

    // 3. Weight-gradient slices, the router gradient and input-gradient token blocks.
    enum class Part { kW2Rows, kW1Rows, kRouter, kInputTokens };
    struct Slice {
      int64_t expert, begin, end;  // rows of dW2 (over D) or dW1 (over H1), or tokens of dx
      Part part;
    };
    std::vector<Slice> tasks;
    for (int64_t e = 0; e < E && haveDy; ++e) {
      if (routing.offsets[static_cast<std::size_t>(e)] == routing.offsets[static_cast<std::size_t>(e + 1)]) continue;
      for (int64_t r = 0; r < D; r += kSliceRows) tasks.push_back({e, r, std::min(r + kSliceRows, D), Part::kW2Rows});
      for (int64_t r = 0; r < H1; r += kSliceRows) tasks.push_back({e, r, std::min(r + kSliceRows, H1), Part::kW1Rows});
    }
    tasks.push_back({0, 0, 0, Part::kRouter});
    GradWrite mode = GradWrite::kAssign;
    float* dx = nullptr;
    if (needDx) {
      dx = x.gradForWrite(&mode).data();
      for (int64_t t = 0; t < N; t += kTokenBlock)
        tasks.push_back({0, t, std::min(t + kTokenBlock, N), Part::kInputTokens});
    }
    const float* xv = x.value().data();
    const float* router = params.router.value();
    double largest = static_cast<double>(E) * D * N;
    for (int64_t e = 0; e < E; ++e) {
      const double rows = static_cast<double>(routing.offsets[static_cast<std::size_t>(e + 1)] -
                                              routing.offsets[static_cast<std::size_t>(e)]);
      largest = std::max({largest, rows * std::min(kSliceRows, D) * H, rows * std::min(kSliceRows, H1) * D});
    }
    runTasks(static_cast<int64_t>(tasks.size()), largest, [&](int64_t i) {
      const Slice& task = tasks[static_cast<std::size_t>(i)];
      const int64_t e = task.expert, r0 = task.begin, len = task.end - task.begin;
      const int64_t row0 = routing.offsets[static_cast<std::size_t>(e)];
      const int64_t n = routing.offsets[static_cast<std::size_t>(e + 1)] - row0;
      if (task.part == Part::kW2Rows) {
        // dW2_e[r0:r1, :] += dout_e[:, r0:r1]^T h_e
        MatrixMap dW2(params.w2.grad() + e * D * H + r0 * H, len, H);
        dW2.noalias() += ConstStridedMap(dOut.data() + row0 * D + r0, n, len, Eigen::OuterStride<>(D)).transpose() *
                         ConstMatrixMap(hidden.data() + row0 * H, n, H);
      } else if (task.part == Part::kW1Rows) {
        // dW1_e[r0:r1, :] += dpre_e[:, r0:r1]^T xs_e
        const float* dpre = swiglu ? saved.data() : dHidden.data();
        MatrixMap dW1(params.w1.grad() + e * H1 * D + r0 * D, len, D);
        dW1.noalias() += ConstStridedMap(dpre + row0 * H1 + r0, n, len, Eigen::OuterStride<>(H1)).transpose() *
                         ConstMatrixMap(gathered.data() + row0 * D, n, D);
      } else if (task.part == Part::kRouter) {
        // drouter += dlogits^T x
        MatrixMap dWr(params.router.grad(), E, D);
        dWr.noalias() += ConstMatrixMap(dLogits.data(), N, E).transpose() * ConstMatrixMap(xv, N, D);
      } else {
        // dx[t] = sum_e dlogits[t, e] W_r[e] + sum over kept slots of dxs[row(t, s)]
        std::vector<float> acc(static_cast<std::size_t>(D));
        for (int64_t t = task.begin; t < task.end; ++t) {
          std::fill(acc.begin(), acc.end(), 0.0f);
          const float* dl = dLogits.data() + t * E;
          for (int64_t ex = 0; ex < E; ++ex)
            for (int64_t j = 0; j < D; ++j) acc[static_cast<std::size_t>(j)] += dl[ex] * router[ex * D + j];
          if (haveDy)
            for (int64_t s = 0; s < K; ++s) {
              const int64_t row = routing.rowOf[static_cast<std::size_t>(t * K + s)];
              if (row < 0) continue;
              const float* src = expertOut.data() + row * D;
              for (int64_t j = 0; j < D; ++j) acc[static_cast<std::size_t>(j)] += src[j];
            }
          float* dst = dx + t * D;
          if (mode == GradWrite::kAssign)
            std::copy(acc.begin(), acc.end(), dst);
          else
            for (int64_t j = 0; j < D; ++j) dst[j] += acc[static_cast<std::size_t>(j)];
        }
      }
    });
  }
};

std::string shapeOf(const ParamView& p) { return shapeToString(p.info().shape); }

// Checks options and shapes; returns the sizes.
Dims validate(const Variable& x, const MoeParams& params, const MoeOptions& options) {
  if (options.experts < 1)
    throw std::invalid_argument("moe: " + std::to_string(options.experts) + " experts, expected at least 1");
  if (options.topK < 1) throw std::invalid_argument("moe: top-k " + std::to_string(options.topK) + " < 1");
  if (options.topK > options.experts)
    throw std::invalid_argument("moe: top-k " + std::to_string(options.topK) + " > " + std::to_string(options.experts) +
                                " experts");
  if (!(options.capacityFactor >= 0.0f))
    throw std::invalid_argument("moe: capacity factor " + std::to_string(options.capacityFactor) +
                                ", expected >= 0 (0: no limit)");
  if (!params.router.defined() || !params.w1.defined() || !params.w2.defined())
    throw std::invalid_argument("moe: router, w1 and w2 must all be defined");
  const Shape& rs = params.router.info().shape;
  const Shape& w1 = params.w1.info().shape;
  const Shape& w2 = params.w2.info().shape;
  const int64_t E = options.experts;
  if (rs.size() != 2 || rs[0] != E)
    throw std::invalid_argument("moe: router " + shapeOf(params.router) + ", expected [" + std::to_string(E) +
                                ", D] for " + std::to_string(E) + " experts");
  const int64_t D = rs[1];
  if (w2.size() != 3 || w2[0] != E || w2[1] != D)
    throw std::invalid_argument("moe: w2 " + shapeOf(params.w2) + ", expected [" + std::to_string(E) + ", " +
                                std::to_string(D) + ", H]");
  const int64_t H = w2[2];
  const bool swiglu = options.activation == ExpertActivation::kSwiglu;
  const int64_t H1 = swiglu ? 2 * H : H;
  if (w1.size() != 3 || w1[0] != E || w1[1] != H1 || w1[2] != D)
    throw std::invalid_argument("moe: w1 " + shapeOf(params.w1) + ", expected " + shapeToString({E, H1, D}) +
                                (swiglu ? " (swiglu: [gate | up])" : " (gelu)"));
  const Tensor& xv = x.value();
  if (xv.rank() < 1 || xv.dim(-1) != D)
    throw std::invalid_argument("moe: input " + shapeToString(xv.shape()) + " does not end in the router's width " +
                                std::to_string(D));
  if (xv.numel() == 0) throw std::invalid_argument("moe: input " + shapeToString(xv.shape()) + " has no tokens");
  Dims d;
  d.tokens = xv.numel() / D;
  d.width = D;
  d.hidden = H;
  d.experts = E;
  d.topK = options.topK;
  d.w1Rows = H1;
  return d;
}

}  // namespace

double MoeStats::loadCoefficientOfVariation() const {
  if (tokensPerExpert.empty()) return 0.0;
  double sum = 0.0;
  for (int64_t c : tokensPerExpert) sum += static_cast<double>(c);
  if (sum == 0.0) return 0.0;
  const double n = static_cast<double>(tokensPerExpert.size());
  const double mean = sum / n;
  double var = 0.0;
  for (int64_t c : tokensPerExpert) var += (static_cast<double>(c) - mean) * (static_cast<double>(c) - mean);
  return std::sqrt(var / n) / mean;
}

std::vector<double> MoeStats::loadFractions() const {
  std::vector<double> f(tokensPerExpert.size(), 0.0);
  double sum = 0.0;
  for (int64_t c : tokensPerExpert) sum += static_cast<double>(c);
  if (sum == 0.0) return f;
  for (std::size_t e = 0; e < f.size(); ++e) f[e] = static_cast<double>(tokensPerExpert[e]) / sum;
  return f;
}

void MoeStats::merge(const MoeStats& other) {
  if (tokensPerExpert.empty()) {
    tokensPerExpert = other.tokensPerExpert;
  } else if (!other.tokensPerExpert.empty()) {
    if (other.tokensPerExpert.size() != tokensPerExpert.size())
      throw std::invalid_argument("MoeStats::merge: " + std::to_string(other.tokensPerExpert.size()) +
                                  " experts into " + std::to_string(tokensPerExpert.size()));
    for (std::size_t e = 0; e < tokensPerExpert.size(); ++e) tokensPerExpert[e] += other.tokensPerExpert[e];
  }
  assignments += other.assignments;
  dropped += other.dropped;
  auxLoss += other.auxLoss;
  zLoss += other.zLoss;
}

MoeOutput moeFeedForward(Tape& tape, const Variable& x, const MoeParams& params, const MoeOptions& options,
                         MoeStats* stats) {
  const Dims d = validate(x, params, options);
  for (const ParamView* p : {&params.router, &params.w1, &params.w2}) requireSameDevice(x.value(), *p, "moe");
#if GAPLAB_HAVE_CUDA
  if (x.value().device() == Device::kCuda) return cuda::moeFeedForward(tape, x, params, options, stats);
#endif
  const int64_t N = d.tokens, D = d.width, H = d.hidden, E = d.experts, K = d.topK, H1 = d.w1Rows;
  const bool swiglu = options.activation == ExpertActivation::kSwiglu;
  const bool recording = tape.recording();
  const float* xv = x.value().data();

  Routing routing = route(d, xv, params.router.value(), options);
  const int64_t M = routing.kept();

  // Aux losses, summed serially in token order (double).
  double aux = 0.0, z = 0.0;
  {
    std::vector<double> meanProb(static_cast<std::size_t>(E), 0.0);
    for (int64_t t = 0; t < N; ++t) {
      const float* p = routing.probs.data() + t * E;
      for (int64_t e = 0; e < E; ++e) meanProb[static_cast<std::size_t>(e)] += p[e];
      const double lse = routing.logSumExp[static_cast<std::size_t>(t)];
      z += lse * lse;
    }
    for (int64_t e = 0; e < E; ++e)
      aux += routing.routedFraction[static_cast<std::size_t>(e)] * meanProb[static_cast<std::size_t>(e)] / N;
    aux *= static_cast<double>(E);
    z /= static_cast<double>(N);
  }

  // Experts, per row block: gather, pre = xs W1^T, h = act(pre), out = h W2^T.
  Tensor gathered = Tensor::empty({M, D});
  Tensor hidden = Tensor::empty({M, H});
  Tensor saved;
  if (swiglu)
    saved = Tensor::empty({M, H1});
  else if (recording)
    saved = Tensor::empty({M, H});
  Tensor expertOut = Tensor::empty({M, D});
  const std::vector<RowBlock> blocks = rowBlocks(routing, E);
  runTasks(static_cast<int64_t>(blocks.size()), largestBlockProduct(blocks, d), [&](int64_t i) {
    const RowBlock& b = blocks[static_cast<std::size_t>(i)];
    const int64_t n = b.end - b.begin;
    for (int64_t row = b.begin; row < b.end; ++row) {
      const int64_t t = routing.assignmentOfRow[static_cast<std::size_t>(row)] / K;
      std::copy(xv + t * D, xv + (t + 1) * D, gathered.data() + row * D);
    }
    const ConstMatrixMap xs(gathered.data() + b.begin * D, n, D);
    const ConstMatrixMap w1(params.w1.value() + b.expert * H1 * D, H1, D);
    float* h = hidden.data() + b.begin * H;
    if (swiglu) {
      float* pre = saved.data() + b.begin * H1;
      MatrixMap(pre, n, H1).noalias() = xs * w1.transpose();
      for (int64_t r = 0; r < n; ++r) swigluForward(pre + r * H1, pre + r * H1 + H, h + r * H, H);
    } else {
      MatrixMap(h, n, H).noalias() = xs * w1.transpose();
      geluInPlace(h, recording ? saved.data() + b.begin * H : nullptr, n * H);
    }
    MatrixMap(expertOut.data() + b.begin * D, n, D).noalias() =
        ConstMatrixMap(h, n, H) * ConstMatrixMap(params.w2.value() + b.expert * D * H, D, H).transpose();
  });

  // Combine: y[t] = sum over kept slots, in slot order, of g * out.
  Tensor yv = Tensor::empty(x.value().shape());
  detail::parallelChunks(N, K * D, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      float* yr = yv.data() + t * D;
      std::fill(yr, yr + D, 0.0f);
      for (int64_t s = 0; s < K; ++s) {
        const std::size_t a = static_cast<std::size_t>(t * K + s);
        const int64_t row = routing.rowOf[a];
        if (row < 0) continue;
        const float g = routing.gate[a];
        const float* o = expertOut.data() + row * D;
        for (int64_t j = 0; j < D; ++j) yr[j] += g * o[j];
      }
    }
  });

  if (stats) {
    MoeStats batch;
    batch.tokensPerExpert.resize(static_cast<std::size_t>(E));
    for (int64_t e = 0; e < E; ++e)
      batch.tokensPerExpert[static_cast<std::size_t>(e)] =
          routing.offsets[static_cast<std::size_t>(e + 1)] - routing.offsets[static_cast<std::size_t>(e)];
    batch.assignments = d.assignments();
    batch.dropped = d.assignments() - M;
    batch.auxLoss = aux;
    batch.zLoss = z;
    stats->merge(batch);
  }

  const RequiresGrad rg = x.requiresGrad() || recording ? RequiresGrad::kYes : RequiresGrad::kNo;
  MoeOutput result;
  result.y = Variable(yv, rg);
  result.auxLoss = Variable(
      Tensor::full({}, static_cast<float>(options.auxLossCoefficient * aux + options.zLossCoefficient * z)), rg);
  if (recording) {
    auto op = std::make_unique<MoeOp>();
    op->x = x;
    op->y = result.y;
    op->auxLoss = result.auxLoss;
    op->params = params;
    op->options = options;
    op->dims = d;
    op->routing = std::move(routing);
    op->gathered = gathered;
    op->hidden = hidden;
    op->saved = saved;
    op->expertOut = expertOut;
    tape.push(std::move(op));
  }
  return result;
}

}  // namespace gaplab
