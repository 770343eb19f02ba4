// distributed/cuda/device_identity.h — the two questions the device
// communicators ask the CUDA runtime: where does a pointer live, and which
// physical GPU does this process use.
//
// Why: a Communicator gets plain float* buffers. Gradients of a cuda arena are
// device memory, but checkpoints, perplexity records and synchronised
// BatchNorm statistics still pass host vectors; the NCCL and host-staged
// communicators route each call by where its buffer lives. Choosing NCCL needs
// an identity of the GPU that is the same across processes whatever their
// CUDA_VISIBLE_DEVICES says: the PCI bus id.
#pragma once

#include <string>

namespace gaplab::cuda {

// True for device (and managed) memory that a kernel or NCCL can read; false for
// host memory, pinned or not, and for null.
bool isDevicePointer(const void* pointer);

// The PCI bus id of the current device, e.g. "0000:1B:00.0".
std::string currentDevicePciBusId();

}  // namespace gaplab::cuda
