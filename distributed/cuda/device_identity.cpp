// distributed/cuda/device_identity.cpp — see device_identity.h.
#include "distributed/cuda/device_identity.h"

#include <cuda_runtime_api.h>

#include "core/cuda/cuda_check.h"

namespace gaplab::cuda {

bool isDevicePointer(const void* pointer) {
  if (pointer == nullptr) return false;
  cudaPointerAttributes attributes{};
  const cudaError_t status = cudaPointerGetAttributes(&attributes, pointer);
  if (status == cudaErrorInvalidValue) {  // a host pointer the runtime has never seen (older runtimes)
    cudaGetLastError();
    return false;
  }
  GAPLAB_CUDA_CHECK(status);
  return attributes.type == cudaMemoryTypeDevice || attributes.type == cudaMemoryTypeManaged;
}

std::string currentDevicePciBusId() {
  int device = 0;
  GAPLAB_CUDA_CHECK(cudaGetDevice(&device));
  char id[64] = {};
  GAPLAB_CUDA_CHECK(cudaDeviceGetPCIBusId(id, static_cast<int>(sizeof id), device));
  return std::string(id);
}

}  // namespace gaplab::cuda
