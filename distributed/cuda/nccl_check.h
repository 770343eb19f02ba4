// distributed/cuda/nccl_check.h — every NCCL return code checked, with the call,
// its file:line and NCCL's own message in the exception.
//
// Why (DESIGN.md style rule 5): "unhandled system error" from an NCCL call three
// frames away says nothing; the macro names the expression and the place, adds
// ncclGetErrorString and NCCL's last detailed message (ncclGetLastError), and
// throws the same cuda::CudaError type as GAPLAB_CUDA_CHECK, so a trial records
// it as its failure. Only code under distributed/cuda/ includes this header.
#pragma once

#include <nccl.h>

#include <string>

#include "core/cuda/cuda_check.h"

namespace gaplab::cuda {

// "NCCL error at distributed/cuda/x.cpp:42 in ncclAllReduce(...): invalid usage (5): <last error>".
[[noreturn]] inline void throwNcclError(ncclResult_t code, const char* expression, const char* file, int line) {
  std::string message = std::string("NCCL error at ") + file + ":" + std::to_string(line) + " in " + expression +
                        ": " + ncclGetErrorString(code) + " (" + std::to_string(static_cast<int>(code)) + ")";
  const char* detail = ncclGetLastError(nullptr);
  if (detail != nullptr && detail[0] != '\0') message += ": " + std::string(detail);
  throw CudaError(message);
}

}  // namespace gaplab::cuda

#define GAPLAB_NCCL_CHECK(expr)                                                        \
  do {                                                                                 \
    const ncclResult_t gaplab_nccl_status_ = (expr);                                   \
    if (gaplab_nccl_status_ != ncclSuccess)                                            \
      ::gaplab::cuda::throwNcclError(gaplab_nccl_status_, #expr, __FILE__, __LINE__); \
  } while (0)
