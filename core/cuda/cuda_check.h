// core/cuda/cuda_check.h — every CUDA runtime, cuBLAS and kernel-launch return
// code checked, with the call and its file:line in the exception.
//
// Why (DESIGN.md style rule 5): a failed CUDA call reported as "error 2" far from
// its cause costs hours; the macros name the expression, the place and the
// library's own message. Out-of-memory is a distinct type (DeviceOutOfMemory,
// core/device_memory.h) so that a trial records "CUDA out of memory" and the
// sweep goes on. Only code under core/cuda/ (and distributed/ for NCCL) includes
// this header; it needs the CUDA toolkit's headers, not a GPU.
#pragma once

#include <stdexcept>
#include <string>

#include <cublas_v2.h>
#include <cuda_runtime_api.h>

namespace gaplab::cuda {

// A failed CUDA, cuBLAS or NCCL call: "CUDA error at core/cuda/x.cpp:42 in
// cudaMemcpyAsync(...): an illegal memory access was encountered (700)".
class CudaError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

[[noreturn]] void throwCudaError(cudaError_t code, const char* expression, const char* file, int line);
[[noreturn]] void throwCublasError(cublasStatus_t code, const char* expression, const char* file, int line);
const char* cublasStatusName(cublasStatus_t code);

}  // namespace gaplab::cuda

#define GAPLAB_CUDA_CHECK(expr)                                                         \
  do {                                                                                  \
    const cudaError_t gaplab_cuda_status_ = (expr);                                     \
    if (gaplab_cuda_status_ != cudaSuccess)                                             \
      ::gaplab::cuda::throwCudaError(gaplab_cuda_status_, #expr, __FILE__, __LINE__);   \
  } while (0)

#define GAPLAB_CUBLAS_CHECK(expr)                                                         \
  do {                                                                                    \
    const cublasStatus_t gaplab_cublas_status_ = (expr);                                  \
    if (gaplab_cublas_status_ != CUBLAS_STATUS_SUCCESS)                                   \
      ::gaplab::cuda::throwCublasError(gaplab_cublas_status_, #expr, __FILE__, __LINE__); \
  } while (0)

// After a <<<...>>> launch: reports a bad configuration (grid, shared memory) at
// the launch site instead of at the next synchronising call.
#define GAPLAB_CUDA_CHECK_LAUNCH() GAPLAB_CUDA_CHECK(cudaGetLastError())
