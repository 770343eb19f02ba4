// core/cuda/ops/embedding_cuda.cpp — see embedding_cuda.h. The table gradient
// accumulates (+=); ids get no gradient.
//
// The ids stay on the host (they come from the data loader): forward uploads
// them once for the gather; backward groups the positions of each table row on
// the host (a counting sort, O(V + T)) and uploads that grouping, so that one
// block per used row can add its dy rows in position order.
//
// Ids already on the device (a workload's staged batch, the model's position
// ids) are gathered directly; backward scans them on the device
// (launchEmbeddingBackwardScan), so neither pass touches the host and the step
// can be captured in a CUDA graph.
#include "core/cuda/ops/embedding_cuda.h"

#include <limits>
#include <stdexcept>
#include <string>

#include "core/cuda/kernels/embedding_kernels.h"
#include "core/device_memory.h"

namespace gaplab::cuda {
namespace {

// One device buffer of int32 values uploaded from the host (asynchronous; the
// host vector may go at once).
std::shared_ptr<void> uploadInts(const std::vector<int32_t>& values) {
  std::shared_ptr<void> buffer = allocateDeviceBytes(values.size() * sizeof(int32_t));
  copyHostToDevice(buffer.get(), values.data(), values.size() * sizeof(int32_t));
  return buffer;
}

struct EmbeddingCudaOp final : Op {
  Variable y;
  ParamView table;
  std::vector<int32_t> ids;  // host copy, for the grouping in backward
  int64_t vocab = 0, d = 0;

  const char* name() const override { return "embedding(cuda)"; }
  void forEachParameter(const ParamVisitor& visit) const override { visit(table); }

  // dy: [T, D] -> dTable: [V, D] (+= dy[t] into row ids[t], t in order)
  void backward() override {
    if (!y.hasGrad() || ids.empty()) return;
    const int64_t count = static_cast<int64_t>(ids.size());
    // Counting sort of positions by id: [rows (used) | starts (used + 1) | positions (count)].
    std::vector<int32_t> perRow(static_cast<std::size_t>(vocab), 0);
    for (int32_t id : ids) ++perRow[static_cast<std::size_t>(id)];
    std::vector<int32_t> rows, starts{0};
    std::vector<int32_t> slot(static_cast<std::size_t>(vocab), 0);
    for (int64_t v = 0; v < vocab; ++v) {
      const int32_t n = perRow[static_cast<std::size_t>(v)];
      if (n == 0) continue;
      slot[static_cast<std::size_t>(v)] = starts.back();
      rows.push_back(static_cast<int32_t>(v));
      starts.push_back(starts.back() + n);
    }
    const int64_t used = static_cast<int64_t>(rows.size());
    std::vector<int32_t> packed;
    packed.reserve(static_cast<std::size_t>(2 * used + 1 + count));
    packed.insert(packed.end(), rows.begin(), rows.end());
    packed.insert(packed.end(), starts.begin(), starts.end());
    packed.resize(packed.size() + static_cast<std::size_t>(count));
    int32_t* positions = packed.data() + 2 * used + 1;
    for (int64_t t = 0; t < count; ++t) {
      int32_t& next = slot[static_cast<std::size_t>(ids[static_cast<std::size_t>(t)])];
      positions[next++] = static_cast<int32_t>(t);
    }

    const std::shared_ptr<void> device = uploadInts(packed);
    const int32_t* base = static_cast<const int32_t*>(device.get());
    launchEmbeddingBackward(base, base + used, base + 2 * used + 1, used, y.grad().data(), table.grad(), d);
  }
};

struct EmbeddingDeviceIdsOp final : Op {
  Variable y;
  ParamView table;
  const int32_t* ids = nullptr;  // device, [count]
  std::shared_ptr<const void> keepAlive;
  int64_t count = 0, vocab = 0, d = 0;

  const char* name() const override { return "embedding(cuda, device ids)"; }
  void forEachParameter(const ParamVisitor& visit) const override { visit(table); }

  // dy: [T, D] -> dTable: [V, D] (+= dy[t] into row ids[t], t in order)
  void backward() override {
    if (!y.hasGrad() || count == 0) return;
    launchEmbeddingBackwardScan(ids, count, y.grad().data(), table.grad(), vocab, d);
  }
};

}  // namespace

Variable embedding(Tape& tape, const int32_t* deviceIds, const Shape& idsShape, const ParamView& table,
                   std::shared_ptr<const void> keepAlive) {
  const Shape& ts = table.info().shape;
  const int64_t vocab = ts.at(0), d = ts.at(1);
  const int64_t count = shapeNumel(idsShape);
  if (count > std::numeric_limits<int32_t>::max())
    throw std::invalid_argument("embedding '" + table.info().name + "': " + std::to_string(count) +
                                " ids are more than the CUDA op indexes with int32");
  Shape yShape = idsShape;
  yShape.push_back(d);
  Tensor yv = Tensor::empty(yShape, Device::kCuda);
  if (count > 0) launchEmbeddingGather(deviceIds, table.value(), yv.data(), count, d);

  Variable y(yv, tape.recording() ? RequiresGrad::kYes : RequiresGrad::kNo);
  if (tape.recording()) {
    auto op = std::make_unique<EmbeddingDeviceIdsOp>();
    op->y = y;
    op->table = table;
    op->ids = deviceIds;
    op->keepAlive = std::move(keepAlive);
    op->count = count;
    op->vocab = vocab;
    op->d = d;
    tape.push(std::move(op));
  }
  return y;
}

Variable embedding(Tape& tape, const std::vector<int32_t>& ids, const Shape& idsShape, const ParamView& table) {
  const Shape& ts = table.info().shape;
  const int64_t vocab = ts.at(0), d = ts.at(1);
  const int64_t count = static_cast<int64_t>(ids.size());
  if (count > std::numeric_limits<int32_t>::max())
    throw std::invalid_argument("embedding '" + table.info().name + "': " + std::to_string(count) +
                                " ids are more than the CUDA op indexes with int32");
  Shape yShape = idsShape;
  yShape.push_back(d);
  Tensor yv = Tensor::empty(yShape, Device::kCuda);
  if (count > 0) {
    const std::shared_ptr<void> deviceIds = uploadInts(ids);
    launchEmbeddingGather(static_cast<const int32_t*>(deviceIds.get()), table.value(), yv.data(), count, d);
  }

  Variable y(yv, tape.recording() ? RequiresGrad::kYes : RequiresGrad::kNo);
  if (tape.recording()) {
    auto op = std::make_unique<EmbeddingCudaOp>();
    op->y = y;
    op->table = table;
    op->ids = ids;
    op->vocab = vocab;
    op->d = d;
    tape.push(std::move(op));
  }
  return y;
}

}  // namespace gaplab::cuda
