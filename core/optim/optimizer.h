// core/optim/optimizer.h — the interface every optimizer implements.
//
// Why (DESIGN.md "Optimizers"): the Trainer holds one Optimizer and calls
// step(arena, lr) once per training step with the learning rate from an
// LrSchedule. Updates run over the arena's flat value/gradient buffers, so one
// vectorised loop covers the whole model; optimizer state lives in
// arena.state(...) so a checkpoint of the arena carries it. The step counter is
// the only state outside the arena: checkpoints save stepCount() and restore it
// with setStepCount() on resume.
//
// Determinism: every loop runs over fixed blocks of the flat buffer
// (detail::kBlock), whole blocks per thread, block kernels exist as one
// compiled copy (GAPLAB_ONE_COPY) and square roots go through
// detail::blockSqrt, so updates and norms are bit-identical for any thread
// count and any buffer alignment, not only for a fixed thread count.
//
// Numerics: kernels are Eigen array expressions in float with scalars
// (bias corrections, norms) in double. Under Eigen's default EIGEN_FAST_MATH,
// the vectorised float sqrt is rsqrt plus one Newton step: within 3 ulp of
// std::sqrt, and 0 for inputs below FLT_MIN (negligible beside eps); an exact
// vector sqrt made an AdamW step 4x to 12x slower on the development machine.
// Results therefore match PyTorch to rounding, not bit for bit.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/ops/parallel.h"
#include "core/parameter_arena.h"

// Marks a block kernel that must exist as exactly one compiled function. A
// kernel inlined into several call sites (the serial and the threaded path of
// parallelChunks) may be compiled differently in each, e.g. with a*b + c fused
// into an FMA in one copy only, which would make results depend on the thread
// count. GCC's noipa forbids inlining and cloning; other compilers get noinline.
#if defined(__GNUC__) && !defined(__clang__)
#define GAPLAB_ONE_COPY [[gnu::noipa]]
#else
#define GAPLAB_ONE_COPY [[gnu::noinline]]
#endif

namespace gaplab {

namespace cuda {
class StepScalars;  // core/cuda/step_scalars.h (CUDA builds only)
}

namespace detail {
struct StepScalarsDeleter {
  void operator()(cuda::StepScalars* block) const;
};
}  // namespace detail

class Optimizer {
 public:
  Optimizer();
  virtual ~Optimizer();
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // Applies one update from arena.grads() to arena.values() and increments
  // stepCount(). Throws std::logic_error before arena.allocate() and
  // std::invalid_argument for a negative or non-finite learning rate. On a GPU
  // arena it is stageStep() then enqueueUpdate().
  virtual void step(ParameterArena& arena, float learningRate) = 0;
  virtual std::string name() const = 0;

  // CUDA graphs (a GPU arena only): step() == stageStep() then enqueueUpdate().
  // stageStep: host side — the checks of step(), ++stepCount(), and this step's
  //   scalars (lr, bias corrections, decay factors...) written into this optimizer's
  //   pinned host scalar block (waiting first, on an event, until the previous
  //   enqueueUpdate's copy of that block has executed, so it is never overwritten early).
  //   It also creates the optimizer state and any device tables, so that
  //   enqueueUpdate allocates nothing.
  // enqueueUpdate: device side only, capturable — one cudaMemcpyAsync of the pinned
  //   block to a device block (pinned memory: capturable; a graph replays the copy and
  //   so reads the block as the last stageStep left it), an event record after it, and
  //   the update kernels, which read their scalars from the device block.
  // Both throw std::logic_error for a CPU arena; enqueueUpdate also before the
  // first stageStep. A graph holds the arena's buffers and the optimizer's
  // blocks: capture again after moving the arena or changing its layout.
  void stageStep(ParameterArena& arena, float learningRate);
  void enqueueUpdate(ParameterArena& arena);

  // Number of completed steps (t in the bias corrections is stepCount() after
  // the increment, i.e. 1 on the first step).
  int64_t stepCount() const { return stepCount_; }
  // For resuming from a checkpoint; throws std::invalid_argument when negative.
  void setStepCount(int64_t steps);

 protected:
  // Checks the arena and learning rate (see step()); call first in step().
  void checkStep(const ParameterArena& arena, float learningRate) const;

#if GAPLAB_HAVE_CUDA
  // The GPU halves of a step, called by stageStep / enqueueUpdate for a GPU
  // arena (declared in CUDA builds only: nothing else can call them).
  // stageDeviceStep runs after ++stepCount_ and writes this step's scalars to
  // `hostScalars` (pinned, StepScalars::kCapacity bytes); enqueueDeviceUpdate
  // launches the kernels, which read them from `deviceScalars`. Every optimizer
  // implements both.
  virtual void stageDeviceStep(ParameterArena& arena, float learningRate, void* hostScalars) = 0;
  virtual void enqueueDeviceUpdate(ParameterArena& arena, const void* deviceScalars) = 0;
#endif
  // The std::logic_error stageStep / enqueueUpdate throw in a build without the CUDA backend.
  [[noreturn]] void throwNoCudaBackend() const;

  int64_t stepCount_ = 0;

 private:
  void requireGpuArena(const ParameterArena& arena, const char* what) const;
  std::unique_ptr<cuda::StepScalars, detail::StepScalarsDeleter> stepScalars_;
};

namespace detail {

// A contiguous range of the flat buffer whose parameters share a decay mode.
struct DecaySegment {
  int64_t begin = 0;
  int64_t end = 0;
  WeightDecay decay = WeightDecay::kApply;
};

// Adjacent parameters with the same WeightDecay merged into maximal runs, in
// layout order; covers [0, arena.size()).
std::vector<DecaySegment> decaySegments(const ParameterArena& arena);

// Block length of every loop in core/optim. Elementwise kernels are called
// once per block (blocks start at multiples of kBlock from their segment's
// start) and reductions sum each block in a fixed pattern, then the block sums
// in block order. Threads take whole blocks, so which code path (vector body,
// scalar peel or tail) computes an element never depends on the thread count:
// results are bit-identical for any number of threads.
constexpr int64_t kBlock = 4096;

// Runs kernel(begin, end, decay) over the whole flat range, one call per block
// of each segment, blocks spread over threads. `workPerItem` is the rough cost
// of one element, as in parallelChunks. The arithmetic belongs in a
// GAPLAB_ONE_COPY function that `kernel` calls.
template <class Kernel>
void forEachDecaySegment(const ParameterArena& arena, int64_t workPerItem, Kernel&& kernel) {
  for (const DecaySegment& s : decaySegments(arena)) {
    const int64_t blocks = (s.end - s.begin + kBlock - 1) / kBlock;
    parallelChunks(blocks, kBlock * workPerItem, [&](int64_t blockBegin, int64_t blockEnd) {
      for (int64_t k = blockBegin; k < blockEnd; ++k) {
        const int64_t begin = s.begin + k * kBlock;
        kernel(begin, begin + kBlock < s.end ? begin + kBlock : s.end, s.decay);
      }
    });
  }
}

// sqrt(v[i]) for i in [0, n), n <= kBlock, written to `out`: 64-byte aligned
// storage of kBlock floats. The block is copied there and padded to whole SIMD
// packets so that Eigen's vector path computes every element: Eigen's float
// sqrt differs from std::sqrt in the last bits (EIGEN_FAST_MATH), and on a
// plain range Eigen runs its scalar path on the unaligned head and the tail,
// which would make results depend on buffer addresses.
void blockSqrt(const float* v, int64_t n, float* out);

// Sum of x[i]^2 over [0, n) in double, in a fixed order (eight interleaved
// partial sums, combined pairwise), independent of threads.
double sumOfSquares(const float* x, int64_t n);

// The std::invalid_argument every optimizer throws for a bad option, e.g.
// "adamw: beta1 = 1.5, expected 0 <= beta1 < 1".
std::invalid_argument invalidOption(const std::string& optimizer, const std::string& option, double value,
                                    const std::string& expected);

}  // namespace detail
}  // namespace gaplab
