// core/device_graph.h — a training step captured once as a CUDA graph and
// replayed with one launch, without any CUDA header.
//
// Why (issue 7, "capture the training step in a CUDA graph when shapes are
// static"): a small model's step is dozens of short kernels whose launch cost
// exceeds their run time; a graph launches them all at once. Capture records
// what the work enqueues on the compute stream instead of running it, so the
// work must not read or write host memory through pageable copies, wait for the
// GPU, or draw per-step data on the host (dropout masks, labels uploaded by an
// op, the MoE routing read back): those calls throw DeviceGraphCaptureError
// while capturing, and the caller runs the step eagerly instead. Memory
// allocated during capture comes from a pool private to the graph, so nothing
// else can be handed those blocks while the graph may replay into them.
#pragma once

#include <functional>
#include <memory>
#include <stdexcept>

namespace gaplab {

// The work cannot be captured; what() names the call that refused or CUDA's reason.
class DeviceGraphCaptureError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class DeviceGraph {
 public:
  virtual ~DeviceGraph() = default;
  // Replays the captured work on the compute stream (asynchronous).
  virtual void launch() = 0;
};

// Captures everything `work` enqueues on the compute stream. Nothing of it runs
// during capture: call launch() to run it. Throws DeviceGraphCaptureError (the
// stream is usable again afterwards) when the work is not capturable, and
// std::runtime_error without the CUDA backend.
std::unique_ptr<DeviceGraph> captureDeviceGraph(const std::function<void()>& work);

// True while this thread captures on the compute stream.
bool deviceCaptureActive();
// Throws DeviceGraphCaptureError naming `what` while capturing (for calls that
// cannot be part of a graph: host copies, synchronisation).
void refuseDuringCapture(const char* what);

}  // namespace gaplab
