// sweeps/step_law_runs.h — the runs of a Step Law fit, taken from the recorded
// trials of a scaling sweep: which trials count, and their N, D, lr, batch and
// final loss.
//
// Why: `gaplab steplaw RESULTS.h5` and `gaplab analyze scaling` fit the same
// law to the same file; one selection keeps them from disagreeing about which
// trials count (a trial that stopped before its token budget does not: its
// loss is not the loss at D). Pure logic over TrialResults; N, D, lr and batch
// come from sweeps/lm_trial_config.h.
#pragma once

#include <string>
#include <vector>

#include "sweeps/step_law_fit.h"
#include "workloads/trial_result.h"

namespace gaplab {

// Which final loss ranks the runs: the last evaluation's training loss (the
// mean minibatch loss since the evaluation before it: a smoothed training
// loss, as Step Law uses) or its validation loss.
enum class StepLawLoss { kTrain, kValidation };

struct StepLawSweepRuns {
  std::vector<StepLawRun> runs;      // in trial order; a diverged trial has loss NaN (dropped by the fit)
  std::vector<std::string> skipped;  // "trial <id>: why"
};

// A trial is a run when it is an lm / moe_lm trial that trained its whole token
// budget (status max_steps, max_runtime or reached_target with at least
// data.token_budget tokens, and an evaluation) or diverged. Every other trial is
// skipped with the reason. Throws std::invalid_argument (naming the trial) when
// an lm trial's config cannot be read.
StepLawSweepRuns stepLawRunsOf(const std::vector<TrialResult>& trials, StepLawLoss loss);

}  // namespace gaplab
