// core/cuda/device_graph.cpp — core/device_graph.h for the CUDA build: stream
// capture of the compute stream (relaxed mode: the allocator may still call
// cudaMalloc for a size its cache lacks; that memory then stays in the graph's
// pool), instantiation, replay, RAII for cudaGraph_t / cudaGraphExec_t.
#include "core/device_graph.h"

#include <string>

#include "core/cuda/capture_pool.h"
#include "core/cuda/cuda_check.h"
#include "core/cuda/stream.h"

namespace gaplab {
namespace {

class CudaDeviceGraph final : public DeviceGraph {
 public:
  CudaDeviceGraph(cudaGraph_t graph, cudaGraphExec_t exec, std::shared_ptr<cuda::CapturePool> pool)
      : graph_(graph), exec_(exec), pool_(std::move(pool)) {}
  ~CudaDeviceGraph() override {
    if (exec_) cudaGraphExecDestroy(exec_);
    if (graph_) cudaGraphDestroy(graph_);
  }
  CudaDeviceGraph(const CudaDeviceGraph&) = delete;
  CudaDeviceGraph& operator=(const CudaDeviceGraph&) = delete;
  void launch() override { GAPLAB_CUDA_CHECK(cudaGraphLaunch(exec_, cuda::computeStream())); }

 private:
  cudaGraph_t graph_ = nullptr;
  cudaGraphExec_t exec_ = nullptr;
  std::shared_ptr<cuda::CapturePool> pool_;  // the blocks the replays write into
};

// Ends a capture that the work left by an exception, so the stream works again.
void abandonCapture(cudaStream_t stream) {
  cudaGraph_t partial = nullptr;
  cudaStreamEndCapture(stream, &partial);
  if (partial) cudaGraphDestroy(partial);
  cudaGetLastError();
}

}  // namespace

bool deviceCaptureActive() {
  cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
  if (cudaStreamIsCapturing(cuda::computeStream(), &status) != cudaSuccess) {
    cudaGetLastError();
    return false;
  }
  return status != cudaStreamCaptureStatusNone;
}

void refuseDuringCapture(const char* what) {
  if (deviceCaptureActive())
    throw DeviceGraphCaptureError(std::string(what) +
                                  " cannot be part of a CUDA graph (it moves host data or waits for the GPU)");
}

std::unique_ptr<DeviceGraph> captureDeviceGraph(const std::function<void()>& work) {
  const cudaStream_t stream = cuda::computeStream();
  auto pool = std::make_shared<cuda::CapturePool>();
  GAPLAB_CUDA_CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeRelaxed));
  {
    cuda::CapturePoolScope scope(pool);  // allocations of `work` go to the graph's pool
    try {
      work();
    } catch (const DeviceGraphCaptureError&) {
      abandonCapture(stream);
      throw;
    } catch (const std::exception& e) {
      abandonCapture(stream);
      throw DeviceGraphCaptureError(std::string("the step failed while being captured: ") + e.what());
    } catch (...) {
      abandonCapture(stream);  // whatever was thrown, the stream must not stay in capture mode
      throw;
    }
  }
  cudaGraph_t graph = nullptr;
  const cudaError_t ended = cudaStreamEndCapture(stream, &graph);
  if (ended != cudaSuccess) {
    cudaGetLastError();
    if (graph) cudaGraphDestroy(graph);
    throw DeviceGraphCaptureError(std::string("CUDA rejected the capture: ") + cudaGetErrorString(ended));
  }
  cudaGraphExec_t exec = nullptr;
  const cudaError_t instantiated = cudaGraphInstantiate(&exec, graph, 0);
  if (instantiated != cudaSuccess) {
    cudaGetLastError();
    cudaGraphDestroy(graph);
    throw DeviceGraphCaptureError(std::string("cudaGraphInstantiate: ") + cudaGetErrorString(instantiated));
  }
  return std::make_unique<CudaDeviceGraph>(graph, exec, std::move(pool));
}

}  // namespace gaplab
