// cli/progress_line.cpp — see progress_line.h.
#include "cli/progress_line.h"

#include "cli/format_duration.h"

#include <unistd.h>

#include <algorithm>
#include <string>

namespace gaplab::cli {
namespace {

// Time left until the first budget (steps or timed seconds) runs out.
double etaSeconds(const TrainingProgress& p) {
  if (p.step == 0 || p.timedSeconds <= 0) return -1;
  const double perStep = p.timedSeconds / static_cast<double>(p.step);
  const double bySteps = perStep * static_cast<double>(p.maxSteps - p.step);
  const double byTime = p.maxRuntimeSeconds - p.timedSeconds;
  return std::max(0.0, std::min(bySteps, byTime));
}

// Short column label of a metric: "acc" for accuracy, "bpb" for bits per byte.
std::string metricLabel(const std::string& metric) {
  if (metric == "accuracy") return "acc";
  if (metric == "bits_per_byte") return "bpb";
  return metric;
}

}  // namespace

ProgressStyle parseProgressStyle(const std::string& mode) {
  if (mode == "live") return ProgressStyle::kLiveLine;
  if (mode == "log") return ProgressStyle::kLogLines;
  if (mode == "quiet") return ProgressStyle::kQuiet;
  return isatty(fileno(stderr)) ? ProgressStyle::kLiveLine : ProgressStyle::kLogLines;
}

ProgressLine::ProgressLine(std::FILE* out, ProgressStyle style) : out_(out), style_(style) {}

ProgressLine::~ProgressLine() { finish(); }

void ProgressLine::draw(const TrainingProgress& p) {
  char line[256];
  std::string eval = "eval --";
  if (p.lastEval) {
    char e[64];
    std::snprintf(e, sizeof e, "val %s %.4f gap %+.4f", metricLabel(p.metricName).c_str(),
                  p.lastEval->validationMetric, p.lastEval->metricGap());
    eval = e;
  }
  std::snprintf(line, sizeof line, "step %lld/%lld  epoch %.2f  loss %.4f  %s  timed %s  eta %s",
                static_cast<long long>(p.step), static_cast<long long>(p.maxSteps), p.epoch, p.loss, eval.c_str(),
                formatDuration(p.timedSeconds).c_str(), formatDuration(etaSeconds(p)).c_str());
  std::fprintf(out_, "\r%-110s", line);
  std::fflush(out_);
  lineOpen_ = true;
}

void ProgressLine::onStart(const std::string& model, const std::string& data, const std::string& target) {
  if (style_ == ProgressStyle::kQuiet) return;
  std::fprintf(out_, "  model   %s\n  data    %s\n  target  %s\n", model.c_str(), data.c_str(), target.c_str());
  std::fflush(out_);
}

void ProgressLine::onStep(const TrainingProgress& p) {
  if (style_ != ProgressStyle::kLiveLine) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - lastDraw_ < std::chrono::milliseconds(200)) return;
  lastDraw_ = now;
  draw(p);
}

void ProgressLine::onEval(const TrainingProgress& p, const EvalRecord& r) {
  if (style_ == ProgressStyle::kQuiet) return;
  if (style_ == ProgressStyle::kLiveLine) {
    draw(p);
    return;
  }
  std::fprintf(out_,
               "eval step %lld epoch %.2f timed %.1fs  train loss %.4f  eval-train %s %.4f loss %.4f  "
               "val %s %.4f loss %.4f  gap %+.4f\n",
               static_cast<long long>(r.step), r.epoch, r.timedSeconds, r.trainLoss, metricLabel(p.metricName).c_str(),
               r.evalTrainMetric, r.evalTrainLoss, metricLabel(p.metricName).c_str(), r.validationMetric,
               r.validationLoss, r.metricGap());
  std::fflush(out_);
}

void ProgressLine::finish() {
  if (lineOpen_) std::fputc('\n', out_);
  lineOpen_ = false;
}

}  // namespace gaplab::cli
