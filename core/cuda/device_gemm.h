// core/cuda/device_gemm.h — the matrix products of the CUDA ops, through cuBLAS.
//
// Why: same row-major contract as core/ops/gemm.h, so a CUDA op reads like its
// CPU twin. cuBLAS is column-major; a row-major C = op(A) op(B) is the
// column-major C^T = op(B)^T op(A)^T, which is what these functions call.
// The handle is bound to the compute stream. Precision follows
// core/compute_precision.h: fp32; TF32 tensor-core math; or bf16 autocast, where
// A and B are rounded to bf16 (into scratch buffers from the caching allocator)
// and multiplied on tensor cores with fp32 accumulation into the fp32 C.
#pragma once

#include <cstdint>

#include "core/compute_precision.h"
#include "core/ops/gemm.h"

namespace gaplab::cuda {

// C[m, n] (= or +=) op(A)[m, k] * op(B)[k, n], row-major, device pointers.
void deviceGemm(Transpose ta, Transpose tb, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
                const float* b, int64_t ldb, float* c, int64_t ldc, GemmWrite write);

// `batches` independent products; matrix i starts at a + i*strideA (etc.).
void deviceGemmStridedBatched(Transpose ta, Transpose tb, int64_t m, int64_t n, int64_t k, const float* a,
                              int64_t lda, int64_t strideA, const float* b, int64_t ldb, int64_t strideB, float* c,
                              int64_t ldc, int64_t strideC, int64_t batches, GemmWrite write, float alpha = 1.0f);

}  // namespace gaplab::cuda
