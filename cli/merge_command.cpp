// cli/merge_command.cpp — `gaplab merge OUT.h5 IN.h5 ...`: one results file
// from the per-task files of a sweep run as a Slurm job array.
#include <cstdio>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "sweeps/results_merge.h"

namespace gaplab::cli {

int mergeCommand(const MergeOptions& options) {
  MergeReport report;
  try {
    report = mergeSweepResults(options.outPath, options.inputPaths);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gaplab merge: %s (%s left unchanged)\n", e.what(), options.outPath.c_str());
    return kExitOutput;
  }
  std::printf("merged sweep %s (id %s) into %s: %lld trial(s) added, %lld already there, %lld duplicate(s) across "
              "inputs skipped; %lld trial(s) in the file\n",
              report.sweepName.c_str(), report.sweepId.c_str(), options.outPath.c_str(),
              static_cast<long long>(report.added), static_cast<long long>(report.alreadyThere),
              static_cast<long long>(report.duplicates), static_cast<long long>(report.total));
  return kExitOk;
}

}  // namespace gaplab::cli
