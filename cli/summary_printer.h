// cli/summary_printer.h — human-readable summaries of TrialResults: the end of
// `gaplab run` and the body of `gaplab summary FILE.h5`.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "workloads/trial_result.h"

namespace gaplab::cli {

// The multi-line report of one run.
void printRunSummary(std::FILE* out, const TrialResult& result, const std::string& resultsPath);
// One row per trial: id, workload, status, time-to-result, final metrics, gap.
void printSummaryTable(std::FILE* out, const std::vector<TrialResult>& results);

}  // namespace gaplab::cli
