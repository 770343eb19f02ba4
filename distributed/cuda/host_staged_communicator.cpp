// distributed/cuda/host_staged_communicator.cpp — see host_staged_communicator.h.
#include "distributed/cuda/host_staged_communicator.h"

#include <stdexcept>
#include <string>

#include "core/device_memory.h"
#include "distributed/cuda/device_identity.h"

namespace gaplab::cuda {

HostStagedRequest::HostStagedRequest(MpiCommunicator& mpi, float* deviceData, int64_t count)
    : deviceData_(deviceData), staging_(static_cast<std::size_t>(count)) {
  copyDeviceToHost(staging_.data(), deviceData_, staging_.size() * sizeof(float));
  mpiRequest_ = mpi.startAllReduceSum(staging_.data(), count);
}

HostStagedRequest::~HostStagedRequest() {
  if (complete_) return;
  try {
    wait();
  } catch (...) {
    // A destructor must not throw; the MpiRequest's own destructor still waits for MPI.
  }
}

void HostStagedRequest::upload() {
  copyHostToDevice(deviceData_, staging_.data(), staging_.size() * sizeof(float));
  complete_ = true;
}

bool HostStagedRequest::test() {
  if (complete_) return true;
  if (!mpiRequest_->test()) return false;
  upload();
  return true;
}

void HostStagedRequest::wait() {
  if (complete_) return;
  mpiRequest_->wait();
  upload();
}

void HostStagedCommunicator::allReduceSum(float* data, int64_t count) {
  if (count < 0)
    throw std::invalid_argument("HostStagedCommunicator::allReduceSum: negative count " + std::to_string(count));
  if (count == 0) return;
  if (!isDevicePointer(data)) {
    mpi_.allReduceSum(data, count);
    return;
  }
  staging_.resize(static_cast<std::size_t>(count));
  copyDeviceToHost(staging_.data(), data, staging_.size() * sizeof(float));
  mpi_.allReduceSum(staging_.data(), count);
  copyHostToDevice(data, staging_.data(), staging_.size() * sizeof(float));
}

std::unique_ptr<CollectiveRequest> HostStagedCommunicator::startAllReduceSum(float* data, int64_t count) {
  if (count < 0)
    throw std::invalid_argument("HostStagedCommunicator::startAllReduceSum: negative count " + std::to_string(count));
  if (count == 0) return std::make_unique<CompletedRequest>();
  if (!isDevicePointer(data)) return mpi_.startAllReduceSum(data, count);
  return std::make_unique<HostStagedRequest>(mpi_, data, count);
}

}  // namespace gaplab::cuda
