// core/ops/reshape.cpp — storage-sharing view forward, gradient copy backward; see reshape.h.
// Device-agnostic: the view keeps the device, passGradient copies on the GPU for cuda inputs.
#include "core/ops/reshape.h"

#include <stdexcept>

#include "core/ops/parallel.h"
#include "core/ops/pass_gradient.h"

namespace gaplab {
namespace {

struct ReshapeOp final : Op {
  Variable x, y;

  const char* name() const override { return "reshape"; }

  // dy: newShape -> dx: x.shape (=/+= dy, same element order)
  void backward() override {
    if (!y.hasGrad() || !x.requiresGrad()) return;
    detail::passGradient(x, y.grad().data());
  }
};

// Resolves a single -1 entry and checks the element count.
Shape resolveShape(const Shape& from, const Shape& to) {
  const int64_t total = shapeNumel(from);
  int inferred = -1;
  int64_t known = 1;
  for (std::size_t i = 0; i < to.size(); ++i) {
    if (to[i] == -1) {
      if (inferred >= 0)
        throw std::invalid_argument("reshape: more than one -1 in " + shapeToString(to));
      inferred = static_cast<int>(i);
    } else if (to[i] < 0) {
      throw std::invalid_argument("reshape: negative dimension in " + shapeToString(to));
    } else {
      known *= to[i];
    }
  }
  Shape out = to;
  if (inferred >= 0) {
    if (known == 0 || total % known != 0)
      throw std::invalid_argument("reshape: cannot view " + shapeToString(from) + " as " + shapeToString(to));
    out[static_cast<std::size_t>(inferred)] = total / known;
  } else if (known != total) {
    throw std::invalid_argument("reshape: cannot view " + shapeToString(from) + " (" + std::to_string(total) +
                                " elements) as " + shapeToString(to) + " (" + std::to_string(known) +
                                " elements)");
  }
  return out;
}

}  // namespace

Variable reshape(Tape& tape, const Variable& x, const Shape& newShape) {
  if (!x.defined()) throw std::invalid_argument("reshape: input variable is undefined");
  const Shape shape = resolveShape(x.shape(), newShape);
  Variable y(x.value().reshape(shape), x.requiresGrad() || tape.recording() ? RequiresGrad::kYes : RequiresGrad::kNo);
  if (tape.recording()) {
    auto op = std::make_unique<ReshapeOp>();
    op->x = x;
    op->y = y;
    tape.push(std::move(op));
  }
  return y;
}

}  // namespace gaplab
