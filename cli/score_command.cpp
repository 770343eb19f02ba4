// cli/score_command.cpp — `gaplab score FILE.h5 ...`: AlgoPerf benchmark scores
// of every trial in one or more results files.
//
// Why: the time-to-result benchmark ends in one number per training algorithm;
// this turns the recorded trials into AlgoPerf's per-workload times, ratios,
// performance profiles and scores (sweeps/algoperf_score.h holds the rules) and
// prints them so that a missed workload is visible, not just a lower score.
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/profile_plot.h"
#include "cli/results_file.h"
#include "sweeps/algoperf_score.h"

namespace gaplab::cli {
namespace {

// The taus at which the profile is printed (those up to tau_max, plus tau_max).
std::vector<double> reportTaus(double tauMax) {
  std::vector<double> taus;
  for (const double tau : {1.0, 1.5, 2.0, 3.0, 4.0})
    if (tau < tauMax) taus.push_back(tau);
  taus.push_back(tauMax);
  return taus;
}

std::string formatRatio(double ratio) {
  if (std::isinf(ratio)) return "inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", ratio);
  return buf;
}

std::string formatTau(double tau) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "rho(%g)", tau);
  return buf;
}

}  // namespace

int scoreCommand(const ScoreOptions& options) {
  if (options.resultsPaths.empty()) throw std::invalid_argument("gaplab score: name at least one results file");
  AlgoPerfOptions scoring;
  scoring.tauMax = options.tauMax;
  if (options.integration == "exact")
    scoring.integration = ProfileIntegration::kExact;
  else if (options.integration == "trapezoid")
    scoring.integration = ProfileIntegration::kTrapezoid;
  else
    throw std::invalid_argument("--integration: got '" + options.integration + "'; expected exact or trapezoid");
  if (!(options.tauMax > 1.0) || !std::isfinite(options.tauMax))
    throw std::invalid_argument("--tau-max: got " + std::to_string(options.tauMax) + "; expected a number > 1");

  // Every trial of every file; a trial id seen in an earlier file is skipped
  // (the same trial, e.g. a sweep shard merged twice, must not count twice).
  std::vector<AlgoPerfTrial> trials;
  std::map<std::string, std::string> targetOf;  // workload -> "validation accuracy >= 0.85"
  std::set<std::string> seen;
  size_t duplicates = 0;
  for (const std::string& path : options.resultsPaths) {
    const std::vector<TrialResult> results = readResultsFile(path);
    for (const TrialResult& t : results) {
      if (!seen.insert(t.trialId).second) {
        ++duplicates;
        continue;
      }
      if (t.workload.empty()) throw OutputError("results file '" + path + "': trial '" + t.trialId + "' has no workload");
      AlgoPerfTrial a;
      a.workload = t.workload;
      a.submission = submissionName(t);
      a.study = t.study;
      a.timeToTargetSeconds = t.reachedTarget() ? t.timeToResultSeconds : INFINITY;
      if (std::isnan(a.timeToTargetSeconds) || a.timeToTargetSeconds < 0)
        throw OutputError("results file '" + path + "': trial '" + t.trialId + "' reached its target with time-to-result " +
                          std::to_string(a.timeToTargetSeconds) + " s; expected a time >= 0");
      trials.push_back(a);
      char target[160];
      std::snprintf(target, sizeof target, "validation %s %s %g", t.metricName.c_str(),
                    t.targetDirection == TargetDirection::kAtLeast ? ">=" : "<=", t.targetValue);
      targetOf.emplace(t.workload, target);
    }
  }
  if (trials.empty()) {
    std::string names;
    for (const std::string& p : options.resultsPaths) names += (names.empty() ? "" : ", ") + p;
    throw OutputError("no trials to score in " + names);
  }

  const AlgoPerfScores scores = computeAlgoPerfScores(trials, scoring);
  std::printf("AlgoPerf scores: %zu trials from %zu file(s), %zu workload(s), %zu submission(s); tau_max %g, %s integration\n",
              trials.size(), options.resultsPaths.size(), scores.workloads.size(), scores.submissions.size(),
              scoring.tauMax, options.integration.c_str());
  if (duplicates > 0) std::printf("(skipped %zu trial(s) whose id appeared in an earlier file)\n", duplicates);

  // Per workload: the median over studies of the best time per study, and the ratio to the best submission.
  std::vector<std::string> notes;
  for (const std::string& workload : scores.workloads) {
    std::printf("\nworkload %s (target: %s)\n", workload.c_str(), targetOf[workload].c_str());
    std::printf("  %-24s %16s %8s %8s\n", "submission", "time-to-target", "studies", "ratio");
    for (const AlgoPerfWorkloadTime& w : scores.times) {
      if (w.workload != workload) continue;
      const std::string studies = std::to_string(w.studiesReached) + "/" + std::to_string(w.studies);
      std::printf("  %-24s %16s %8s %8s\n", w.submission.c_str(), formatSeconds(w.timeToTargetSeconds).c_str(),
                  studies.c_str(), formatRatio(w.ratio).c_str());
      if (w.studies == 0)
        notes.push_back(w.submission + " has no trials on " + workload + " (counted as missed)");
      else if (std::isinf(w.timeToTargetSeconds))
        notes.push_back(w.submission + " missed " + workload + " (target reached in " + studies +
                        " studies; more than half are needed)");
      else if (std::isinf(w.ratio))
        notes.push_back(w.submission + " on " + workload + " is cut off: more than tau_max times the best time");
    }
  }

  // Performance profiles: rho_s(tau) = fraction of workloads with ratio <= tau, and the scores.
  const std::vector<double> taus = reportTaus(scoring.tauMax);
  std::printf("\nperformance profiles (rho = fraction of the %zu workload(s) within tau of the best), by score\n",
              scores.workloads.size());
  std::printf("  %-24s", "submission");
  for (const double tau : taus) std::printf(" %9s", formatTau(tau).c_str());
  std::printf(" %9s %9s %9s\n", "score", "exact", "trapezoid");
  const double workloadCount = static_cast<double>(scores.workloads.size());
  for (const AlgoPerfSubmissionScore& s : scores.submissions) {
    std::printf("  %-24s", s.submission.c_str());
    for (const double tau : taus) {
      int within = 0;
      for (const AlgoPerfWorkloadTime& w : scores.times)
        if (w.submission == s.submission && w.ratio <= tau) ++within;
      std::printf(" %9.4f", within / workloadCount);
    }
    std::printf(" %9.6f %9.6f %9.6f\n", s.score, s.exactScore, s.trapezoidScore);
  }
  for (const std::string& note : notes) std::printf("note: %s\n", note.c_str());
  if (!options.plotPath.empty()) {
    std::fflush(stdout);
    try {
      plotPerformanceProfiles(scores, options.plotPath);
    } catch (const std::exception& e) {
      throw OutputError(e.what());
    }
    std::printf("wrote %s\n", options.plotPath.c_str());
  }
  return kExitOk;
}

}  // namespace gaplab::cli
