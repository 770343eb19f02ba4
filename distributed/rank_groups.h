// distributed/rank_groups.h — the world split into a sweep coordinator and
// groups of `ranks_per_trial` worker ranks.
//
// Why (DESIGN.md "Distributed"): world rank 0 coordinates a sweep; ranks
// 1..N-1 form groups of equal size with MPI_Comm_split, and each group trains
// one trial at a time, data parallel over its own communicator. A plain
// `gaplab run` does not split: all ranks train the one trial.
#pragma once

#include <memory>
#include <string>

#include <mpi.h>

#include "distributed/mpi_communicator.h"

namespace gaplab {

enum class RankRole { kCoordinator, kWorker };

// The layout, computed identically on every rank; throws std::invalid_argument
// when the world cannot be split: "world size 4 leaves 3 worker ranks, which
// groups of 2 (ranks_per_trial) do not divide; run with -np 5 (1 coordinator +
// 2 groups of 2) or -np 3".
struct RankLayout {
  int worldSize = 1;
  int ranksPerTrial = 1;
  int groups = 0;  // worker groups

  static RankLayout forSweep(int worldSize, int ranksPerTrial);
  // World rank of the leader (group rank 0) of `group`.
  int leaderOf(int group) const { return 1 + group * ranksPerTrial; }
  // Group of a worker world rank (>= 1).
  int groupOf(int worldRank) const { return (worldRank - 1) / ranksPerTrial; }
};

class RankGroups {
 public:
  // Collective over MPI_COMM_WORLD (every rank calls it, with the same layout).
  explicit RankGroups(const RankLayout& layout);
  RankRole role() const { return role_; }
  int group() const { return group_; }  // -1 for the coordinator
  bool isLeader() const { return role_ == RankRole::kWorker && groupComm_->rank() == 0; }
  // The group's communicator (a single-rank one for the coordinator).
  MpiCommunicator& groupComm() { return *groupComm_; }
  // Ranks on this rank's node that train (the coordinator excluded): the
  // divisor for threads per rank.
  int workerRanksOnNode() const { return workerRanksOnNode_; }
  // This worker's index among the worker ranks of its node (0 for the
  // coordinator): a sweep worker trains on GPU (workerLocalRank mod GPUs), so
  // the coordinator, which trains nothing, takes no GPU.
  int workerLocalRank() const { return workerLocalRank_; }

 private:
  RankRole role_ = RankRole::kWorker;
  int group_ = -1;
  int workerRanksOnNode_ = 1;
  int workerLocalRank_ = 0;
  std::unique_ptr<MpiCommunicator> groupComm_;
};

}  // namespace gaplab
