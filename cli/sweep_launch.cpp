// cli/sweep_launch.cpp — see sweep_launch.h.
#include "cli/sweep_launch.h"

#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include "cli/exit_codes.h"
#include "cli/signals.h"

namespace gaplab::cli {

SweepWorld startSweepWorld(const std::string& resultsPath) {
  if (const std::filesystem::path parent = std::filesystem::path(resultsPath).parent_path(); !parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
  }
  SweepWorld world;
  world.stop = &installStopSignalHandlers();
  if (MpiSession::launchedWithSeveralRanks()) {
    world.mpi = std::make_unique<MpiSession>(nullptr, nullptr);
    GAPLAB_MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &world.worldSize));
    GAPLAB_MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &world.rank));
  }
  return world;
}

int failSweep(const SweepWorld& world, const char* command, const std::exception& error) {
  const int code = dynamic_cast<const std::invalid_argument*>(&error) ? kExitUsage : kExitOutput;
  if (world.coordinator()) std::fprintf(stderr, "%s: %s\n", command, error.what());
  if (world.worldSize > 1) MPI_Abort(MPI_COMM_WORLD, code);
  return code;
}

}  // namespace gaplab::cli
