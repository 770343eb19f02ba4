// cli/results_file.h — what the commands that read results files share: reading
// one with an error that maps to exit code 6, and naming a trial's submission.
//
// Why: `gaplab status`, `export` and `score` (and their tests) must agree on
// which error a bad file gives and on which submission a trial belongs to;
// one place keeps them from drifting apart.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "workloads/trial_result.h"

namespace gaplab::cli {

// A results file that cannot be read, or an output that cannot be written.
// main.cpp prints it and exits with kExitOutput (6); the message names the path.
class OutputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Every trial of the file (ResultStore::readAll: works while a sweep writes it).
// Throws OutputError naming the path when the file is missing, not HDF5,
// corrupt, of another schema version or not a gaplab results file.
std::vector<TrialResult> readResultsFile(const std::string& path);

// The submission a trial is scored under: TrialResult::submission; when that is
// empty (a plain `gaplab run`), the optimizer name of its config
// (`optimizer.name` in config_yaml); when that is missing too, "default".
std::string submissionName(const TrialResult& trial);

// "at_least" / "at_most", as in the results file.
std::string directionName(TargetDirection direction);

// "12.500 s", or "inf" for an infinite (never reached) time.
std::string formatSeconds(double seconds);

}  // namespace gaplab::cli
