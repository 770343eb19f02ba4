// distributed/rank_groups.cpp — see rank_groups.h.
#include "distributed/rank_groups.h"

#include <stdexcept>
#include <string>

namespace gaplab {

RankLayout RankLayout::forSweep(int worldSize, int ranksPerTrial) {
  if (ranksPerTrial < 1) throw std::invalid_argument("ranks_per_trial must be >= 1, got " + std::to_string(ranksPerTrial));
  RankLayout layout;
  layout.worldSize = worldSize;
  layout.ranksPerTrial = ranksPerTrial;
  const int workers = worldSize - 1;
  if (worldSize > 1 && (workers < ranksPerTrial || workers % ranksPerTrial != 0)) {
    const int fewer = 1 + (workers / ranksPerTrial) * ranksPerTrial;
    const int more = 1 + (workers / ranksPerTrial + 1) * ranksPerTrial;
    std::string hint = "run with -np " + std::to_string(more) + " (1 coordinator + " +
                       std::to_string(workers / ranksPerTrial + 1) + " group(s) of " + std::to_string(ranksPerTrial) + ")";
    if (fewer > 1) hint += " or -np " + std::to_string(fewer);
    throw std::invalid_argument("world size " + std::to_string(worldSize) + " leaves " + std::to_string(workers) +
                                " worker rank(s) after the coordinator (world rank 0), which groups of " +
                                std::to_string(ranksPerTrial) + " (ranks_per_trial) do not divide; " + hint);
  }
  layout.groups = worldSize > 1 ? workers / ranksPerTrial : 1;
  return layout;
}

RankGroups::RankGroups(const RankLayout& layout) {
  int rank = 0;
  GAPLAB_MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
  role_ = rank == 0 ? RankRole::kCoordinator : RankRole::kWorker;
  group_ = rank == 0 ? -1 : layout.groupOf(rank);
  // Colour: the group (the coordinator alone in its own); key: world rank, so group rank 0 is the leader.
  MPI_Comm split = MPI_COMM_NULL;
  GAPLAB_MPI_CHECK(MPI_Comm_split(MPI_COMM_WORLD, rank == 0 ? layout.groups : group_, rank, &split));
  groupComm_ = std::make_unique<MpiCommunicator>(split);  // duplicates it
  GAPLAB_MPI_CHECK(MPI_Comm_free(&split));

  // Worker ranks sharing this node (for threads per rank): split by shared memory, count non-coordinators.
  MPI_Comm node = MPI_COMM_NULL;
  GAPLAB_MPI_CHECK(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node));
  const int mine = rank == 0 ? 0 : 1;
  int isWorker = mine;
  GAPLAB_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &isWorker, 1, MPI_INT, MPI_SUM, node));
  workerRanksOnNode_ = isWorker > 0 ? isWorker : 1;
  // Workers before this one on the node (MPI_Exscan leaves node rank 0's result undefined).
  int before = 0, nodeRank = 0;
  GAPLAB_MPI_CHECK(MPI_Exscan(&mine, &before, 1, MPI_INT, MPI_SUM, node));
  GAPLAB_MPI_CHECK(MPI_Comm_rank(node, &nodeRank));
  workerLocalRank_ = nodeRank == 0 || rank == 0 ? 0 : before;
  GAPLAB_MPI_CHECK(MPI_Comm_free(&node));
}

}  // namespace gaplab
