// bench/sweep_scheduler_bench.cpp — how fast and how well the sweep scheduler
// packs trials, measured with the `noop` workload (no training noise).
//
//   mpirun -np 8 --oversubscribe build/bench/sweep_scheduler_bench [--trials N] [--dir D]
//
// Prints `<case> <value> <unit>` lines (rank 0):
//   sweep_dispatch_rate_<N>ranks      trials dispatched and recorded per second
//                                     (noop trials that do nothing; the results
//                                     file written and flushed as in a real sweep)
//   sweep_makespan_<N>ranks           seconds for heterogeneous trials (noop
//                                     sleeping 0.1..1.0 s each)
//   sweep_makespan_ideal_<N>ranks     max(sum of trial walls / groups, longest trial)
//   sweep_makespan_ratio_<N>ranks     makespan / ideal (1.0 is perfect; target <= 1.1)
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/allocator.h"
#include "distributed/mpi_communicator.h"
#include "sweeps/sweep_scheduler.h"
#include "sweeps/sweep_spec.h"

namespace {

using namespace gaplab;

void writeFile(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

SweepOutcome runCase(const std::string& dir, const std::string& name, const std::string& baseYaml,
                     const std::string& sweepYaml, int worldSize, int rank) {
  const std::string base = dir + "/" + name + "_base.yaml", sweep = dir + "/" + name + ".yaml";
  const std::string results = dir + "/" + name + ".h5";
  if (rank == 0) {
    writeFile(base, baseYaml);
    writeFile(sweep, "base: " + name + "_base.yaml\n" + sweepYaml);
    std::error_code ec;
    std::filesystem::remove(results, ec);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  const SweepSpec spec = SweepSpec::load(sweep);
  SweepRunOptions options;
  options.resultsPath = results;
  return runSweep(spec, options, worldSize);
}

}  // namespace

int main(int argc, char** argv) {
  keepFreedHostMemory();  // as the gaplab binary does
  MpiSession mpi(&argc, &argv);
  int worldSize = 1, rank = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &worldSize);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  int trials = 3000;
  std::string dir = "/tmp/gaplab-sweep-bench";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--trials")) trials = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--dir")) dir = argv[i + 1];
  }
  if (rank == 0) std::filesystem::create_directories(dir);
  MPI_Barrier(MPI_COMM_WORLD);

  // 1. Dispatch rate: trials that do nothing.
  SweepOutcome fast = runCase(dir, "dispatch", "workload: noop\ntraining: {max_steps: 1, eval_every_steps: 1}\n",
                              "sampler: random\ntrials: " + std::to_string(trials) +
                                  "\ncheckpoint_every_s: 0\nspace:\n  model.quality: {uniform: [0.0, 1.0]}\n",
                              worldSize, rank);
  if (rank == 0)
    std::printf("sweep_dispatch_rate_%dranks %.0f trials/s\n", worldSize,
                static_cast<double>(fast.status.recorded) / fast.status.elapsedSeconds);

  // 2. Makespan of heterogeneous trials (sleeping, so CPU count does not matter).
  SweepOutcome mixed = runCase(dir, "makespan", "workload: noop\ntraining: {max_steps: 10, eval_every_steps: 10}\n",
                               "sampler: random\ntrials: 40\ncheckpoint_every_s: 0\nspace:\n"
                               "  model.work_s: {uniform: [0.1, 1.0]}\n",
                               worldSize, rank);
  if (rank == 0) {
    double sum = 0.0, longest = 0.0;
    for (const TrialResult& r : mixed.trials) {
      sum += r.wallSeconds;
      longest = std::max(longest, r.wallSeconds);
    }
    const double ideal = std::max(sum / mixed.status.groups, longest);
    std::printf("sweep_makespan_%dranks %.3f s\n", worldSize, mixed.status.elapsedSeconds);
    std::printf("sweep_makespan_ideal_%dranks %.3f s\n", worldSize, ideal);
    std::printf("sweep_makespan_ratio_%dranks %.3f x\n", worldSize, mixed.status.elapsedSeconds / ideal);
  }
  return 0;
}
