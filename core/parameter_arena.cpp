// core/parameter_arena.cpp — layout, initialisation and state of the flat buffers.
#include "core/parameter_arena.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/device_memory.h"
#include "core/rng.h"

namespace gaplab {

Init Init::fanIn(int64_t fanIn) {
  return uniform(1.0f / std::sqrt(static_cast<float>(std::max<int64_t>(fanIn, 1))));
}

const ParamInfo& ParamView::info() const { return arena_->param(index_); }
float* ParamView::value() const { return arena_->values() + info().offset; }
float* ParamView::grad() const { return arena_->grads() + info().offset; }
Tensor ParamView::valueTensor() const { return Tensor::borrow(value(), info().shape, arena_->device()); }
Tensor ParamView::gradTensor() const { return Tensor::borrow(grad(), info().shape, arena_->device()); }

float* BufferView::data() const { return arena_->bufferData() + arena_->buffer(index_).offset; }
Tensor BufferView::tensor() const { return Tensor::borrow(data(), arena_->buffer(index_).shape, arena_->device()); }
int64_t BufferView::numel() const { return arena_->buffer(index_).numel; }

ParamView ParameterArena::addParameter(const std::string& name, const Shape& shape, Init init,
                                       WeightDecay decay) {
  if (allocated_) throw std::logic_error("ParameterArena: parameter '" + name + "' added after allocate()");
  ParamInfo info{name, shape, totalParams_, shapeNumel(shape), init, decay};
  totalParams_ += info.numel;
  params_.push_back(std::move(info));
  return ParamView(this, static_cast<int>(params_.size() - 1));
}

BufferView ParameterArena::addBuffer(const std::string& name, const Shape& shape, float initialValue) {
  if (allocated_) throw std::logic_error("ParameterArena: buffer '" + name + "' added after allocate()");
  BufferInfo info{name, shape, totalBuffers_, shapeNumel(shape), initialValue};
  totalBuffers_ += info.numel;
  bufferInfos_.push_back(std::move(info));
  return BufferView(this, static_cast<int>(bufferInfos_.size() - 1));
}

void ParameterArena::allocate(RngStream& rng) {
  if (allocated_) throw std::logic_error("ParameterArena::allocate called twice");
  values_.assign(static_cast<std::size_t>(totalParams_), 0.0f);
  grads_.assign(static_cast<std::size_t>(totalParams_), 0.0f);
  buffers_.assign(static_cast<std::size_t>(totalBuffers_), 0.0f);
  for (const ParamInfo& p : params_) {
    float* v = values_.data() + p.offset;
    for (int64_t i = 0; i < p.numel; ++i) {
      switch (p.init.kind) {
        case InitKind::kZeros: v[i] = 0.0f; break;
        case InitKind::kOnes: v[i] = 1.0f; break;
        case InitKind::kUniform: v[i] = rng.uniform(-p.init.scale, p.init.scale); break;
        case InitKind::kNormal: v[i] = p.init.scale * rng.normal(); break;
      }
    }
  }
  for (const BufferInfo& b : bufferInfos_)
    std::fill_n(buffers_.data() + b.offset, b.numel, b.initialValue);
  allocated_ = true;
}

void ParameterArena::zeroGrad() {
  if (device_ == Device::kCpu)
    std::fill(grads_.begin(), grads_.end(), 0.0f);
  else
    fillDevice(deviceGrads_.get(), static_cast<std::size_t>(totalParams_), 0.0f);
}

float* ParameterArena::state(const std::string& name) {
  requireAllocated("state");
  auto [it, inserted] = states_.try_emplace(name);
  if (inserted) it->second.assign(static_cast<std::size_t>(totalParams_), 0.0f);
  if (device_ == Device::kCpu) return it->second.data();
  auto [dit, created] = deviceStates_.try_emplace(name);
  if (created) {
    dit->second = allocateDeviceFloats(static_cast<std::size_t>(totalParams_));
    copyHostToDevice(dit->second.get(), it->second.data(), it->second.size() * sizeof(float));
  }
  return dit->second.get();
}

void ParameterArena::moveTo(Device device) {
  requireAllocated("moveTo");
  if (device == device_) return;
  if (device == Device::kCpu) {
    syncToHost();
    deviceValues_.reset();
    deviceGrads_.reset();
    deviceBuffers_.reset();
    deviceStates_.clear();
    device_ = Device::kCpu;
    return;
  }
  const auto n = static_cast<std::size_t>(totalParams_);
  deviceValues_ = allocateDeviceFloats(n);
  deviceGrads_ = allocateDeviceFloats(n);
  deviceBuffers_ = allocateDeviceFloats(buffers_.size());
  device_ = device;
  syncFromHost();
}

void ParameterArena::syncToHost() {
  if (device_ == Device::kCpu) return;
  copyDeviceToHost(values_.data(), deviceValues_.get(), values_.size() * sizeof(float));
  copyDeviceToHost(grads_.data(), deviceGrads_.get(), grads_.size() * sizeof(float));
  copyDeviceToHost(buffers_.data(), deviceBuffers_.get(), buffers_.size() * sizeof(float));
  for (auto& [name, host] : states_) {
    auto it = deviceStates_.find(name);
    if (it != deviceStates_.end()) copyDeviceToHost(host.data(), it->second.get(), host.size() * sizeof(float));
  }
}

std::vector<float> ParameterArena::hostValues() const {
  if (device_ == Device::kCpu) return std::vector<float>(values_.begin(), values_.end());
  std::vector<float> out(values_.size());
  copyDeviceToHost(out.data(), deviceValues_.get(), out.size() * sizeof(float));
  return out;
}

void ParameterArena::syncFromHost() {
  if (device_ == Device::kCpu) return;
  copyHostToDevice(deviceValues_.get(), values_.data(), values_.size() * sizeof(float));
  copyHostToDevice(deviceGrads_.get(), grads_.data(), grads_.size() * sizeof(float));
  copyHostToDevice(deviceBuffers_.get(), buffers_.data(), buffers_.size() * sizeof(float));
  // States restored on the host (a checkpoint) replace the device copies; a
  // state the host no longer has (states().clear()) is dropped.
  deviceStates_.clear();
  for (auto& [name, host] : states_) {
    auto d = allocateDeviceFloats(host.size());
    copyHostToDevice(d.get(), host.data(), host.size() * sizeof(float));
    deviceStates_[name] = std::move(d);
  }
}

void requireSameDevice(const Tensor& x, const ParamView& parameter, const char* op) {
  if (!parameter.defined() || parameter.arena()->device() == x.device()) return;
  throw std::invalid_argument(std::string(op) + " '" + parameter.info().name + "': input on " + toString(x.device()) +
                              ", parameters on " + toString(parameter.arena()->device()) +
                              " (move the arena with moveTo() or the batch with Tensor::to())");
}

void ParameterArena::requireAllocated(const char* what) const {
  if (!allocated_) throw std::logic_error(std::string("ParameterArena::") + what + " before allocate()");
}

}  // namespace gaplab
