// sweeps/trial_plan.h — which trials a sweep runs, in which order.
//
// Why: the scheduler only asks "what next?" and reports results; everything
// about trial identity lives here. A trial is a submission, a study, a point
// of the search space and a seed. Its id hashes exactly those (workload, the
// overrides that define it, seed), so the same sweep gives the same ids on any
// rank layout and a rerun can skip what its results file already holds.
//
// Non-adaptive samplers (grid, random, halton, sobol) fix every trial up front;
// next() hands them out longest estimated cost first (LPT, which keeps the
// makespan near max(total / groups, longest trial)). The bayes sampler proposes
// trials one by one per (submission, study) stream from the results so far.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sweeps/sweep_spec.h"
#include "workloads/trial_result.h"

namespace gaplab {

struct PlannedTrial {
  std::string id;
  int submission = 0;            // index into SweepSpec::submissions
  std::string submissionName;
  int study = 0;
  int64_t index = 0;             // within its (submission, study) stream
  uint64_t seed = 0;
  TrialPoint point;
  std::string parameters;        // "key=value; key=value" (the point)
  std::string samplePoint;       // the point's unit-cube coordinates, stored with the result
  std::vector<std::string> overrides;  // sweep set + submission set + point + seed: what defines the trial
  double estimatedCost = 0.0;
};

// One of `count` disjoint parts of a sweep (Slurm array tasks): non-adaptive
// sweeps deal their trials round-robin in dispatch order, bayes deals its
// (submission, study) streams.
struct SweepShard {
  int index = 0;
  int count = 1;
};

class TrialPlan {
 public:
  // `done` holds the ids (and, for bayes, the results) of trials already in the
  // results file: they are not run again. Only `shard`'s trials are planned
  // (std::invalid_argument for an index outside [0, count)).
  TrialPlan(const SweepSpec& spec, const std::vector<TrialResult>& done, SweepShard shard = {});
  ~TrialPlan();

  // Every trial the sweep consists of (done ones included).
  int64_t total() const { return total_; }
  int64_t alreadyDone() const { return alreadyDone_; }
  // The next trial to start, or nullopt: none left, or (bayes) none can be
  // proposed until a running trial of a stream with budget reports.
  std::optional<PlannedTrial> next();
  // A started trial ended (any status): feeds the bayes model.
  void finished(const PlannedTrial& trial, const TrialResult& result);
  // A started trial will not report (the sweep is stopping); bayes forgets it as pending.
  void abandoned(const PlannedTrial& trial);
  // True when no trial is left to hand out and none will be proposed.
  bool exhausted() const;
  // For --dry-run: non-adaptive sweeps list all remaining trials in dispatch order.
  std::vector<PlannedTrial> remainingInOrder() const;
  // The objective the sweep minimises for `result` (+inf when it has none).
  static double objectiveOf(const SweepSpec& spec, const TrialResult& result);

 private:
  struct Stream;
  PlannedTrial makeTrial(int submission, int study, int64_t index, const TrialPoint& point) const;

  const SweepSpec& spec_;
  int64_t total_ = 0;
  int64_t alreadyDone_ = 0;
  std::vector<PlannedTrial> queue_;        // non-adaptive: remaining, in dispatch order (back = next)
  std::vector<std::unique_ptr<Stream>> streams_;  // bayes
  std::set<std::string> doneIds_;
};

}  // namespace gaplab
