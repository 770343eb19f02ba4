// core/autograd/gradient_ready.h — told by Tape::backward when a parameter's
// gradient is final.
//
// Why: data-parallel training overlaps the gradient all-reduce with backward
// (DESIGN.md "Distributed": buckets start as soon as they are complete). Core
// must not know MPI, so it only reports readiness through this interface;
// distributed/gradient_reducer.h turns the reports into non-blocking sums.
#pragma once

namespace gaplab {

class ParameterArena;

class GradientReadyObserver {
 public:
  virtual ~GradientReadyObserver() = default;
  // The arena whose parameters are observed; views into other arenas are ignored.
  virtual const ParameterArena& observedArena() const = 0;
  // Called exactly once per parameter of observedArena() and backward pass:
  // right after the last op (in backward order) that accumulates into it ran,
  // or at the end of backward for parameters that no recorded op touched.
  // Parameters become final in reverse order of first use in forward; ties
  // (one op, several parameters) and untouched ones come in descending index.
  virtual void onParameterGradientReady(int paramIndex) = 0;
};

}  // namespace gaplab
