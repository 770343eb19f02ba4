// core/parameter_arena.h — every parameter of a model in one flat buffer.
//
// Why (DESIGN.md "ParameterArena"): parameters live in one contiguous buffer,
// gradients in a second of the same layout, optimizer state beside them, and
// non-trained buffers (BatchNorm running statistics) in a fourth. That gives
// one-memset gradient zeroing, contiguous all-reduce buckets, vectorised
// optimizer updates over the whole model and a checkpoint of one dataset per buffer.
//
// Life cycle: modules call addParameter()/addBuffer() while the model is built,
// then allocate() fixes the layout and initialises values from a seed. Views
// (ParamView/BufferView) stay valid for the arena's lifetime.
//
// Devices: moveTo(Device::kCuda) after allocate() puts the live buffers on the
// GPU; values(), grads(), state() and the views then return device pointers.
// The host vectors (valueBuffer(), bufferStorage(), states()) stay as a mirror:
// syncToHost() refreshes them (checkpoints, weight distances), syncFromHost()
// uploads them after a restore.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/tensor.h"

namespace gaplab {

class ParameterArena;
class RngStream;

enum class InitKind { kZeros, kOnes, kUniform, kNormal };
// kUniform draws from [-scale, scale]; kNormal from N(0, scale^2).
struct Init {
  InitKind kind = InitKind::kZeros;
  float scale = 0.0f;
  static Init zeros() { return {InitKind::kZeros, 0.0f}; }
  static Init ones() { return {InitKind::kOnes, 0.0f}; }
  static Init uniform(float bound) { return {InitKind::kUniform, bound}; }
  static Init normal(float std) { return {InitKind::kNormal, std}; }
  // PyTorch's default for Linear/Conv weights and biases: U(-1/sqrt(fanIn), 1/sqrt(fanIn)).
  static Init fanIn(int64_t fanIn);
};

// Whether decoupled weight decay applies (weights yes; biases and norm gains no).
enum class WeightDecay { kApply, kSkip };

struct ParamInfo {
  std::string name;
  Shape shape;
  int64_t offset = 0;
  int64_t numel = 0;
  Init init;
  WeightDecay decay = WeightDecay::kApply;
};

// A parameter inside the arena: value and gradient at the same offset.
class ParamView {
 public:
  ParamView() = default;
  ParamView(ParameterArena* arena, int index) : arena_(arena), index_(index) {}
  bool defined() const { return arena_ != nullptr; }
  // Position in the arena's parameter list (ParameterArena::param(index())).
  int index() const { return index_; }
  const ParameterArena* arena() const { return arena_; }
  const ParamInfo& info() const;
  float* value() const;
  float* grad() const;
  Tensor valueTensor() const;
  Tensor gradTensor() const;
  int64_t numel() const { return info().numel; }

 private:
  ParameterArena* arena_ = nullptr;
  int index_ = -1;
};

// A non-trained state tensor (running mean/variance), checkpointed with the model.
class BufferView {
 public:
  BufferView() = default;
  BufferView(ParameterArena* arena, int index) : arena_(arena), index_(index) {}
  bool defined() const { return arena_ != nullptr; }
  float* data() const;
  Tensor tensor() const;
  int64_t numel() const;

 private:
  ParameterArena* arena_ = nullptr;
  int index_ = -1;
};

class ParameterArena {
 public:
  ParameterArena() = default;
  ParameterArena(const ParameterArena&) = delete;
  ParameterArena& operator=(const ParameterArena&) = delete;

  ParamView addParameter(const std::string& name, const Shape& shape, Init init,
                         WeightDecay decay = WeightDecay::kApply);
  BufferView addBuffer(const std::string& name, const Shape& shape, float initialValue);

  // Fixes the layout and initialises every parameter from `rng` in declaration order.
  void allocate(RngStream& rng);
  bool allocated() const { return allocated_; }

  int64_t size() const { return totalParams_; }
  // The live buffers: device pointers once moveTo(Device::kCuda) ran.
  float* values() { return device_ == Device::kCpu ? values_.data() : deviceValues_.get(); }
  float* grads() { return device_ == Device::kCpu ? grads_.data() : deviceGrads_.get(); }
  const float* values() const { return device_ == Device::kCpu ? values_.data() : deviceValues_.get(); }
  const float* grads() const { return device_ == Device::kCpu ? grads_.data() : deviceGrads_.get(); }
  float* bufferData() { return device_ == Device::kCpu ? buffers_.data() : deviceBuffers_.get(); }

  // See the file comment. moveTo is a no-op for the current device; moving back
  // to the cpu first syncs the host mirror.
  void moveTo(Device device);
  Device device() const { return device_; }
  void syncToHost();
  void syncFromHost();
  // A copy of the current parameter values on the host (from the device when there).
  std::vector<float> hostValues() const;
  AlignedFloats& valueBuffer() { return values_; }
  AlignedFloats& gradBuffer() { return grads_; }
  AlignedFloats& bufferStorage() { return buffers_; }
  const AlignedFloats& bufferStorage() const { return buffers_; }
  void zeroGrad();

  // Optimizer state of the parameter layout, zero-initialised on first request;
  // live (device) storage on cuda, with a host mirror in states().
  float* state(const std::string& name);
  const std::map<std::string, AlignedFloats>& states() const { return states_; }
  std::map<std::string, AlignedFloats>& states() { return states_; }

  const std::vector<ParamInfo>& params() const { return params_; }
  const ParamInfo& param(int index) const { return params_.at(static_cast<std::size_t>(index)); }
  struct BufferInfo {
    std::string name;
    Shape shape;
    int64_t offset = 0;
    int64_t numel = 0;
    float initialValue = 0.0f;
  };
  const std::vector<BufferInfo>& buffers() const { return bufferInfos_; }
  const BufferInfo& buffer(int index) const { return bufferInfos_.at(static_cast<std::size_t>(index)); }

 private:
  void requireAllocated(const char* what) const;
  std::vector<ParamInfo> params_;
  std::vector<BufferInfo> bufferInfos_;
  int64_t totalParams_ = 0;
  int64_t totalBuffers_ = 0;
  bool allocated_ = false;
  AlignedFloats values_, grads_, buffers_;
  std::map<std::string, AlignedFloats> states_;
  Device device_ = Device::kCpu;
  std::shared_ptr<float> deviceValues_, deviceGrads_, deviceBuffers_;
  std::map<std::string, std::shared_ptr<float>> deviceStates_;
};

// Throws std::invalid_argument naming `op` and the parameter when `x` and the
// parameter's arena live on different devices (a model not moved, a batch not copied).
void requireSameDevice(const Tensor& x, const ParamView& parameter, const char* op);

}  // namespace gaplab
