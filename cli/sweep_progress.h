// cli/sweep_progress.h — the live display of `gaplab sweep`.
//
// Why: a sweep runs for hours; its user wants one line that says how far it
// is (done / running / failed / total), the best trial so far, elapsed time
// and ETA, and, in a log, one line per finished trial.
#pragma once

#include <chrono>
#include <cstdio>

#include "cli/progress_line.h"
#include "sweeps/sweep_scheduler.h"

namespace gaplab::cli {

class SweepProgressLine final : public SweepProgressSink {
 public:
  SweepProgressLine(std::FILE* out, ProgressStyle style, SweepObjective objective);
  ~SweepProgressLine() override;
  void onUpdate(const SweepStatus& status) override;
  void onTrialRecorded(const TrialResult& result, const SweepStatus& status) override;
  void finish();

 private:
  std::string line(const SweepStatus& status) const;
  std::FILE* out_;
  ProgressStyle style_;
  SweepObjective objective_;
  bool lineOpen_ = false;
};

// "12.3s ttr" / "val acc 0.8912": the best trial's objective in words.
std::string describeObjective(SweepObjective objective, const TrialResult& result);

}  // namespace gaplab::cli
