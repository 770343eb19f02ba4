// core/compute_precision.cpp — see compute_precision.h.
#include "core/compute_precision.h"

#include <atomic>

namespace gaplab {
namespace {
std::atomic<ComputePrecision> gPrecision{ComputePrecision::kFp32};
}  // namespace

void setComputePrecision(ComputePrecision precision) { gPrecision.store(precision); }
ComputePrecision computePrecision() { return gPrecision.load(); }

std::string toString(ComputePrecision precision) {
  switch (precision) {
    case ComputePrecision::kTf32: return "tf32";
    case ComputePrecision::kBf16: return "bf16";
    case ComputePrecision::kFp32: break;
  }
  return "fp32";
}

}  // namespace gaplab
