// cli/signals.cpp — see signals.h.
#include "cli/signals.h"

#include <csignal>

namespace gaplab::cli {
namespace {

std::atomic<bool> gStopRequested{false};
volatile std::sig_atomic_t gLastSignal = 0;

extern "C" void onStopSignal(int signal) {
  gLastSignal = signal;
  gStopRequested.store(true);
}

}  // namespace

const std::atomic<bool>& installStopSignalHandlers() {
  struct sigaction action {};
  action.sa_handler = onStopSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;  // a second signal takes the default action
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGUSR2, &action, nullptr);  // Slurm's warning before the time limit (--signal=B:USR2@s, forwarded by the job script)
  return gStopRequested;
}

int lastStopSignal() { return gLastSignal; }

}  // namespace gaplab::cli
