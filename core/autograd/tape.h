// core/autograd/tape.h — the record of coarse ops of one forward pass.
//
// Why: backward is the forward ops in reverse. Each op pushes one Op object
// holding what its backward needs (saved inputs, masks, statistics); the tape
// replays them in reverse. In inference mode nothing is recorded and ops may
// skip saving state.
//
// Gradient contract (all ops): parameter gradients ACCUMULATE (+=) into the
// ParameterArena; activation gradients follow Variable::gradForWrite (= on the
// first write, += afterwards).
//
// Gradient-ready contract: every op whose backward accumulates into parameters
// declares them in forEachParameter(). Tape::backward with an observer uses the
// declarations to report each parameter as soon as its gradient is final
// (core/autograd/gradient_ready.h), which lets the all-reduce overlap backward.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "core/autograd/gradient_ready.h"
#include "core/autograd/variable.h"
#include "core/parameter_arena.h"

namespace gaplab {

using ParamVisitor = std::function<void(const ParamView&)>;

// One recorded op. backward() reads its output's gradient and writes its
// inputs' gradients; ops whose output received no gradient are skipped.
struct Op {
  virtual ~Op() = default;
  virtual const char* name() const = 0;
  virtual void backward() = 0;
  // Visits every parameter whose gradient backward() may accumulate into
  // (undefined views are allowed and ignored). An op holding a ParamView must
  // override this, or an observer may see that parameter's gradient as final
  // too early (when the parameter is also used by an earlier op).
  virtual void forEachParameter(const ParamVisitor& visit) const { (void)visit; }
};

enum class TapeMode { kRecord, kInference };

class Tape {
 public:
  explicit Tape(TapeMode mode = TapeMode::kRecord) : mode_(mode) {}
  bool recording() const { return mode_ == TapeMode::kRecord; }
  void setMode(TapeMode mode) { mode_ = mode; }

  void push(std::unique_ptr<Op> op) {
    if (recording()) ops_.push_back(std::move(op));
  }
  // Seeds d(loss)/d(loss) = 1 for a scalar loss and runs every op backwards,
  // then clears the tape (saved activations return to the allocator).
  // With an observer, each parameter of observer->observedArena() is reported
  // once, as soon as its gradient is final (see gradient_ready.h).
  void backward(Variable& loss, GradientReadyObserver* observer = nullptr);
  // Seeds an arbitrary output with `outputGrad` (same shape) instead; for
  // gradient checks and for pipelines that start backward mid-graph.
  void backward(Variable& output, const Tensor& outputGrad, GradientReadyObserver* observer = nullptr);
  void clear() { ops_.clear(); }
  std::size_t size() const { return ops_.size(); }

 private:
  void replay(GradientReadyObserver* observer);
  TapeMode mode_;
  std::vector<std::unique_ptr<Op>> ops_;
};

}  // namespace gaplab
