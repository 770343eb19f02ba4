// cli/signals.h — SIGINT/SIGTERM (and SIGUSR2, Slurm's time-limit warning)
// become a polite stop request.
//
// Why: a run stopped by Ctrl-C or by a scheduler must still record what it
// did. The first signal sets a flag the trainer polls between steps; the
// second one is the default action (kill), for a user who really means it.
#pragma once

#include <atomic>

namespace gaplab::cli {

// Installs the handlers (idempotent) and returns the flag they set.
const std::atomic<bool>& installStopSignalHandlers();
int lastStopSignal();

}  // namespace gaplab::cli
