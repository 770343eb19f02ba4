// sweeps/step_law_runs.cpp — see step_law_runs.h.
#include "sweeps/step_law_runs.h"

#include <cmath>
#include <cstdint>

#include "sweeps/lm_trial_config.h"

namespace gaplab {

StepLawSweepRuns stepLawRunsOf(const std::vector<TrialResult>& trials, StepLawLoss loss) {
  StepLawSweepRuns out;
  for (const TrialResult& t : trials) {
    const std::string id = "trial " + t.trialId + ": ";
    if (!isLmWorkload(t.workload)) {
      out.skipped.push_back(id + "workload '" + t.workload + "' is not lm or moe_lm");
      continue;
    }
    const LmTrialConfig c = readLmTrialConfig(t);
    const bool diverged = t.status == TrialStatus::kDiverged;
    const bool finished = t.status == TrialStatus::kMaxSteps || t.status == TrialStatus::kMaxRuntime ||
                          t.status == TrialStatus::kReachedTarget;
    if (!diverged && (!finished || t.curve.empty())) {
      out.skipped.push_back(id + "status " + toString(t.status) + (t.curve.empty() ? ", no evaluation" : ""));
      continue;
    }
    const int64_t trained = t.steps * c.batchTokens;
    if (!diverged && c.tokenBudget > 0 && trained < c.tokenBudget) {
      out.skipped.push_back(id + "stopped after " + std::to_string(trained) + " of its " +
                            std::to_string(c.tokenBudget) + " tokens (status " + toString(t.status) +
                            "; give a scaling sweep a target it cannot reach)");
      continue;
    }
    StepLawRun r;
    r.label = t.trialId;
    r.params = static_cast<double>(c.counts.nonEmbedding);
    r.tokens = static_cast<double>(c.tokenBudget > 0 ? c.tokenBudget : trained);
    r.learningRate = c.learningRate;
    r.batchTokens = static_cast<double>(c.batchTokens);
    r.finalLoss = std::nan("");
    if (!diverged && !t.curve.empty())
      r.finalLoss = loss == StepLawLoss::kTrain ? t.curve.back().trainLoss : t.curve.back().validationLoss;
    if (diverged || r.tokens > 0) out.runs.push_back(r);
    else out.skipped.push_back(id + "trained no tokens");
  }
  return out;
}

}  // namespace gaplab
