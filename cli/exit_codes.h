// cli/exit_codes.h — the documented exit statuses of `gaplab` (docs/cli.md).
//
// Why: scripts and Slurm wrappers branch on them; one table keeps them stable.
#pragma once

namespace gaplab::cli {

enum ExitCode : int {
  kExitOk = 0,              // the run reached its target (or the command succeeded)
  kExitInternal = 1,        // a bug or an unexpected failure
  kExitUsage = 2,           // bad command line or config (file, key, value)
  kExitTargetMissed = 3,    // the run finished its budget without reaching the target
  kExitDiverged = 4,        // the loss became NaN or infinite
  kExitData = 5,            // dataset missing, unreadable or corrupt; model could not be built
  kExitOutput = 6,          // results file could not be written or read
  kExitInterrupted = 130,   // SIGINT/SIGTERM: partial run recorded, then stopped
};

}  // namespace gaplab::cli
