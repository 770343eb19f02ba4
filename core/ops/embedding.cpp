// core/ops/embedding.cpp — row gather forward, ordered scatter-add backward; see embedding.h.
//
// Backward adds the rows serially in id order: repeated ids hit the same table
// row, and a fixed summation order keeps the gradient bit-identical across runs
// and thread counts.
#include "core/ops/embedding.h"

#include <algorithm>
#include <stdexcept>

#include "core/ops/parallel.h"
#if GAPLAB_HAVE_CUDA
#include "core/cuda/ops/embedding_cuda.h"
#endif

namespace gaplab {
namespace {

struct EmbeddingOp final : Op {
  Variable y;
  ParamView table;
  std::vector<int32_t> ids;
  int64_t d;

  const char* name() const override { return "embedding"; }
  void forEachParameter(const ParamVisitor& visit) const override { visit(table); }

  // dy: [T, D] -> dTable: [V, D] (+= dy[t] into row ids[t], t in order)
  void backward() override {
    if (!y.hasGrad()) return;
    ConstMatrixMap dY(y.grad().data(), static_cast<int64_t>(ids.size()), d);
    float* grad = table.grad();
    for (std::size_t t = 0; t < ids.size(); ++t) {
      Eigen::Map<Eigen::RowVectorXf> row(grad + static_cast<int64_t>(ids[t]) * d, d);
      row += dY.row(static_cast<int64_t>(t));
    }
  }
};

// The table's shape [V, D], checked.
void checkTable(const ParamView& table) {
  if (!table.defined()) throw std::invalid_argument("embedding: table is undefined");
  const Shape& ts = table.info().shape;
  if (ts.size() != 2)
    throw std::invalid_argument("embedding: table '" + table.info().name + "' has shape " + shapeToString(ts) +
                                ", expected [V, D]");
}

}  // namespace

Variable embedding(Tape& tape, const std::vector<int32_t>& ids, const Shape& idsShape, const ParamView& table) {
  checkTable(table);
  const Shape& ts = table.info().shape;
  const int64_t vocab = ts[0], d = ts[1];
  const int64_t count = shapeNumel(idsShape);
  if (count != static_cast<int64_t>(ids.size()))
    throw std::invalid_argument("embedding: " + std::to_string(ids.size()) + " ids for shape " +
                                shapeToString(idsShape));
  for (std::size_t t = 0; t < ids.size(); ++t)
    if (ids[t] < 0 || ids[t] >= vocab)
      throw std::out_of_range("embedding '" + table.info().name + "': id " + std::to_string(ids[t]) +
                              " at position " + std::to_string(t) + " is out of range for V = " +
                              std::to_string(vocab));
#if GAPLAB_HAVE_CUDA
  if (table.arena()->device() == Device::kCuda) return cuda::embedding(tape, ids, idsShape, table);
#endif

  Shape yShape = idsShape;
  yShape.push_back(d);
  Tensor yv = Tensor::empty(yShape);
  const float* w = table.value();
  float* out = yv.data();
  detail::parallelChunks(count, d, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const float* src = w + static_cast<int64_t>(ids[static_cast<std::size_t>(t)]) * d;
      std::copy(src, src + d, out + t * d);
    }
  });

  Variable y(yv, tape.recording() ? RequiresGrad::kYes : RequiresGrad::kNo);
  if (tape.recording()) {
    auto op = std::make_unique<EmbeddingOp>();
    op->y = y;
    op->table = table;
    op->ids = ids;
    op->d = d;
    tape.push(std::move(op));
  }
  return y;
}

Variable embedding(Tape& tape, const int32_t* deviceIds, const Shape& idsShape, const ParamView& table,
                   std::shared_ptr<const void> keepAlive) {
#if !GAPLAB_HAVE_CUDA
  (void)tape, (void)deviceIds, (void)idsShape, (void)table, (void)keepAlive;
  throw std::invalid_argument("embedding: device ids need the CUDA backend");
#else
  checkTable(table);
  const int64_t vocab = table.info().shape[0];
  if (table.arena()->device() != Device::kCuda)
    throw std::invalid_argument("embedding: device ids need table '" + table.info().name +
                                "' on cuda (its arena is on " + toString(table.arena()->device()) + ")");
  if (vocab > kMaxDeviceIdsEmbeddingRows)
    throw std::invalid_argument("embedding '" + table.info().name + "': device ids support tables of at most " +
                                std::to_string(kMaxDeviceIdsEmbeddingRows) + " rows (V = " + std::to_string(vocab) +
                                "); pass the ids from the host");
  if (deviceIds == nullptr && shapeNumel(idsShape) > 0)
    throw std::invalid_argument("embedding '" + table.info().name + "': null device ids for shape " +
                                shapeToString(idsShape));
  return cuda::embedding(tape, deviceIds, idsShape, table, std::move(keepAlive));
#endif
}

}  // namespace gaplab
