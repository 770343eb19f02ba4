// core/ops/linear.cpp — Eigen GEMMs over raw buffers; see linear.h.
#include "core/ops/linear.h"

#include <cmath>
#include <stdexcept>

#include "core/ops/activation_math.h"
#include "core/ops/gemm.h"
#include "core/ops/parallel.h"
#if GAPLAB_HAVE_CUDA
#include "core/cuda/ops/linear_cuda.h"
#endif

namespace gaplab {
namespace {

struct LinearOp final : Op {
  Variable x, y;
  ParamView weight, bias;
  FusedActivation activation;
  Tensor preActivation;  // kGelu only: x W^T + b before the activation
  int64_t rows, in, out;

  const char* name() const override { return "linear"; }
  void forEachParameter(const ParamVisitor& visit) const override {
    visit(weight);
    visit(bias);
  }

  // dy: [N, out] -> dpre: [N, out] -> dx: [N, in] (=/+=), dW: [out, in] (+= dpre^T x), db: [out] (+= sum_N dpre)
  void backward() override {
    if (!y.hasGrad()) return;
    Tensor dpre = y.grad().reshape({rows, out});
    if (activation == FusedActivation::kRelu) {
      // y = relu(pre): the gradient passes where y > 0; done in place on dy.
      const float* yv = y.value().data();
      float* g = dpre.data();
      detail::parallelChunks(rows * out, 1, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) g[i] = yv[i] > 0.0f ? g[i] : 0.0f;
      });
    } else if (activation == FusedActivation::kGelu) {
      const float* pre = preActivation.data();
      float* g = dpre.data();
      detail::parallelChunks(rows, out * 8, [&](int64_t r0, int64_t r1) {
        detail::geluBackwardInPlace(pre + r0 * out, g + r0 * out, (r1 - r0) * out);
      });
    }
    const float* dY = dpre.data();
    // dW[out, in] += dY^T X
    gemm(Transpose::kYes, Transpose::kNo, out, in, rows, dY, out, x.value().data(), in, weight.grad(), in,
         GemmWrite::kAccumulate);
    if (bias.defined()) {
      Eigen::Map<Eigen::RowVectorXf> db(bias.grad(), out);
      db.noalias() += ConstMatrixMap(dY, rows, out).colwise().sum();
    }
    if (x.requiresGrad()) {
      GradWrite mode;
      Tensor dxT = x.gradForWrite(&mode);
      // dX[N, in] (=/+=) dY W
      gemm(Transpose::kNo, Transpose::kNo, rows, in, out, dY, out, weight.value(), in, dxT.data(), in,
           mode == GradWrite::kAssign ? GemmWrite::kAssign : GemmWrite::kAccumulate);
    }
  }
};

}  // namespace

Variable linear(Tape& tape, const Variable& x, const ParamView& weight, const ParamView& bias,
                FusedActivation activation) {
  const Shape& ws = weight.info().shape;
  const int64_t out = ws.at(0), in = ws.at(1);
  const Tensor& xv = x.value();
  if (xv.rank() < 1 || xv.dim(-1) != in)
    throw std::invalid_argument("linear '" + weight.info().name + "': input " + shapeToString(xv.shape()) +
                                " does not end in " + std::to_string(in));
  requireSameDevice(xv, weight, "linear");
#if GAPLAB_HAVE_CUDA
  if (xv.device() == Device::kCuda) return cuda::linear(tape, x, weight, bias, activation);
#endif
  const int64_t rows = xv.numel() / in;
  Shape yShape = xv.shape();
  yShape.back() = out;
  Tensor yv = Tensor::empty(yShape);
  // Y[N, out] = X W^T
  gemm(Transpose::kNo, Transpose::kYes, rows, out, in, xv.data(), in, weight.value(), in, yv.data(), out,
       GemmWrite::kAssign);

  Tensor pre;
  float* yd = yv.data();
  const float* b = bias.defined() ? bias.value() : nullptr;
  const bool keepPre = activation == FusedActivation::kGelu && tape.recording();
  if (keepPre) pre = Tensor::empty(yShape);
  detail::parallelChunks(rows, out, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      float* row = yd + r * out;
      if (b)
        for (int64_t j = 0; j < out; ++j) row[j] += b[j];
      if (activation == FusedActivation::kRelu) {
        for (int64_t j = 0; j < out; ++j) row[j] = row[j] > 0.0f ? row[j] : 0.0f;
      } else if (activation == FusedActivation::kGelu) {
        if (keepPre) std::copy(row, row + out, pre.data() + r * out);
        detail::geluArray(row, row, nullptr, out);
      }
    }
  });

  Variable y(yv, x.requiresGrad() || tape.recording() ? RequiresGrad::kYes : RequiresGrad::kNo);
  if (tape.recording()) {
    auto op = std::make_unique<LinearOp>();
    op->x = x;
    op->y = y;
    op->weight = weight;
    op->bias = bias;
    op->activation = activation;
    op->preActivation = pre;
    op->rows = rows;
    op->in = in;
    op->out = out;
    tape.push(std::move(op));
  }
  return y;
}

}  // namespace gaplab
