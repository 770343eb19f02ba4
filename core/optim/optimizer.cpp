// core/optim/optimizer.cpp — step bookkeeping and helpers shared by all optimizers.
#include "core/optim/optimizer.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include <Eigen/Core>

#if GAPLAB_HAVE_CUDA
#include "core/cuda/step_scalars.h"
#endif

namespace gaplab {

namespace detail {
void StepScalarsDeleter::operator()(cuda::StepScalars* block) const {
#if GAPLAB_HAVE_CUDA
  delete block;
#else
  (void)block;  // never created without the CUDA backend
#endif
}
}  // namespace detail

Optimizer::Optimizer() = default;
Optimizer::~Optimizer() = default;

void Optimizer::setStepCount(int64_t steps) {
  if (steps < 0) {
    throw std::invalid_argument(name() + ": step count = " + std::to_string(steps) + ", expected >= 0");
  }
  stepCount_ = steps;
}

void Optimizer::checkStep(const ParameterArena& arena, float learningRate) const {
  if (!arena.allocated()) throw std::logic_error(name() + ": step() before ParameterArena::allocate()");
  if (!(std::isfinite(learningRate) && learningRate >= 0.0f)) {
    std::ostringstream os;
    os << name() << ": learning rate = " << learningRate << ", expected a finite value >= 0";
    throw std::invalid_argument(os.str());
  }
}

void Optimizer::requireGpuArena(const ParameterArena& arena, const char* what) const {
  if (arena.device() != Device::kCuda) {
    throw std::logic_error(name() + ": " + what +
                           "() needs an arena on the GPU (CUDA graphs); on the cpu call step()");
  }
}

void Optimizer::throwNoCudaBackend() const {
  throw std::logic_error(name() + ": a GPU step needs the CUDA backend (built without it)");
}

void Optimizer::stageStep(ParameterArena& arena, float learningRate) {
  requireGpuArena(arena, "stageStep");
  checkStep(arena, learningRate);
#if GAPLAB_HAVE_CUDA
  if (!stepScalars_) stepScalars_.reset(new cuda::StepScalars());
  void* host = stepScalars_->stage();  // waits until the last copy of the block has run
  ++stepCount_;
  try {
    stageDeviceStep(arena, learningRate, host);
  } catch (...) {
    --stepCount_;
    throw;
  }
#else
  throwNoCudaBackend();
#endif
}

void Optimizer::enqueueUpdate(ParameterArena& arena) {
  requireGpuArena(arena, "enqueueUpdate");
#if GAPLAB_HAVE_CUDA
  if (!stepScalars_) throw std::logic_error(name() + ": enqueueUpdate() before the first stageStep()");
  enqueueDeviceUpdate(arena, stepScalars_->enqueueCopy());
#else
  throwNoCudaBackend();
#endif
}

namespace detail {

std::vector<DecaySegment> decaySegments(const ParameterArena& arena) {
  std::vector<DecaySegment> segments;
  for (const ParamInfo& p : arena.params()) {
    if (p.numel == 0) continue;
    if (!segments.empty() && segments.back().decay == p.decay && segments.back().end == p.offset) {
      segments.back().end = p.offset + p.numel;
    } else {
      segments.push_back({p.offset, p.offset + p.numel, p.decay});
    }
  }
  return segments;
}

GAPLAB_ONE_COPY double sumOfSquares(const float* x, int64_t n) {
  constexpr int kLanes = 8;
  double lane[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int j = 0; j < kLanes; ++j) {
      const double v = x[i + j];
      lane[j] += v * v;
    }
  }
  for (int j = 0; i < n; ++i, ++j) {
    const double v = x[i];
    lane[j] += v * v;
  }
  return ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]));
}

// GCC 12 reports a false "maybe uninitialized" inside Eigen's AVX-512 sqrt
// (the _mm512_undefined_ps() passthrough of rsqrt14); the value is never read.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
GAPLAB_ONE_COPY void blockSqrt(const float* v, int64_t n, float* out) {
  constexpr int64_t kPacketMultiple = 16;  // a whole number of packets for SSE, AVX and AVX-512
  static_assert(kBlock % kPacketMultiple == 0);
  const int64_t padded = (n + kPacketMultiple - 1) / kPacketMultiple * kPacketMultiple;
  std::copy_n(v, n, out);
  std::fill(out + n, out + padded, 1.0f);
  Eigen::Map<Eigen::ArrayXf, Eigen::Aligned64> a(out, padded);
  a = a.sqrt();
}
#pragma GCC diagnostic pop

std::invalid_argument invalidOption(const std::string& optimizer, const std::string& option, double value,
                                    const std::string& expected) {
  std::ostringstream os;
  os << optimizer << ": " << option << " = " << value << ", expected " << expected;
  return std::invalid_argument(os.str());
}

}  // namespace detail
}  // namespace gaplab
