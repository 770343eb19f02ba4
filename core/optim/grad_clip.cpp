// core/optim/grad_clip.cpp — blocked, deterministic gradient norm and scaling.
#include "core/optim/grad_clip.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <vector>

#include <Eigen/Core>

#include "core/optim/optimizer.h"

#if GAPLAB_HAVE_CUDA
#include "core/cuda/optim/optimizer_cuda.h"
#endif

namespace gaplab {

double globalGradNorm(const ParameterArena& arena) {
  const int64_t n = arena.size();
  if (n == 0 || !arena.allocated()) return 0.0;
#if GAPLAB_HAVE_CUDA
  if (arena.device() == Device::kCuda) return cuda::globalGradNorm(arena);
#endif
  const int64_t nBlocks = (n + detail::kBlock - 1) / detail::kBlock;
  std::vector<double> partial(static_cast<std::size_t>(nBlocks));
  const float* g = arena.grads();
  detail::parallelChunks(nBlocks, detail::kBlock, [&](int64_t blockBegin, int64_t blockEnd) {
    for (int64_t k = blockBegin; k < blockEnd; ++k) {
      const int64_t begin = k * detail::kBlock;
      const int64_t end = std::min(begin + detail::kBlock, n);
      partial[static_cast<std::size_t>(k)] = detail::sumOfSquares(g + begin, end - begin);
    }
  });
  double sum = 0.0;
  for (double s : partial) sum += s;
  return std::sqrt(sum);
}

double clipGradNorm(ParameterArena& arena, double maxNorm) {
  if (!(std::isfinite(maxNorm) && maxNorm > 0.0)) {
    std::ostringstream os;
    os << "clipGradNorm: maxNorm = " << maxNorm << ", expected a finite value > 0";
    throw std::invalid_argument(os.str());
  }
#if GAPLAB_HAVE_CUDA
  if (arena.device() == Device::kCuda && arena.size() > 0) return cuda::clipGradNorm(arena, maxNorm);
#endif
  const double norm = globalGradNorm(arena);
  if (!std::isfinite(norm)) return norm;
  const double coef = maxNorm / (norm + 1e-6);
  if (coef < 1.0) {
    const auto scale = static_cast<float>(coef);
    float* g = arena.grads();
    detail::parallelChunks(arena.size(), 1, [&](int64_t begin, int64_t end) {
      Eigen::Map<Eigen::ArrayXf>(g + begin, end - begin) *= scale;
    });
  }
  return norm;
}

}  // namespace gaplab
