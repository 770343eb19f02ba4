// core/device_graph_cpu_only.cpp — device_graph.h without the CUDA backend:
// nothing is ever captured.
#include "core/device_graph.h"

namespace gaplab {

std::unique_ptr<DeviceGraph> captureDeviceGraph(const std::function<void()>&) {
  throw std::runtime_error("CUDA graphs: this gaplab was built without the CUDA backend");
}
bool deviceCaptureActive() { return false; }
void refuseDuringCapture(const char*) {}

}  // namespace gaplab
