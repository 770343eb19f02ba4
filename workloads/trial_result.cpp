// workloads/trial_result.cpp — status names as stored in results files.
#include "workloads/trial_result.h"

#include <stdexcept>

namespace gaplab {

std::string toString(TrialStatus status) {
  switch (status) {
    case TrialStatus::kReachedTarget: return "reached_target";
    case TrialStatus::kMaxSteps: return "max_steps";
    case TrialStatus::kMaxRuntime: return "max_runtime";
    case TrialStatus::kDiverged: return "diverged";
    case TrialStatus::kFailed: return "failed";
    case TrialStatus::kInterrupted: return "interrupted";
    case TrialStatus::kStoppedEarly: return "stopped_early";
  }
  return "failed";
}

TrialStatus trialStatusFromString(const std::string& text) {
  for (TrialStatus s : {TrialStatus::kReachedTarget, TrialStatus::kMaxSteps, TrialStatus::kMaxRuntime,
                        TrialStatus::kDiverged, TrialStatus::kFailed, TrialStatus::kInterrupted,
                        TrialStatus::kStoppedEarly})
    if (toString(s) == text) return s;
  throw std::invalid_argument("unknown trial status '" + text +
                              "' (expected reached_target, max_steps, max_runtime, diverged, failed, interrupted or stopped_early)");
}

}  // namespace gaplab
