// cli/allreduce_bench.cpp — `mpirun -np N gaplab bench --allreduce`: prints the
// bus bandwidth of a plain all-reduce and of the bucketed gradient reducer per
// message size (distributed/allreduce_bench.h), on rank 0 only.
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "distributed/allreduce_bench.h"
#include "distributed/mpi_communicator.h"

namespace gaplab::cli {

int allReduceBenchCommand(const BenchOptions& options) {
  if (!MpiSession::launchedWithSeveralRanks()) {
    std::fprintf(stderr,
                 "gaplab bench --allreduce: needs at least 2 MPI ranks; run it as "
                 "`mpirun -np 2 gaplab bench --allreduce` (or srun with --ntasks >= 2)\n");
    return kExitUsage;
  }
  MpiSession mpi(nullptr, nullptr);
  MpiCommunicator comm;
  AllReduceBenchOptions b;
  b.maxBytes = options.maxBytes;
  b.bucketBytes = static_cast<int64_t>(options.bucketMb * 1024.0 * 1024.0);
  if (b.bucketBytes < 4) b.bucketBytes = 4;
  const bool reporter = comm.rank() == 0;
  if (reporter)
    std::fprintf(stderr, "gaplab bench --allreduce: %d ranks, float sum, bucket size %g MiB, median of %d iterations\n",
                 comm.size(), options.bucketMb, b.iterations);
  runAllReduceBenchmark(comm, b, [&](const AllReduceBenchLine& line) {
    if (!reporter) return;
    std::printf("%s %.3f %s\n", line.name.c_str(), line.value, line.unit.c_str());
    std::fflush(stdout);
  });
  return kExitOk;
}

}  // namespace gaplab::cli
