// core/tensor.h — the n-dimensional array every op reads and writes.
//
// Why: ops, modules, data loaders and the result store all exchange dense f32
// arrays; one small type with a shape keeps their contracts explicit.
//
// Ownership: a Tensor is a *handle*. Copying a Tensor shares its storage (like
// flashlight's Variable or a shared_ptr); `clone()` makes a deep copy. Views
// into a ParameterArena (Tensor::borrow) share the arena's storage and keep
// nothing alive: the arena must outlive them. Storage comes from the caching
// allocator (core/allocator.h), so per-step activations do not page-fault.
//
// Devices: a cuda tensor's data() is a device pointer from the caching device
// allocator (core/device_memory.h). fill, clone, copyFrom (across devices too),
// toVector and item work on either device; matrix()/vector() are host-only and
// throw std::logic_error on a cuda tensor. `to(device)` copies between devices.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Core>

namespace gaplab {

enum class Device { kCpu, kCuda };
enum class DType { kF32, kBF16 };

std::string toString(Device device);

using Shape = std::vector<int64_t>;
std::string shapeToString(const Shape& shape);
int64_t shapeNumel(const Shape& shape);

using MatrixMap = Eigen::Map<Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;
using ConstMatrixMap = Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;
using VectorMap = Eigen::Map<Eigen::VectorXf>;
using ConstVectorMap = Eigen::Map<const Eigen::VectorXf>;

class Tensor {
 public:
  Tensor() = default;

  // Uninitialised storage of `shape` (contents are whatever the allocator had).
  static Tensor empty(const Shape& shape, Device device = Device::kCpu);
  static Tensor zeros(const Shape& shape, Device device = Device::kCpu);
  static Tensor full(const Shape& shape, float value, Device device = Device::kCpu);
  static Tensor fromVector(const Shape& shape, const std::vector<float>& values, Device device = Device::kCpu);
  // A non-owning view of `data` (e.g. a parameter inside the arena).
  static Tensor borrow(float* data, const Shape& shape, Device device = Device::kCpu);

  bool defined() const { return data_ != nullptr; }
  float* data() { return data_; }
  const float* data() const { return data_; }
  const Shape& shape() const { return shape_; }
  int rank() const { return static_cast<int>(shape_.size()); }
  int64_t dim(int axis) const;  // negative axes count from the end
  int64_t numel() const { return numel_; }
  Device device() const { return device_; }
  DType dtype() const { return DType::kF32; }

  // Same storage, new shape with the same number of elements.
  Tensor reshape(const Shape& shape) const;
  Tensor clone() const;
  // A copy on `device` (a copy even when already there).
  Tensor to(Device device) const;
  void fill(float value);
  void copyFrom(const Tensor& other);  // numel must match; devices may differ
  std::vector<float> toVector() const;
  float item() const;  // the single element of a 1-element tensor

  // Row-major matrix views: rows = dim(0), cols = numel / rows.
  MatrixMap matrix();
  ConstMatrixMap matrix() const;
  VectorMap vector();
  ConstVectorMap vector() const;

 private:
  std::shared_ptr<float> storage_;  // null for borrowed views
  float* data_ = nullptr;
  Shape shape_;
  int64_t numel_ = 0;
  Device device_ = Device::kCpu;
  void requireHost(const char* what) const;
};

// Throws std::invalid_argument naming `what` when the tensor's shape differs.
void checkShape(const Tensor& t, const Shape& expected, const char* what);

}  // namespace gaplab
