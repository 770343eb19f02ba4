// core/tensor.cpp — Tensor handle implementation (see tensor.h for ownership rules).
#include "core/tensor.h"

#include <algorithm>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include "core/allocator.h"
#include "core/device_memory.h"

namespace gaplab {

std::string toString(Device device) { return device == Device::kCpu ? "cpu" : "cuda"; }

std::string shapeToString(const Shape& shape) {
  std::ostringstream os;
  os << '[';
  for (std::size_t i = 0; i < shape.size(); ++i) os << (i ? ", " : "") << shape[i];
  os << ']';
  return os.str();
}

int64_t shapeNumel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) throw std::invalid_argument("negative dimension in shape " + shapeToString(shape));
    n *= d;
  }
  return n;
}

Tensor Tensor::empty(const Shape& shape, Device device) {
  Tensor t;
  t.shape_ = shape;
  t.numel_ = shapeNumel(shape);
  t.storage_ = device == Device::kCpu ? allocateHostFloats(static_cast<std::size_t>(t.numel_))
                                      : allocateDeviceFloats(static_cast<std::size_t>(t.numel_));
  t.data_ = t.storage_.get();
  t.device_ = device;
  return t;
}

Tensor Tensor::zeros(const Shape& shape, Device device) { return full(shape, 0.0f, device); }

Tensor Tensor::full(const Shape& shape, float value, Device device) {
  Tensor t = empty(shape, device);
  t.fill(value);
  return t;
}

Tensor Tensor::fromVector(const Shape& shape, const std::vector<float>& values, Device device) {
  if (shapeNumel(shape) != static_cast<int64_t>(values.size()))
    throw std::invalid_argument("Tensor::fromVector: " + std::to_string(values.size()) +
                                " values for shape " + shapeToString(shape));
  Tensor t = empty(shape, device);
  if (device == Device::kCpu)
    std::copy(values.begin(), values.end(), t.data_);
  else
    copyHostToDevice(t.data_, values.data(), values.size() * sizeof(float));
  return t;
}

Tensor Tensor::borrow(float* data, const Shape& shape, Device device) {
  Tensor t;
  t.data_ = data;
  t.shape_ = shape;
  t.numel_ = shapeNumel(shape);
  t.device_ = device;
  return t;
}

int64_t Tensor::dim(int axis) const {
  const int r = rank();
  const int a = axis < 0 ? axis + r : axis;
  if (a < 0 || a >= r)
    throw std::out_of_range("Tensor::dim: axis " + std::to_string(axis) + " of shape " + shapeToString(shape_));
  return shape_[static_cast<std::size_t>(a)];
}

Tensor Tensor::reshape(const Shape& shape) const {
  if (shapeNumel(shape) != numel_)
    throw std::invalid_argument("Tensor::reshape: cannot view " + shapeToString(shape_) + " as " +
                                shapeToString(shape));
  Tensor t = *this;
  t.shape_ = shape;
  return t;
}

Tensor Tensor::clone() const { return to(device_); }

Tensor Tensor::to(Device device) const {
  Tensor t = empty(shape_, device);
  t.copyFrom(*this);
  return t;
}

void Tensor::fill(float value) {
  if (device_ == Device::kCpu)
    std::fill(data_, data_ + numel_, value);
  else
    fillDevice(data_, static_cast<std::size_t>(numel_), value);
}

void Tensor::copyFrom(const Tensor& other) {
  if (other.numel_ != numel_)
    throw std::invalid_argument("Tensor::copyFrom: " + shapeToString(other.shape_) + " into " +
                                shapeToString(shape_));
  if (numel_ == 0) return;
  const std::size_t bytes = static_cast<std::size_t>(numel_) * sizeof(float);
  if (device_ == Device::kCpu && other.device_ == Device::kCpu)
    std::memcpy(data_, other.data_, bytes);
  else if (device_ == Device::kCpu)
    copyDeviceToHost(data_, other.data_, bytes);
  else if (other.device_ == Device::kCpu)
    copyHostToDevice(data_, other.data_, bytes);
  else
    copyDeviceToDevice(data_, other.data_, bytes);
}

std::vector<float> Tensor::toVector() const {
  if (device_ == Device::kCpu) return std::vector<float>(data_, data_ + numel_);
  std::vector<float> out(static_cast<std::size_t>(numel_));
  copyDeviceToHost(out.data(), data_, out.size() * sizeof(float));
  return out;
}

float Tensor::item() const {
  if (numel_ != 1) throw std::invalid_argument("Tensor::item: tensor of shape " + shapeToString(shape_));
  if (device_ == Device::kCpu) return data_[0];
  float v = 0.0f;
  copyDeviceToHost(&v, data_, sizeof(float));
  return v;
}

void Tensor::requireHost(const char* what) const {
  if (device_ != Device::kCpu)
    throw std::logic_error(std::string("Tensor::") + what + ": a host (Eigen) view of a cuda tensor of shape " +
                           shapeToString(shape_) + "; copy it with to(Device::kCpu) first");
}

VectorMap Tensor::vector() {
  requireHost("vector");
  return VectorMap(data_, numel_);
}

ConstVectorMap Tensor::vector() const {
  requireHost("vector");
  return ConstVectorMap(data_, numel_);
}

MatrixMap Tensor::matrix() {
  requireHost("matrix");
  const int64_t rows = rank() == 0 ? 1 : shape_[0];
  return MatrixMap(data_, rows, rows ? numel_ / rows : 0);
}

ConstMatrixMap Tensor::matrix() const {
  requireHost("matrix");
  const int64_t rows = rank() == 0 ? 1 : shape_[0];
  return ConstMatrixMap(data_, rows, rows ? numel_ / rows : 0);
}

void checkShape(const Tensor& t, const Shape& expected, const char* what) {
  if (t.shape() != expected)
    throw std::invalid_argument(std::string(what) + ": expected shape " + shapeToString(expected) + ", got " +
                                shapeToString(t.shape()));
}

}  // namespace gaplab
