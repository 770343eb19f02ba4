// cli/results_commands.cpp — `gaplab status` and `gaplab export`: the commands
// that read one results file and show it or hand it on, without training.
//
// Why: a sweep runs for hours; its user wants to see where it stands (while it
// still writes the file, via SWMR) and to take its tables to pandas, R or a
// spreadsheet without writing HDF5 code. `gaplab score` is in score_command.cpp.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <tuple>
#include <vector>

#include "cli/commands.h"
#include "cli/csv_writer.h"
#include "cli/exit_codes.h"
#include "cli/results_file.h"
#include "sweeps/result_store.h"

namespace gaplab::cli {
namespace {

namespace fs = std::filesystem;

// File attributes the sweep scheduler writes (sweeps/sweep_scheduler.cpp).
constexpr const char* kSweepIdAttribute = "gaplab_sweep_id";
constexpr const char* kSweepNameAttribute = "gaplab_sweep_name";

std::optional<std::string> attribute(const std::string& path, const char* name) {
  try {
    return ResultStore::readAttribute(path, name);
  } catch (const std::exception& e) {
    throw OutputError(e.what());
  }
}

// Trials and how many reached the target, with the best time-to-result.
struct Tally {
  int trials = 0;
  int reached = 0;
  double bestSeconds = std::numeric_limits<double>::infinity();
  void add(const TrialResult& t) {
    ++trials;
    if (!t.reachedTarget()) return;
    ++reached;
    if (t.timeToResultSeconds < bestSeconds) bestSeconds = t.timeToResultSeconds;
  }
};

// True when a's final validation metric is better than b's in the target's direction (NaN is worst).
bool betterFinalMetric(const TrialResult& a, const TrialResult& b) {
  const double x = a.finalEval() ? a.finalEval()->validationMetric : NAN;
  const double y = b.finalEval() ? b.finalEval()->validationMetric : NAN;
  if (std::isnan(x)) return false;
  if (std::isnan(y)) return true;
  return a.targetDirection == TargetDirection::kAtLeast ? x > y : x < y;
}

// The trial that reached the target fastest; when none did, the one closest to it.
const TrialResult* bestTrial(const std::vector<const TrialResult*>& trials) {
  const TrialResult* best = nullptr;
  for (const TrialResult* t : trials) {
    if (!best) {
      best = t;
      continue;
    }
    if (t->reachedTarget() != best->reachedTarget()) {
      if (t->reachedTarget()) best = t;
      continue;
    }
    if (t->reachedTarget() ? t->timeToResultSeconds < best->timeToResultSeconds : betterFinalMetric(*t, *best))
      best = t;
  }
  return best;
}

void printBestTrial(std::FILE* out, const std::string& workload, const TrialResult& t) {
  std::fprintf(out, "\nbest trial on %s: %s%s\n", workload.c_str(), t.trialId.c_str(),
               t.reachedTarget() ? "" : "  (no trial reached the target; closest final validation metric)");
  std::fprintf(out, "  submission       %s (study %d, seed %llu)\n", submissionName(t).c_str(), t.study,
               static_cast<unsigned long long>(t.seed));
  std::fprintf(out, "  parameters       %s\n", t.parameters.empty() ? "-" : t.parameters.c_str());
  const char* dir = t.targetDirection == TargetDirection::kAtLeast ? ">=" : "<=";
  if (t.reachedTarget())
    std::fprintf(out, "  time-to-result   %s (step %lld; target validation %s %s %.4f)\n",
                 formatSeconds(t.timeToResultSeconds).c_str(), static_cast<long long>(t.stepsToResult),
                 t.metricName.c_str(), dir, t.targetValue);
  else
    std::fprintf(out, "  time-to-result   inf (%s: %s)\n", toString(t.status).c_str(), t.statusMessage.c_str());
  if (const EvalRecord* e = t.finalEval()) {
    std::fprintf(out, "  final validation %s %.4f, loss %.4f (step %lld)\n", t.metricName.c_str(), e->validationMetric,
                 e->validationLoss, static_cast<long long>(e->step));
    std::fprintf(out, "  gaps             %s %+.4f (eval-train - validation), loss %+.4f (validation - eval-train)\n",
                 t.metricName.c_str(), e->metricGap(), e->lossGap());
  } else {
    std::fprintf(out, "  final validation - (no evaluation)\n");
  }
}

// summary.csv: one row per trial, every summary column (curve_rows and
// eval_metrics_rows in place of the row offsets, which mean nothing outside the file).
void writeSummaryCsv(CsvFile& csv, const std::vector<TrialResult>& trials) {
  csv.row({"trial_id", "workload", "submission", "study", "parameters", "attempts", "seed", "status", "status_message",
           "metric_name", "target_direction", "target_value", "time_to_result_s", "steps_to_result", "steps", "epochs",
           "timed_s", "eval_s", "setup_s", "logging_s", "checkpoint_s", "communication_s", "wall_s",
           "final_train_loss", "final_eval_train_loss", "final_eval_train_metric", "final_validation_loss",
           "final_validation_metric", "final_metric_gap", "final_loss_gap", "ranks", "parameter_count", "host",
           "started_at_unix", "sample_point", "curve_rows", "eval_metrics_rows", "config_yaml"});
  for (const TrialResult& t : trials) {
    const EvalRecord* e = t.finalEval();
    const auto final = [e](double EvalRecord::*member) { return csvNumber(e ? e->*member : NAN); };
    size_t extras = 0;
    for (const EvalRecord& r : t.curve) extras += r.extras.size();
    csv.row({t.trialId, t.workload, t.submission, std::to_string(t.study), t.parameters, std::to_string(t.attempts),
             std::to_string(t.seed), toString(t.status), t.statusMessage, t.metricName,
             directionName(t.targetDirection), csvNumber(t.targetValue), csvNumber(t.timeToResultSeconds),
             std::to_string(t.stepsToResult), std::to_string(t.steps), csvNumber(t.epochs), csvNumber(t.timedSeconds),
             csvNumber(t.evalSeconds), csvNumber(t.setupSeconds), csvNumber(t.loggingSeconds),
             csvNumber(t.checkpointSeconds), csvNumber(t.communicationSeconds), csvNumber(t.wallSeconds),
             final(&EvalRecord::trainLoss), final(&EvalRecord::evalTrainLoss), final(&EvalRecord::evalTrainMetric),
             final(&EvalRecord::validationLoss), final(&EvalRecord::validationMetric),
             csvNumber(e ? e->metricGap() : NAN), csvNumber(e ? e->lossGap() : NAN), std::to_string(t.ranks),
             std::to_string(t.parameterCount), t.host, std::to_string(t.startedAtUnix), t.samplePoint,
             std::to_string(t.curve.size()), std::to_string(extras), t.configYaml});
  }
}

void writeCurvesCsv(CsvFile& csv, const std::vector<TrialResult>& trials) {
  csv.row({"trial_id", "step", "epoch", "timed_s", "wall_s", "train_loss", "eval_train_loss", "eval_train_metric",
           "validation_loss", "validation_metric", "metric_gap", "loss_gap", "learning_rate"});
  for (const TrialResult& t : trials)
    for (const EvalRecord& e : t.curve)
      csv.row({t.trialId, std::to_string(e.step), csvNumber(e.epoch), csvNumber(e.timedSeconds),
               csvNumber(e.wallSeconds), csvNumber(e.trainLoss), csvNumber(e.evalTrainLoss),
               csvNumber(e.evalTrainMetric), csvNumber(e.validationLoss), csvNumber(e.validationMetric),
               csvNumber(e.metricGap()), csvNumber(e.lossGap()), csvNumber(e.learningRate)});
}

void writeEvalMetricsCsv(CsvFile& csv, const std::vector<TrialResult>& trials) {
  csv.row({"trial_id", "step", "name", "value"});
  for (const TrialResult& t : trials)
    for (const EvalRecord& e : t.curve)
      for (const NamedMetric& m : e.extras) csv.row({t.trialId, std::to_string(e.step), m.name, csvNumber(m.value)});
}

}  // namespace

int statusCommand(const std::string& path) {
  const std::vector<TrialResult> trials = readResultsFile(path);
  const std::optional<std::string> sweepId = attribute(path, kSweepIdAttribute);
  const std::optional<std::string> sweepName = attribute(path, kSweepNameAttribute);

  std::printf("results      %s\n", path.c_str());
  if (sweepId)
    std::printf("sweep        %s (id %s)\n", sweepName.value_or("-").c_str(), sweepId->c_str());
  else
    std::printf("sweep        - (not a sweep file: written by gaplab run)\n");

  std::map<TrialStatus, int> byStatus;
  for (const TrialResult& t : trials) ++byStatus[t.status];
  const auto count = [&](TrialStatus s) { return byStatus.count(s) ? byStatus[s] : 0; };
  std::printf("trials       %zu recorded\n", trials.size());
  std::printf("  reached target   %5d\n", count(TrialStatus::kReachedTarget));
  std::printf("  missed target    %5d  (max_steps %d, max_runtime %d)\n",
              count(TrialStatus::kMaxSteps) + count(TrialStatus::kMaxRuntime), count(TrialStatus::kMaxSteps),
              count(TrialStatus::kMaxRuntime));
  std::printf("  stopped early    %5d\n", count(TrialStatus::kStoppedEarly));
  std::printf("  diverged         %5d\n", count(TrialStatus::kDiverged));
  std::printf("  failed           %5d\n", count(TrialStatus::kFailed));
  std::printf("  interrupted      %5d\n", count(TrialStatus::kInterrupted));
  if (trials.empty()) return kExitOk;

  // Per (workload, submission), and per study inside it when there are several.
  using Key = std::tuple<std::string, std::string>;
  std::map<Key, Tally> bySubmission;
  std::map<Key, std::map<int, Tally>> byStudy;
  std::map<std::string, std::vector<const TrialResult*>> byWorkload;
  for (const TrialResult& t : trials) {
    const Key key{t.workload, submissionName(t)};
    bySubmission[key].add(t);
    byStudy[key][t.study].add(t);
    byWorkload[t.workload].push_back(&t);
  }
  std::printf("\n%-20s %-20s %5s %7s %8s %20s\n", "workload", "submission", "study", "trials", "reached",
              "best time-to-result");
  for (const auto& [key, tally] : bySubmission) {
    const auto& [workload, submission] = key;
    std::printf("%-20s %-20s %5s %7d %8d %20s\n", workload.c_str(), submission.c_str(), "all", tally.trials,
                tally.reached, formatSeconds(tally.bestSeconds).c_str());
    const std::map<int, Tally>& studies = byStudy[key];
    if (studies.size() < 2) continue;
    for (const auto& [study, s] : studies)
      std::printf("%-20s %-20s %5d %7d %8d %20s\n", workload.c_str(), submission.c_str(), study, s.trials, s.reached,
                  formatSeconds(s.bestSeconds).c_str());
  }
  for (const auto& [workload, list] : byWorkload) printBestTrial(stdout, workload, *bestTrial(list));
  return kExitOk;
}

int exportCommand(const ExportOptions& options) {
  const std::vector<TrialResult> trials = readResultsFile(options.resultsPath);
  const fs::path dir(options.csvDir);
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
    throw OutputError("--csv " + dir.string() + " exists and is not a directory");
  fs::create_directories(dir, ec);
  if (ec) throw OutputError("cannot create directory " + dir.string() + ": " + ec.message());

  const std::vector<fs::path> paths = {dir / "summary.csv", dir / "curves.csv", dir / "eval_metrics.csv"};
  if (!options.overwrite)
    for (const fs::path& p : paths)
      if (fs::exists(p, ec))
        throw OutputError("output file " + p.string() + " exists; pass --overwrite to replace it");

  try {
    CsvFile summary(paths[0].string());
    CsvFile curves(paths[1].string());
    CsvFile evalMetrics(paths[2].string());
    writeSummaryCsv(summary, trials);
    writeCurvesCsv(curves, trials);
    writeEvalMetricsCsv(evalMetrics, trials);
    for (CsvFile* csv : {&summary, &curves, &evalMetrics}) {
      csv->commit();
      std::printf("wrote %s (%lld rows)\n", csv->path().c_str(), static_cast<long long>(csv->rows() - 1));
    }
  } catch (const OutputError&) {
    throw;
  } catch (const std::exception& e) {
    throw OutputError(e.what());
  }
  return kExitOk;
}

}  // namespace gaplab::cli
