// core/autograd/tape.cpp — reverse replay of recorded ops, with the optional
// gradient-ready reports of gradient_ready.h.
#include "core/autograd/tape.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace gaplab {

void Tape::backward(Variable& loss, GradientReadyObserver* observer) {
  if (!loss.defined() || loss.value().numel() != 1)
    throw std::invalid_argument("Tape::backward: the loss must be a scalar variable");
  GradWrite mode;
  Tensor seed = loss.gradForWrite(&mode);
  // fill/item work on either device (a cuda loss stays on the GPU).
  seed.fill(mode == GradWrite::kAssign ? 1.0f : seed.item() + 1.0f);
  replay(observer);
}

void Tape::backward(Variable& output, const Tensor& outputGrad, GradientReadyObserver* observer) {
  checkShape(outputGrad, output.shape(), "Tape::backward output gradient");
  GradWrite mode;
  Tensor seed = output.gradForWrite(&mode);
  if (mode == GradWrite::kAssign) seed.copyFrom(outputGrad);
  else if (seed.device() == Device::kCpu && outputGrad.device() == Device::kCpu)
    seed.vector() += outputGrad.vector();
  else {  // a second seed on the GPU (rare): add on the host, copy back
    Tensor sum = seed.to(Device::kCpu);
    sum.vector() += outputGrad.to(Device::kCpu).vector();
    seed.copyFrom(sum);
  }
  replay(observer);
}

void Tape::replay(GradientReadyObserver* observer) {
  if (!observer) {
    for (auto it = ops_.rbegin(); it != ops_.rend(); ++it) (*it)->backward();
    ops_.clear();
    return;
  }
  const ParameterArena& arena = observer->observedArena();
  const int paramCount = static_cast<int>(arena.params().size());
  // A parameter is final after the backward of the op that used it first in
  // forward (backward runs last over it): finalAfter[p] = that op's position.
  std::vector<int64_t> finalAfter(static_cast<std::size_t>(paramCount), -1);
  for (std::size_t i = 0; i < ops_.size(); ++i) {
    ops_[i]->forEachParameter([&](const ParamView& p) {
      if (!p.defined() || p.arena() != &arena) return;
      int64_t& slot = finalAfter.at(static_cast<std::size_t>(p.index()));
      if (slot < 0) slot = static_cast<int64_t>(i);
    });
  }
  // (op position, parameter) in backward order: later ops first, then descending index.
  std::vector<std::pair<int64_t, int>> reports;
  for (int p = 0; p < paramCount; ++p)
    if (finalAfter[static_cast<std::size_t>(p)] >= 0) reports.emplace_back(finalAfter[static_cast<std::size_t>(p)], p);
  std::sort(reports.begin(), reports.end(), [](const auto& a, const auto& b) { return a > b; });

  auto next = reports.begin();
  for (int64_t i = static_cast<int64_t>(ops_.size()) - 1; i >= 0; --i) {
    ops_[static_cast<std::size_t>(i)]->backward();
    for (; next != reports.end() && next->first == i; ++next) observer->onParameterGradientReady(next->second);
  }
  // Untouched parameters: their (zero or earlier-accumulated) gradient is final now.
  for (int p = paramCount - 1; p >= 0; --p)
    if (finalAfter[static_cast<std::size_t>(p)] < 0) observer->onParameterGradientReady(p);
  ops_.clear();
}

}  // namespace gaplab
