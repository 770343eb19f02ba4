// cli/step_law_report.h — the printed parts of a Step Law fit that `gaplab
// steplaw RESULTS.h5` and `gaplab analyze scaling` share: the run counts, the
// coefficients beside the published ones, and the hold-out.
//
// Why: both commands report the same fit; one printer keeps their wording and
// columns the same (a reader compares them) and the code in one place.
#pragma once

#include <cstdint>
#include <string>

#include "sweeps/step_law_fit.h"
#include "sweeps/step_law_runs.h"

namespace gaplab::cli {

// "gaplab's fit to FILE (... loss ...)": runs, cells, kept, diverged, skipped, resamples.
void printStepLawFitSummary(const StepLawFit& fit, const StepLawSweepRuns& sweep, const std::string& resultsPath,
                            StepLawLoss loss, uint64_t seed);

// One row per coefficient: published, fitted, the 95% interval, whether the
// published value lies inside it.
void printStepLawCoefficients(const StepLawFit& fit);

// The hold-out cell: predicted (fit without it) and published settings, the
// measured optimum, the run closest to the prediction and its loss relative to
// the best; or why there is no hold-out.
void printStepLawHoldOut(const StepLawFit& fit);

}  // namespace gaplab::cli
