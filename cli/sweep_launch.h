// cli/sweep_launch.h — what `gaplab sweep` and `gaplab benchmark` do around
// runSweep: make the results file's folder, install the stop signals, join
// the MPI world when mpirun/srun started several ranks, and end every rank
// when the sweep fails (others may wait for a trial that never comes).
#pragma once

#include <atomic>
#include <exception>
#include <memory>
#include <string>

#include "distributed/mpi_communicator.h"

namespace gaplab::cli {

struct SweepWorld {
  std::unique_ptr<MpiSession> mpi;  // null with one process
  int worldSize = 1;
  int rank = 0;
  const std::atomic<bool>* stop = nullptr;
  bool coordinator() const { return rank == 0; }
};

// Creates `resultsPath`'s folder (a failure surfaces when the file is created),
// installs the stop signal handlers and starts MPI when launched with several ranks.
SweepWorld startSweepWorld(const std::string& resultsPath);

// For a sweep that threw `error`: prints "<command>: <what>" on the
// coordinator, and with several ranks calls MPI_Abort so no rank is left
// waiting; returns the exit code (2 for std::invalid_argument, else 6).
int failSweep(const SweepWorld& world, const char* command, const std::exception& error);

}  // namespace gaplab::cli
