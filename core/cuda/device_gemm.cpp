// core/cuda/device_gemm.cpp — cuBLAS calls behind device_gemm.h; one handle per
// thread, created on first use and bound to the compute stream.
#include "core/cuda/device_gemm.h"

#include <atomic>
#include <stdexcept>
#include <string>

#include "core/cuda/cuda_check.h"
#include "core/cuda/stream.h"

namespace gaplab::cuda {
namespace {

std::atomic<MatmulPrecision> gPrecision{MatmulPrecision::kFp32};

class CublasHandle {
 public:
  CublasHandle() {
    GAPLAB_CUBLAS_CHECK(cublasCreate(&handle_));
    GAPLAB_CUBLAS_CHECK(cublasSetStream(handle_, computeStream()));
  }
  ~CublasHandle() {
    if (handle_) cublasDestroy(handle_);
  }
  CublasHandle(const CublasHandle&) = delete;
  CublasHandle& operator=(const CublasHandle&) = delete;
  cublasHandle_t get() {
    const MatmulPrecision p = gPrecision.load();
    if (p != mode_) {
      GAPLAB_CUBLAS_CHECK(
          cublasSetMathMode(handle_, p == MatmulPrecision::kTf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
      mode_ = p;
    }
    return handle_;
  }

 private:
  cublasHandle_t handle_ = nullptr;
  MatmulPrecision mode_ = MatmulPrecision::kFp32;
};

cublasHandle_t handle() {
  thread_local CublasHandle h;
  return h.get();
}

cublasOperation_t op(Transpose t) { return t == Transpose::kYes ? CUBLAS_OP_T : CUBLAS_OP_N; }

int asInt(int64_t v, const char* what) {
  if (v < 0 || v > INT32_MAX) throw std::invalid_argument(std::string("deviceGemm: ") + what + " = " +
                                                          std::to_string(v) + " does not fit cuBLAS's int");
  return static_cast<int>(v);
}

}  // namespace

void setDeviceMatmulPrecision(MatmulPrecision precision) { gPrecision.store(precision); }
MatmulPrecision deviceMatmulPrecision() { return gPrecision.load(); }

void deviceGemm(Transpose ta, Transpose tb, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
                const float* b, int64_t ldb, float* c, int64_t ldc, GemmWrite write) {
  if (m == 0 || n == 0) return;
  const float alpha = 1.0f, beta = write == GemmWrite::kAccumulate ? 1.0f : 0.0f;
  // Row-major C[m,n] = op(A) op(B)  <=>  column-major C^T[n,m] = op(B)^T op(A)^T.
  GAPLAB_CUBLAS_CHECK(cublasSgemm(handle(), op(tb), op(ta), asInt(n, "n"), asInt(m, "m"), asInt(k, "k"), &alpha, b,
                                  asInt(ldb, "ldb"), a, asInt(lda, "lda"), &beta, c, asInt(ldc, "ldc")));
}

void deviceGemmStridedBatched(Transpose ta, Transpose tb, int64_t m, int64_t n, int64_t k, const float* a,
                              int64_t lda, int64_t strideA, const float* b, int64_t ldb, int64_t strideB, float* c,
                              int64_t ldc, int64_t strideC, int64_t batches, GemmWrite write, float alpha) {
  if (m == 0 || n == 0 || batches == 0) return;
  const float beta = write == GemmWrite::kAccumulate ? 1.0f : 0.0f;
  GAPLAB_CUBLAS_CHECK(cublasSgemmStridedBatched(handle(), op(tb), op(ta), asInt(n, "n"), asInt(m, "m"),
                                                asInt(k, "k"), &alpha, b, asInt(ldb, "ldb"), strideB, a,
                                                asInt(lda, "lda"), strideA, &beta, c, asInt(ldc, "ldc"), strideC,
                                                asInt(batches, "batches")));
}

}  // namespace gaplab::cuda
