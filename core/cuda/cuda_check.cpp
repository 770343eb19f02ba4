// core/cuda/cuda_check.cpp — the messages behind GAPLAB_CUDA_CHECK and GAPLAB_CUBLAS_CHECK.
#include "core/cuda/cuda_check.h"

namespace gaplab::cuda {

namespace {
std::string where(const char* expression, const char* file, int line) {
  return std::string(" at ") + file + ":" + std::to_string(line) + " in " + expression + ": ";
}
}  // namespace

void throwCudaError(cudaError_t code, const char* expression, const char* file, int line) {
  cudaGetLastError();  // clear a non-sticky error so later calls report their own
  throw CudaError("CUDA error" + where(expression, file, line) + cudaGetErrorString(code) + " (" +
                  cudaGetErrorName(code) + " = " + std::to_string(static_cast<int>(code)) + ")");
}

const char* cublasStatusName(cublasStatus_t code) {
  switch (code) {
    case CUBLAS_STATUS_SUCCESS: return "CUBLAS_STATUS_SUCCESS";
    case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_ALLOC_FAILED: return "CUBLAS_STATUS_ALLOC_FAILED";
    case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_ARCH_MISMATCH: return "CUBLAS_STATUS_ARCH_MISMATCH";
    case CUBLAS_STATUS_MAPPING_ERROR: return "CUBLAS_STATUS_MAPPING_ERROR";
    case CUBLAS_STATUS_EXECUTION_FAILED: return "CUBLAS_STATUS_EXECUTION_FAILED";
    case CUBLAS_STATUS_INTERNAL_ERROR: return "CUBLAS_STATUS_INTERNAL_ERROR";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED";
    case CUBLAS_STATUS_LICENSE_ERROR: return "CUBLAS_STATUS_LICENSE_ERROR";
    default: return "unknown cuBLAS status";
  }
}

void throwCublasError(cublasStatus_t code, const char* expression, const char* file, int line) {
  throw CudaError("cuBLAS error" + where(expression, file, line) + cublasStatusName(code) + " (" +
                  std::to_string(static_cast<int>(code)) + ")");
}

}  // namespace gaplab::cuda
