// core/cuda/ops/dropout_cuda.h — the CUDA twin of core/ops/dropout.h.
//
// Why the mask is drawn on the host: a trial's masks must not depend on the
// device (DESIGN.md "Determinism"), and the CPU op draws numel uniforms from the
// caller's stateful RngStream in element order (Philox blocks of four, the
// stream's counter and leftover words carry over between calls). Reproducing
// that on the device would need the stream's private state and the exact
// uniform() mapping; drawing with the same RngStream on the host and uploading
// one byte per element gives identical masks by construction and leaves the
// stream in the same state as the CPU op. The cost is the serial draw (as on
// the CPU) plus numel bytes over PCIe per call.
#pragma once

#include "core/ops/dropout.h"

namespace gaplab::cuda {

// x: [...] (cuda) -> y: [...] (cuda); called for kTrain with 0 < p < 1 only.
Variable dropout(Tape& tape, const Variable& x, float p, RngStream& rng);

}  // namespace gaplab::cuda
