// slurm/slurm_client.h — the Slurm commands gaplab runs: sbatch, squeue, scontrol.
//
// Why: gaplab drives Slurm through its command-line tools, as users do (no
// library binding to keep in step with the cluster's Slurm version). Their
// failures become exceptions carrying the tool's own message ("sbatch: error:
// invalid partition specified: foo"), and a missing tool says which package
// or module provides it.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace gaplab {

class SlurmError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ProcessResult {
  int exitCode = 0;
  std::string out;
  std::string err;
};

// Runs argv[0] (looked up on PATH) with `input` on stdin; waits. Throws
// SlurmError when it cannot be started (naming the program).
ProcessResult runProcess(const std::vector<std::string>& argv, const std::string& input = "");

// sbatch --parsable SCRIPT: the job id. Throws SlurmError with sbatch's message
// when it refuses (nothing was submitted then).
std::string submitBatchScript(const std::string& scriptPath);

// squeue lines "<id> <state> <elapsed> <limit> <reason/nodes>" for the job (and
// its array tasks); empty when the job has left the queue.
std::vector<std::string> queueLines(const std::string& jobId);

}  // namespace gaplab
