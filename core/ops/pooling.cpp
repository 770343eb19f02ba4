// core/ops/pooling.cpp — per-plane pooling loops; see pooling.h.
//
// Every loop runs over the N*C planes with parallelChunks: one thread owns a
// plane of y forward and the matching plane of dx backward, and scatters into
// it in a fixed order, so overlapping windows stay deterministic.
#include "core/ops/pooling.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/ops/parallel.h"
#include "core/ops/reduce_math.h"
#if GAPLAB_HAVE_CUDA
#include "core/cuda/ops/pooling_cuda.h"
#endif

namespace gaplab {
namespace {

enum class PoolKind { kMax, kAvg };

const char* poolName(PoolKind kind) { return kind == PoolKind::kMax ? "maxPool2d" : "avgPool2d"; }

struct PoolDims {
  int64_t planes, h, w, oh, ow;
  int64_t kernel, stride, padding;
  int64_t hw() const { return h * w; }
  int64_t ohow() const { return oh * ow; }
  // Window rows/cols [lo, hi) of output index `out` along an axis of size `in`.
  void window(int64_t out, int64_t in, int64_t& lo, int64_t& hi) const {
    const int64_t start = out * stride - padding;
    lo = std::max<int64_t>(start, 0);
    hi = std::min<int64_t>(start + kernel, in);
  }
};

const Tensor& checkedPlanes(const Variable& x, const char* op) {
  if (!x.defined()) throw std::invalid_argument(std::string(op) + ": input variable is undefined");
  const Tensor& xv = x.value();
  if (xv.rank() != 4)
    throw std::invalid_argument(std::string(op) + ": input " + shapeToString(xv.shape()) + " is not [N, C, H, W]");
  return xv;
}

PoolDims poolDims(const Tensor& xv, int64_t kernel, int64_t stride, int64_t padding, PoolKind kind) {
  const std::string where = std::string(poolName(kind)) + ": kernel " + std::to_string(kernel) + ", stride " +
                            std::to_string(stride) + ", padding " + std::to_string(padding) + " on input " +
                            shapeToString(xv.shape());
  if (kernel < 1 || stride < 1) throw std::invalid_argument(where + ": kernel and stride must be >= 1");
  if (padding < 0 || padding > kernel / 2)
    throw std::invalid_argument(where + ": padding must be in [0, kernel / 2]");
  PoolDims d{};
  d.planes = xv.dim(0) * xv.dim(1);
  d.h = xv.dim(2);
  d.w = xv.dim(3);
  d.kernel = kernel;
  d.stride = stride;
  d.padding = padding;
  const int64_t spanH = d.h + 2 * padding - kernel, spanW = d.w + 2 * padding - kernel;
  d.oh = spanH < 0 ? 0 : spanH / stride + 1;
  d.ow = spanW < 0 ? 0 : spanW / stride + 1;
  if (d.oh < 1 || d.ow < 1)
    throw std::invalid_argument(where + ": output would be " + shapeToString({xv.dim(0), xv.dim(1), d.oh, d.ow}));
  if (d.hw() > std::numeric_limits<int32_t>::max())
    throw std::invalid_argument(where + ": planes larger than 2^31 elements are not supported");
  return d;
}

struct MaxPoolOp final : Op {
  Variable x, y;
  std::vector<int32_t> argmax;  // per output element: index of the max inside its input plane
  PoolDims d;

  const char* name() const override { return "maxPool2d"; }

  // dy: [N, C, OH, OW] -> dx: [N, C, H, W] (=/+= dy routed to each window's argmax)
  void backward() override {
    if (!y.hasGrad() || !x.requiresGrad()) return;
    const float* dy = y.grad().data();
    GradWrite mode;
    Tensor dxT = x.gradForWrite(&mode);
    float* dx = dxT.data();
    const int64_t hw = d.hw(), ohow = d.ohow();
    detail::parallelChunks(d.planes, hw + ohow, [&](int64_t q0, int64_t q1) {
      for (int64_t q = q0; q < q1; ++q) {
        float* dxPlane = dx + q * hw;
        if (mode == GradWrite::kAssign) std::fill(dxPlane, dxPlane + hw, 0.0f);
        const float* dyPlane = dy + q * ohow;
        const int32_t* arg = argmax.data() + q * ohow;
        for (int64_t i = 0; i < ohow; ++i) dxPlane[arg[i]] += dyPlane[i];
      }
    });
  }
};

struct AvgPoolOp final : Op {
  Variable x, y;
  PoolDims d;

  const char* name() const override { return "avgPool2d"; }

  // dy: [N, C, OH, OW] -> dx: [N, C, H, W] (=/+= dy / kernel^2 spread over each window's real elements)
  void backward() override {
    if (!y.hasGrad() || !x.requiresGrad()) return;
    const float* dy = y.grad().data();
    GradWrite mode;
    Tensor dxT = x.gradForWrite(&mode);
    float* dx = dxT.data();
    const int64_t hw = d.hw(), ohow = d.ohow();
    const float inv = 1.0f / static_cast<float>(d.kernel * d.kernel);
    detail::parallelChunks(d.planes, hw + ohow * d.kernel * d.kernel, [&](int64_t q0, int64_t q1) {
      for (int64_t q = q0; q < q1; ++q) {
        float* dxPlane = dx + q * hw;
        if (mode == GradWrite::kAssign) std::fill(dxPlane, dxPlane + hw, 0.0f);
        const float* dyPlane = dy + q * ohow;
        for (int64_t oi = 0; oi < d.oh; ++oi) {
          int64_t h0, h1;
          d.window(oi, d.h, h0, h1);
          for (int64_t oj = 0; oj < d.ow; ++oj) {
            int64_t w0, w1;
            d.window(oj, d.w, w0, w1);
            const float g = dyPlane[oi * d.ow + oj] * inv;
            for (int64_t ih = h0; ih < h1; ++ih)
              for (int64_t iw = w0; iw < w1; ++iw) dxPlane[ih * d.w + iw] += g;
          }
        }
      }
    });
  }
};

struct GlobalAvgPoolOp final : Op {
  Variable x, y;
  int64_t planes, hw;

  const char* name() const override { return "globalAvgPool2d"; }

  // dy: [N, C] -> dx: [N, C, H, W] (=/+= dy / (H W) over each plane)
  void backward() override {
    if (!y.hasGrad() || !x.requiresGrad()) return;
    const float* dy = y.grad().data();
    GradWrite mode;
    Tensor dxT = x.gradForWrite(&mode);
    float* dx = dxT.data();
    const float inv = 1.0f / static_cast<float>(hw);
    detail::parallelChunks(planes, hw, [&](int64_t q0, int64_t q1) {
      for (int64_t q = q0; q < q1; ++q) {
        float* dxPlane = dx + q * hw;
        const float g = dy[q] * inv;
        if (mode == GradWrite::kAssign) {
          std::fill(dxPlane, dxPlane + hw, g);
        } else {
          for (int64_t i = 0; i < hw; ++i) dxPlane[i] += g;
        }
      }
    });
  }
};

}  // namespace

Variable maxPool2d(Tape& tape, const Variable& x, int64_t kernel, int64_t stride, int64_t padding) {
  const Tensor& xv = checkedPlanes(x, "maxPool2d");
  const PoolDims d = poolDims(xv, kernel, stride, padding, PoolKind::kMax);
#if GAPLAB_HAVE_CUDA
  if (xv.device() == Device::kCuda) return cuda::maxPool2d(tape, x, kernel, stride, padding);
#endif
  const int64_t hw = d.hw(), ohow = d.ohow();
  Tensor yv = Tensor::empty({xv.dim(0), xv.dim(1), d.oh, d.ow});
  std::vector<int32_t> argmax(static_cast<std::size_t>(d.planes * ohow));
  const float* in = xv.data();
  float* out = yv.data();
  detail::parallelChunks(d.planes, ohow * kernel * kernel, [&](int64_t q0, int64_t q1) {
    for (int64_t q = q0; q < q1; ++q) {
      const float* xPlane = in + q * hw;
      float* yPlane = out + q * ohow;
      int32_t* arg = argmax.data() + q * ohow;
      for (int64_t oi = 0; oi < d.oh; ++oi) {
        int64_t h0, h1;
        d.window(oi, d.h, h0, h1);
        for (int64_t oj = 0; oj < d.ow; ++oj) {
          int64_t w0, w1;
          d.window(oj, d.w, w0, w1);
          // padding <= kernel / 2 guarantees at least one real element per window.
          int64_t best = h0 * d.w + w0;
          float bestValue = xPlane[best];
          for (int64_t ih = h0; ih < h1; ++ih)
            for (int64_t iw = w0; iw < w1; ++iw) {
              const float v = xPlane[ih * d.w + iw];
              if (v > bestValue || (std::isnan(v) && !std::isnan(bestValue))) {
                bestValue = v;
                best = ih * d.w + iw;
              }
            }
          yPlane[oi * d.ow + oj] = bestValue;
          arg[oi * d.ow + oj] = static_cast<int32_t>(best);
        }
      }
    }
  });

  Variable y(yv, x.requiresGrad() || tape.recording() ? RequiresGrad::kYes : RequiresGrad::kNo);
  if (tape.recording()) {
    auto op = std::make_unique<MaxPoolOp>();
    op->x = x;
    op->y = y;
    op->argmax = std::move(argmax);
    op->d = d;
    tape.push(std::move(op));
  }
  return y;
}

Variable avgPool2d(Tape& tape, const Variable& x, int64_t kernel, int64_t stride, int64_t padding) {
  const Tensor& xv = checkedPlanes(x, "avgPool2d");
  const PoolDims d = poolDims(xv, kernel, stride, padding, PoolKind::kAvg);
#if GAPLAB_HAVE_CUDA
  if (xv.device() == Device::kCuda) return cuda::avgPool2d(tape, x, kernel, stride, padding);
#endif
  const int64_t hw = d.hw(), ohow = d.ohow();
  Tensor yv = Tensor::empty({xv.dim(0), xv.dim(1), d.oh, d.ow});
  const float inv = 1.0f / static_cast<float>(kernel * kernel);
  const float* in = xv.data();
  float* out = yv.data();
  detail::parallelChunks(d.planes, ohow * kernel * kernel, [&](int64_t q0, int64_t q1) {
    for (int64_t q = q0; q < q1; ++q) {
      const float* xPlane = in + q * hw;
      float* yPlane = out + q * ohow;
      for (int64_t oi = 0; oi < d.oh; ++oi) {
        int64_t h0, h1;
        d.window(oi, d.h, h0, h1);
        for (int64_t oj = 0; oj < d.ow; ++oj) {
          int64_t w0, w1;
          d.window(oj, d.w, w0, w1);
          float s = 0.0f;
          for (int64_t ih = h0; ih < h1; ++ih)
            for (int64_t iw = w0; iw < w1; ++iw) s += xPlane[ih * d.w + iw];
          yPlane[oi * d.ow + oj] = s * inv;  // padded zeros count in the divisor
        }
      }
    }
  });

  Variable y(yv, x.requiresGrad() || tape.recording() ? RequiresGrad::kYes : RequiresGrad::kNo);
  if (tape.recording()) {
    auto op = std::make_unique<AvgPoolOp>();
    op->x = x;
    op->y = y;
    op->d = d;
    tape.push(std::move(op));
  }
  return y;
}

Variable globalAvgPool2d(Tape& tape, const Variable& x) {
  const Tensor& xv = checkedPlanes(x, "globalAvgPool2d");
  const int64_t n = xv.dim(0), c = xv.dim(1), hw = xv.dim(2) * xv.dim(3);
  if (hw < 1) throw std::invalid_argument("globalAvgPool2d: input " + shapeToString(xv.shape()) + " has empty planes");
#if GAPLAB_HAVE_CUDA
  if (xv.device() == Device::kCuda) return cuda::globalAvgPool2d(tape, x);
#endif
  Tensor yv = Tensor::empty({n, c});
  const float inv = 1.0f / static_cast<float>(hw);
  const float* in = xv.data();
  float* out = yv.data();
  detail::parallelChunks(n * c, hw, [&](int64_t q0, int64_t q1) {
    for (int64_t q = q0; q < q1; ++q) out[q] = detail::laneSum(in + q * hw, hw) * inv;
  });

  Variable y(yv, x.requiresGrad() || tape.recording() ? RequiresGrad::kYes : RequiresGrad::kNo);
  if (tape.recording()) {
    auto op = std::make_unique<GlobalAvgPoolOp>();
    op->x = x;
    op->y = y;
    op->planes = n * c;
    op->hw = hw;
    tape.push(std::move(op));
  }
  return y;
}

}  // namespace gaplab
