// core/compute_precision.h — the arithmetic precision of a run's matrix products
// on the GPU (a run's `precision:` key).
//
// Why: fp32 is the reference; TF32 tensor cores (10-bit mantissa inputs, fp32
// accumulation) and bf16 autocast (bf16 inputs to every GEMM, fp32 accumulation
// and outputs, fp32 master weights and optimizer state, fp32 everywhere else, as
// PyTorch's torch.autocast(dtype=bfloat16)) trade accuracy for speed. The CPU
// backend always computes in fp32; the run config refuses tf32/bf16 on cpu.
#pragma once

#include <string>

namespace gaplab {

enum class ComputePrecision { kFp32, kTf32, kBf16 };

// Process-wide; set once per run before training (single_run.cpp).
void setComputePrecision(ComputePrecision precision);
ComputePrecision computePrecision();
std::string toString(ComputePrecision precision);  // "fp32", "tf32", "bf16"

}  // namespace gaplab
