// cli/sweep_progress.cpp — see sweep_progress.h.
#include "cli/sweep_progress.h"

#include <string>

#include "cli/format_duration.h"

namespace gaplab::cli {

std::string describeObjective(SweepObjective objective, const TrialResult& r) {
  char buf[96];
  const EvalRecord* e = r.finalEval();
  switch (objective) {
    case SweepObjective::kTimeToResult:
      if (r.reachedTarget()) std::snprintf(buf, sizeof buf, "ttr %s", formatDuration(r.timeToResultSeconds).c_str());
      else std::snprintf(buf, sizeof buf, "ttr inf");
      break;
    case SweepObjective::kFinalValidationMetric:
      std::snprintf(buf, sizeof buf, "val %s %.4f", r.metricName.c_str(), e ? e->validationMetric : NAN);
      break;
    case SweepObjective::kFinalValidationLoss:
      std::snprintf(buf, sizeof buf, "val loss %.4f", e ? e->validationLoss : NAN);
      break;
  }
  return buf;
}

SweepProgressLine::SweepProgressLine(std::FILE* out, ProgressStyle style, SweepObjective objective)
    : out_(out), style_(style), objective_(objective) {}

SweepProgressLine::~SweepProgressLine() { finish(); }

std::string SweepProgressLine::line(const SweepStatus& s) const {
  const int64_t done = s.alreadyDone + s.recorded;
  std::string best = "best --";
  if (s.hasBest) best = "best " + describeObjective(objective_, s.best) + " (" + s.best.submission + " " + s.best.trialId.substr(0, 8) + ")";
  char buf[320];
  std::snprintf(buf, sizeof buf, "trials %lld/%lld done  %lld running  %lld failed  %lld stopped early  %s  elapsed %s  eta %s",
                static_cast<long long>(done), static_cast<long long>(s.total), static_cast<long long>(s.running),
                static_cast<long long>(s.failed), static_cast<long long>(s.stoppedEarly), best.c_str(),
                formatDuration(s.elapsedSeconds).c_str(), formatDuration(s.etaSeconds).c_str());
  return buf;
}

void SweepProgressLine::onUpdate(const SweepStatus& status) {
  if (style_ != ProgressStyle::kLiveLine) return;
  std::fprintf(out_, "\r%-150s", line(status).c_str());
  std::fflush(out_);
  lineOpen_ = true;
}

void SweepProgressLine::onTrialRecorded(const TrialResult& r, const SweepStatus& status) {
  if (style_ != ProgressStyle::kLogLines) return;
  std::fprintf(out_, "trial %s %-10s study %d  %-14s %-14s %s | %s\n", r.trialId.c_str(), r.submission.c_str(), r.study,
               toString(r.status).c_str(), describeObjective(objective_, r).c_str(), r.parameters.c_str(),
               line(status).c_str());
  std::fflush(out_);
}

void SweepProgressLine::finish() {
  if (lineOpen_) std::fprintf(out_, "\n");
  lineOpen_ = false;
}

}  // namespace gaplab::cli
