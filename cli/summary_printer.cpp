// cli/summary_printer.cpp — see summary_printer.h.
#include "cli/summary_printer.h"

#include <cmath>
#include <string_view>

namespace gaplab::cli {
namespace {

std::string seconds(double s) {
  if (!std::isfinite(s)) return "inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", s);
  return buf;
}

// The final evaluation's validation extras (next-byte accuracy, MoE load, ...),
// one per line under the fixed metrics; a long list (one per expert) is cut short.
void printValidationExtras(std::FILE* out, const EvalRecord& e) {
  constexpr std::string_view kPrefix = "validation/";
  constexpr size_t kMaxLines = 24;
  size_t shown = 0;
  size_t hidden = 0;
  for (const NamedMetric& m : e.extras) {
    if (std::string_view(m.name).substr(0, kPrefix.size()) != kPrefix) continue;
    if (shown == kMaxLines) {
      ++hidden;
      continue;
    }
    std::fprintf(out, "    %s  %.4f\n", m.name.c_str(), m.value);
    ++shown;
  }
  if (hidden > 0) std::fprintf(out, "    ... and %zu more\n", hidden);
}

}  // namespace

void printRunSummary(std::FILE* out, const TrialResult& r, const std::string& resultsPath) {
  const char* dir = r.targetDirection == TargetDirection::kAtLeast ? ">=" : "<=";
  std::fprintf(out, "\n%s  trial %s  seed %llu  (%lld parameters)\n", r.workload.c_str(), r.trialId.c_str(),
               static_cast<unsigned long long>(r.seed), static_cast<long long>(r.parameterCount));
  std::fprintf(out, "  target          validation %s %s %.4f: %s\n", r.metricName.c_str(), dir, r.targetValue,
               r.reachedTarget() ? "REACHED" : ("NOT REACHED (" + toString(r.status) + ")").c_str());
  if (r.reachedTarget())
    std::fprintf(out, "  time-to-result  %s timed, %lld steps\n", seconds(r.timeToResultSeconds).c_str(),
                 static_cast<long long>(r.stepsToResult));
  else
    std::fprintf(out, "  time-to-result  inf: %s\n", r.statusMessage.c_str());
  if (const EvalRecord* e = r.finalEval()) {
    std::fprintf(out, "  final (step %lld, epoch %.2f)\n", static_cast<long long>(e->step), e->epoch);
    std::fprintf(out, "    train loss    %.4f (mean since the previous evaluation)\n", e->trainLoss);
    std::fprintf(out, "    eval-train    %s %.4f  loss %.4f\n", r.metricName.c_str(), e->evalTrainMetric, e->evalTrainLoss);
    std::fprintf(out, "    validation    %s %.4f  loss %.4f\n", r.metricName.c_str(), e->validationMetric, e->validationLoss);
    std::fprintf(out, "    gap           %s %+.4f (eval-train - validation)  loss %+.4f (validation - eval-train)\n",
                 r.metricName.c_str(), e->metricGap(), e->lossGap());
    printValidationExtras(out, *e);
  }
  std::fprintf(out, "  timing          timed %s  eval %s  setup %s  logging %s  wall %s\n",
               seconds(r.timedSeconds).c_str(), seconds(r.evalSeconds).c_str(), seconds(r.setupSeconds).c_str(),
               seconds(r.loggingSeconds).c_str(), seconds(r.wallSeconds).c_str());
  if (r.ranks > 1)
    std::fprintf(out, "  ranks           %d (gradient all-reduce %s of the timed seconds)\n", r.ranks,
                 seconds(r.communicationSeconds).c_str());
  std::fprintf(out, "  steps           %lld (%.2f epochs)\n", static_cast<long long>(r.steps), r.epochs);
  if (!resultsPath.empty())
    std::fprintf(out, "  results         %s (1 summary row, %zu curve rows)\n", resultsPath.c_str(), r.curve.size());
}

void printSummaryTable(std::FILE* out, const std::vector<TrialResult>& results) {
  std::fprintf(out, "%-16s %-12s %-15s %6s %10s %8s %9s %9s %9s\n", "trial", "workload", "status", "seed",
               "ttr", "steps", "val", "evaltrain", "gap");
  for (const auto& r : results) {
    const EvalRecord* e = r.finalEval();
    std::fprintf(out, "%-16s %-12s %-15s %6llu %10s %8lld %9.4f %9.4f %+9.4f\n", r.trialId.c_str(), r.workload.c_str(),
                 toString(r.status).c_str(), static_cast<unsigned long long>(r.seed),
                 seconds(r.timeToResultSeconds).c_str(), static_cast<long long>(r.steps),
                 e ? e->validationMetric : NAN, e ? e->evalTrainMetric : NAN, e ? e->metricGap() : NAN);
  }
  std::fprintf(out, "%zu trial(s); metric: %s\n", results.size(), results.empty() ? "-" : results.front().metricName.c_str());
}

}  // namespace gaplab::cli
