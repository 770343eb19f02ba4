// sweeps/results_merge.h — joins the results files of one sweep's shards (Slurm
// array tasks) into one file.
//
// Why: array mode runs shards of a sweep as separate jobs, each with its own
// results file; analysis wants one. Merging is idempotent (a trial id already
// in the output is skipped, so rerunning a merge, or merging a shard twice,
// changes nothing) and refuses files of another sweep, so two experiments are
// never mixed by accident. The output is written like a sweep writes it
// (ResultStore::appendAtomically): complete before and after, never half.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gaplab {

struct MergeReport {
  std::string sweepId;
  std::string sweepName;
  int64_t added = 0;        // trials written to the output
  int64_t alreadyThere = 0; // trials skipped: their id was already in the output
  int64_t duplicates = 0;   // trials skipped: the same id in two inputs
  int64_t total = 0;        // trials in the output afterwards
};

// Throws std::runtime_error naming the file when an input is missing, not a
// results file, not a sweep file, or from another sweep than the first input;
// when the output exists and holds another sweep (or no sweep). The output is
// unchanged in every error case.
MergeReport mergeSweepResults(const std::string& outPath, const std::vector<std::string>& inputPaths);

}  // namespace gaplab
