// cli/progress_line.h — the live progress display of `gaplab run`.
//
// Why: a user watching a run wants step, epoch, loss, the last evaluation,
// timed seconds and the ETA within the budget on one line. On a terminal the
// line redraws in place (at most 5 times a second); in a log file each
// evaluation prints one line instead, so logs stay readable.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

#include "workloads/trainer.h"

namespace gaplab::cli {

enum class ProgressStyle { kLiveLine, kLogLines, kQuiet };

// "live", "log", "quiet", or "auto": a live line on a terminal, log lines otherwise.
ProgressStyle parseProgressStyle(const std::string& mode);

class ProgressLine final : public ProgressSink {
 public:
  ProgressLine(std::FILE* out, ProgressStyle style);
  ~ProgressLine() override;
  void onStart(const std::string& model, const std::string& data, const std::string& target) override;
  void onStep(const TrainingProgress& progress) override;
  void onEval(const TrainingProgress& progress, const EvalRecord& record) override;
  void finish();  // ends a live line with a newline

 private:
  void draw(const TrainingProgress& progress);
  std::FILE* out_;
  ProgressStyle style_;
  std::chrono::steady_clock::time_point lastDraw_{};
  bool lineOpen_ = false;
};

}  // namespace gaplab::cli
