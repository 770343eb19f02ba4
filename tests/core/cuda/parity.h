// tests/core/cuda/parity.h — CPU-against-CUDA parity checks for every op (ctest
// label `gpu`), in the manner of ggml's backend tests.
//
// Why: the CPU backend is the reference (its ops pass finite-difference checks
// in tests/core/ops); a CUDA op is right when, from the same inputs, parameters
// and output gradient, it produces the same output, input gradients and
// parameter gradients within an error allowed per op. Every test starts with
// GAPLAB_REQUIRE_GPU(), so the suite builds everywhere and skips cleanly where
// no GPU is visible.
//
// Use: declare the op's parameters in a TwinArenas through `declare`, run the op
// once per side with twin.run(...), then twin.expect*Close(...).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "core/autograd/tape.h"
#include "core/device_memory.h"
#include "core/parameter_arena.h"
#include "core/rng.h"

#define GAPLAB_REQUIRE_GPU()                                                     \
  do {                                                                           \
    if (!::gaplab::cudaAvailable()) GTEST_SKIP() << ::gaplab::cudaUnavailableReason(); \
  } while (0)

namespace gaplab::testing {

inline Tensor randomHostTensor(const Shape& shape, uint64_t seed, float scale = 1.0f) {
  Tensor t = Tensor::empty(shape);
  RngStream rng(seed, RngPurpose::kSynthetic, 123);
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = scale * rng.normal();
  return t;
}

// Largest |a - b| / (atol + rtol * |a|) over the elements; <= 1 passes.
inline void expectVectorsClose(const std::vector<float>& cpu, const std::vector<float>& gpu, float atol, float rtol,
                               const std::string& what) {
  ASSERT_EQ(cpu.size(), gpu.size()) << what;
  double worst = 0.0;
  std::size_t at = 0;
  for (std::size_t i = 0; i < cpu.size(); ++i) {
    if (!std::isfinite(gpu[i]) && std::isfinite(cpu[i])) {
      ADD_FAILURE() << what << "[" << i << "]: cuda " << gpu[i] << ", cpu " << cpu[i];
      return;
    }
    const double err = std::fabs(double(cpu[i]) - gpu[i]) / (atol + rtol * std::fabs(double(cpu[i])));
    if (err > worst) {
      worst = err;
      at = i;
    }
  }
  EXPECT_LE(worst, 1.0) << what << ": worst element " << at << " cpu " << cpu[at] << " cuda " << gpu[at]
                        << " (atol " << atol << ", rtol " << rtol << ")";
}

inline void expectTensorsClose(const Tensor& cpu, const Tensor& gpu, float atol, float rtol, const std::string& what) {
  EXPECT_EQ(gpu.device(), Device::kCuda) << what;
  EXPECT_EQ(cpu.shape(), gpu.shape()) << what;
  expectVectorsClose(cpu.toVector(), gpu.toVector(), atol, rtol, what);
}

// The same parameters declared twice and initialised from the same seed; the
// second arena lives on the GPU.
struct TwinArenas {
  ParameterArena cpu, gpu;

  // `declare` adds the parameters to an arena and stores the views it needs;
  // it is called once per arena (cpu first).
  void allocate(const std::function<void(ParameterArena&, Device)>& declare, uint64_t seed = 7) {
    declare(cpu, Device::kCpu);
    declare(gpu, Device::kCuda);
    RngStream a(seed, RngPurpose::kInit), b(seed, RngPurpose::kInit);
    cpu.allocate(a);
    gpu.allocate(b);
    gpu.moveTo(Device::kCuda);
  }

  // Compares the gradients less `start` (what both sides held before backward),
  // so that the tolerance stays relative to the gradient itself.
  void expectGradsClose(float atol, float rtol, float start = 0.0f) {
    gpu.syncToHost();
    for (const ParamInfo& p : cpu.params()) {
      const float* c = cpu.gradBuffer().data() + p.offset;
      const float* g = gpu.gradBuffer().data() + p.offset;
      std::vector<float> cv(c, c + p.numel), gv(g, g + p.numel);
      for (std::size_t i = 0; i < cv.size(); ++i) {
        cv[i] -= start;
        gv[i] -= start;
      }
      expectVectorsClose(cv, gv, atol, rtol, "d" + p.name);
    }
  }

  void expectValuesClose(float atol, float rtol) {
    gpu.syncToHost();
    for (const ParamInfo& p : cpu.params()) {
      const float* c = cpu.valueBuffer().data() + p.offset;
      const float* g = gpu.valueBuffer().data() + p.offset;
      expectVectorsClose(std::vector<float>(c, c + p.numel), std::vector<float>(g, g + p.numel), atol, rtol, p.name);
    }
  }

  void expectBuffersClose(float atol, float rtol) {
    gpu.syncToHost();
    expectVectorsClose(std::vector<float>(cpu.bufferStorage().begin(), cpu.bufferStorage().end()),
                       std::vector<float>(gpu.bufferStorage().begin(), gpu.bufferStorage().end()), atol, rtol,
                       "buffers");
  }
};

// One op run on one side: inputs become Variables that require gradients (on
// `device`), the op's output is seeded with `outputGrad` and backward runs.
// Parameter gradients start at kParamGradStart, not 0: ops must accumulate (+=)
// into them, and a kernel that assigns (=) then fails the comparison.
constexpr float kParamGradStart = 0.5f;

struct OpRun {
  std::vector<Variable> inputs;
  Variable output;
};

inline OpRun runOp(const std::function<Variable(Tape&, std::vector<Variable>&, Device)>& op,
                   const std::vector<Tensor>& hostInputs, const Tensor& hostOutputGrad, Device device,
                   ParameterArena& arena) {
  OpRun run;
  for (const Tensor& t : hostInputs) run.inputs.emplace_back(t.to(device), RequiresGrad::kYes);
  if (device == Device::kCpu)
    std::fill(arena.grads(), arena.grads() + arena.size(), kParamGradStart);
  else
    fillDevice(arena.grads(), static_cast<std::size_t>(arena.size()), kParamGradStart);
  Tape tape;
  run.output = op(tape, run.inputs, device);
  if (hostOutputGrad.defined()) tape.backward(run.output, hostOutputGrad.to(device));
  return run;
}

// Runs `op` on both sides with the same inputs and a random output gradient,
// and compares output, every input gradient and every parameter gradient.
struct ParityTolerance {
  float atol = 1e-4f;
  float rtol = 1e-3f;
};

inline void expectOpParity(TwinArenas& twin, const std::function<Variable(Tape&, std::vector<Variable>&, Device)>& op,
                           const std::vector<Tensor>& hostInputs, ParityTolerance forward, ParityTolerance backward,
                           uint64_t gradSeed = 99) {
  // The output shape comes from an inference run on the CPU.
  std::vector<Variable> probe;
  for (const Tensor& t : hostInputs) probe.emplace_back(t, RequiresGrad::kNo);
  Tape inference(TapeMode::kInference);
  const Shape outShape = op(inference, probe, Device::kCpu).shape();
  const Tensor dy = randomHostTensor(outShape, gradSeed);

  OpRun c = runOp(op, hostInputs, dy, Device::kCpu, twin.cpu);
  OpRun g = runOp(op, hostInputs, dy, Device::kCuda, twin.gpu);
  expectTensorsClose(c.output.value(), g.output.value(), forward.atol, forward.rtol, "output");
  for (std::size_t i = 0; i < c.inputs.size(); ++i) {
    if (!c.inputs[i].hasGrad()) {
      EXPECT_FALSE(g.inputs[i].hasGrad()) << "input " << i << " got a gradient on cuda only";
      continue;
    }
    ASSERT_TRUE(g.inputs[i].hasGrad()) << "input " << i << " got a gradient on cpu only";
    expectTensorsClose(c.inputs[i].grad(), g.inputs[i].grad(), backward.atol, backward.rtol,
                       "dinput" + std::to_string(i));
  }
  twin.expectGradsClose(backward.atol, backward.rtol, kParamGradStart);
}

}  // namespace gaplab::testing
