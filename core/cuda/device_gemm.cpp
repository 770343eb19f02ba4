// core/cuda/device_gemm.cpp — cuBLAS calls behind device_gemm.h; one handle per
// thread, created on first use and bound to the compute stream, with a workspace
// of its own.
//
// Why the workspace (cublasSetWorkspace): without one, cuBLAS takes scratch from
// its internal pool, and a product captured in a CUDA graph (core/device_graph.h)
// makes it allocate inside the capture (CUDA >= 12.2: cudaMallocAsync, i.e.
// memory-allocation nodes in our graph; older versions: a new workspace per
// captured graph that is never returned). A fixed buffer allocated once, with
// the size NVIDIA recommends (32 MiB on Hopper and later, 4 MiB before), keeps
// the captured graph free of allocations, and eager and captured products see
// the same workspace and so choose the same algorithms (graph replays match the
// eager steps). cublasSetStream resets the workspace to the default pool, so it
// is set after the stream.
#include "core/cuda/device_gemm.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "core/cuda/cuda_check.h"
#include "core/cuda/kernels/convert_kernels.h"
#include "core/cuda/stream.h"
#include "core/device_memory.h"

namespace gaplab::cuda {
namespace {

class CublasHandle {
 public:
  CublasHandle() {
    GAPLAB_CUBLAS_CHECK(cublasCreate(&handle_));
    try {
      GAPLAB_CUBLAS_CHECK(cublasSetStream(handle_, computeStream()));
      int device = 0, major = 0;
      GAPLAB_CUDA_CHECK(cudaGetDevice(&device));
      GAPLAB_CUDA_CHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device));
      const std::size_t bytes = std::size_t(major >= 9 ? 32 : 4) << 20;
      // Straight from cudaMalloc (256-byte aligned, as cuBLAS requires), not the
      // caching allocator: it lives as long as the handle, outside any graph's pool.
      GAPLAB_CUDA_CHECK(cudaMalloc(&workspace_, bytes));
      GAPLAB_CUBLAS_CHECK(cublasSetWorkspace(handle_, workspace_, bytes));  // after cublasSetStream
    } catch (...) {
      release();
      throw;
    }
  }
  ~CublasHandle() { release(); }
  CublasHandle(const CublasHandle&) = delete;
  CublasHandle& operator=(const CublasHandle&) = delete;
  // The handle with the math mode of the current precision (TF32 tensor cores or
  // the default, which uses tensor cores for the bf16 GemmEx calls).
  cublasHandle_t get() {
    const bool tf32 = computePrecision() == ComputePrecision::kTf32;
    if (tf32 != tf32_) {
      GAPLAB_CUBLAS_CHECK(cublasSetMathMode(handle_, tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
      tf32_ = tf32;
    }
    return handle_;
  }

 private:
  // No throw (a destructor; may run after the runtime shut down at exit).
  void release() {
    if (handle_) cublasDestroy(handle_);
    if (workspace_) cudaFree(workspace_);
    handle_ = nullptr;
    workspace_ = nullptr;
  }

  cublasHandle_t handle_ = nullptr;
  void* workspace_ = nullptr;
  bool tf32_ = false;
};

cublasHandle_t handle() {
  thread_local CublasHandle h;
  return h.get();
}

cublasOperation_t op(Transpose t) { return t == Transpose::kYes ? CUBLAS_OP_T : CUBLAS_OP_N; }

int asInt(int64_t v, const char* what) {
  if (v < 0 || v > INT32_MAX)
    throw std::invalid_argument(std::string("deviceGemm: ") + what + " = " + std::to_string(v) +
                                " does not fit cuBLAS's int");
  return static_cast<int>(v);
}

// A bf16 copy of a (possibly strided, batched) operand: every element from the
// first to the last one the product reads, the gaps between rows included; the
// copy keeps X's leading dimension and batch stride.
struct Bf16Operand {
  std::shared_ptr<void> storage;
  const void* data() const { return storage.get(); }
};

Bf16Operand toBf16(const float* src, Transpose t, int64_t rows, int64_t cols, int64_t ld, int64_t stride,
                   int64_t batches) {
  // X is stored [storedRows, storedCols] with leading dimension ld; the last
  // element read is the last stored row's last column, which may lie before the
  // end of a full row (a head's columns inside a packed qkv row): never read past it.
  const int64_t storedRows = t == Transpose::kNo ? rows : cols;
  const int64_t storedCols = t == Transpose::kNo ? cols : rows;
  const int64_t extent = std::max<int64_t>(1, stride * (batches - 1) + (storedRows - 1) * ld + storedCols);
  Bf16Operand out{allocateDeviceBytes(static_cast<std::size_t>(extent) * 2)};
  launchFloatToBf16(src, out.storage.get(), extent);
  return out;
}

}  // namespace

void deviceGemm(Transpose ta, Transpose tb, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
                const float* b, int64_t ldb, float* c, int64_t ldc, GemmWrite write) {
  if (m == 0 || n == 0) return;
  deviceGemmStridedBatched(ta, tb, m, n, k, a, lda, 0, b, ldb, 0, c, ldc, 0, 1, write);
}

void deviceGemmStridedBatched(Transpose ta, Transpose tb, int64_t m, int64_t n, int64_t k, const float* a,
                              int64_t lda, int64_t strideA, const float* b, int64_t ldb, int64_t strideB, float* c,
                              int64_t ldc, int64_t strideC, int64_t batches, GemmWrite write, float alpha) {
  if (m == 0 || n == 0 || batches == 0) return;
  const float beta = write == GemmWrite::kAccumulate ? 1.0f : 0.0f;
  // Row-major C[m,n] = op(A) op(B)  <=>  column-major C^T[n,m] = op(B)^T op(A)^T.
  const int cm = asInt(n, "n"), cn = asInt(m, "m"), ck = asInt(k, "k");
  if (computePrecision() == ComputePrecision::kBf16) {
    const Bf16Operand a16 = toBf16(a, ta, m, k, lda, strideA, batches);
    const Bf16Operand b16 = toBf16(b, tb, k, n, ldb, strideB, batches);
    GAPLAB_CUBLAS_CHECK(cublasGemmStridedBatchedEx(
        handle(), op(tb), op(ta), cm, cn, ck, &alpha, b16.data(), CUDA_R_16BF, asInt(ldb, "ldb"), strideB,
        a16.data(), CUDA_R_16BF, asInt(lda, "lda"), strideA, &beta, c, CUDA_R_32F, asInt(ldc, "ldc"), strideC,
        asInt(batches, "batches"), CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
    return;
  }
  if (batches == 1) {
    GAPLAB_CUBLAS_CHECK(cublasSgemm(handle(), op(tb), op(ta), cm, cn, ck, &alpha, b, asInt(ldb, "ldb"), a,
                                    asInt(lda, "lda"), &beta, c, asInt(ldc, "ldc")));
    return;
  }
  GAPLAB_CUBLAS_CHECK(cublasSgemmStridedBatched(handle(), op(tb), op(ta), cm, cn, ck, &alpha, b, asInt(ldb, "ldb"),
                                                strideB, a, asInt(lda, "lda"), strideA, &beta, c, asInt(ldc, "ldc"),
                                                strideC, asInt(batches, "batches")));
}

}  // namespace gaplab::cuda
