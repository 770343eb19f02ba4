// cli/steplaw_command.cpp — `gaplab steplaw --params N --tokens D [RESULTS.h5]`:
// Step Law's published optimal learning rate and batch size at (N, D), and,
// given the results of a scaling sweep, gaplab's own fit of the same law.
//
// Why: before a run, a user wants the hyperparameters Step Law recommends;
// after a scaling sweep, whether its exponents hold here. The law, the fit and
// the hold-out live in sweeps/step_law_fit.h; N, D, lr and batch of a recorded
// trial in sweeps/lm_trial_config.h. This file only selects trials and prints.
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/results_file.h"
#include "sweeps/lm_trial_config.h"
#include "sweeps/step_law_fit.h"

namespace gaplab::cli {
namespace {

struct SweepRuns {
  std::vector<StepLawRun> runs;
  std::vector<std::string> skipped;  // "trial <id>: why"
};

// A trial is a run of the fit when it is an lm trial that trained its whole
// token budget (a trial that reached its target or was stopped early did not,
// so its loss is not the loss at D). A diverged trial enters with loss NaN,
// so that the fit counts it as dropped.
SweepRuns runsOf(const std::vector<TrialResult>& trials, LossChoice loss) {
  SweepRuns out;
  for (const TrialResult& t : trials) {
    const std::string id = "trial " + t.trialId + ": ";
    if (!isLmWorkload(t.workload)) {
      out.skipped.push_back(id + "workload '" + t.workload + "' is not lm or moe_lm");
      continue;
    }
    const LmTrialConfig c = readLmTrialConfig(t);
    const bool diverged = t.status == TrialStatus::kDiverged;
    const bool finished = t.status == TrialStatus::kMaxSteps || t.status == TrialStatus::kMaxRuntime ||
                          t.status == TrialStatus::kReachedTarget;
    if (!diverged && (!finished || t.curve.empty())) {
      out.skipped.push_back(id + "status " + toString(t.status) + (t.curve.empty() ? ", no evaluation" : ""));
      continue;
    }
    const int64_t trained = t.steps * c.batchTokens;
    if (!diverged && c.tokenBudget > 0 && trained < c.tokenBudget) {
      out.skipped.push_back(id + "stopped after " + std::to_string(trained) + " of its " +
                            std::to_string(c.tokenBudget) + " tokens (status " + toString(t.status) +
                            "; give a scaling sweep a target it cannot reach)");
      continue;
    }
    StepLawRun r;
    r.label = t.trialId;
    r.params = static_cast<double>(c.counts.nonEmbedding);
    r.tokens = static_cast<double>(c.tokenBudget > 0 ? c.tokenBudget : trained);
    r.learningRate = c.learningRate;
    r.batchTokens = static_cast<double>(c.batchTokens);
    r.finalLoss = std::nan("");
    if (!diverged && !t.curve.empty())
      r.finalLoss = loss == LossChoice::kTrain ? t.curve.back().trainLoss : t.curve.back().validationLoss;
    if (diverged || r.tokens > 0) out.runs.push_back(r);
    else out.skipped.push_back(id + "trained no tokens");
  }
  return out;
}

void printLawRow(const char* name, double published, double fitted, double low, double high) {
  std::printf("  %-18s %12.6g %12.6g   [%.6g, %.6g]\n", name, published, fitted, low, high);
}

}  // namespace

int stepLawCommand(const StepLawOptions& options) {
  const StepLawPrediction published = predictStepLaw(kPublishedStepLaw, options.params, options.tokens);
  std::printf("Step Law (Li et al. 2025, \"Predictable Scale: Part I\", arXiv:2503.04715) at N = %.6g non-embedding "
              "parameters, D = %.6g tokens:\n",
              options.params, options.tokens);
  std::printf("  published: lr = 1.79 N^-0.713 D^0.307 = %.6g;  batch = 0.58 D^0.571 = %.6g tokens\n",
              published.learningRate, published.batchTokens);
  std::fflush(stdout);  // before a results-file error goes to stderr
  if (options.resultsPath.empty()) return kExitOk;

  const SweepRuns sweep = runsOf(readResultsFile(options.resultsPath), options.loss);
  if (sweep.runs.empty())
    throw OutputError("results file '" + options.resultsPath + "': no lm trial that trained its token budget (" +
                      std::to_string(sweep.skipped.size()) + " skipped)");
  StepLawFitOptions fitOptions;
  fitOptions.bootstrapResamples = options.resamples;
  fitOptions.seed = options.seed;
  const StepLawFit fit = fitStepLaw(sweep.runs, fitOptions);
  const StepLawPrediction fitted = predictStepLaw(fit.law, options.params, options.tokens);

  std::printf("\ngaplab's fit to %s (%s loss at the end of each run):\n", options.resultsPath.c_str(),
              options.loss == LossChoice::kTrain ? "smoothed training" : "validation");
  std::printf("  %d runs in %zu (N, D) cells; %d within 0.25%% of their cell's best; %d diverged (dropped); "
              "%zu trials skipped\n",
              fit.runsGiven, fit.cells.size(), fit.runsKept, fit.runsDropped, sweep.skipped.size());
  std::printf("  %d bootstrap resamples of the cells (seed %llu; %d degenerate ones redrawn)\n", fit.resamples,
              static_cast<unsigned long long>(options.seed), fit.degenerateRedraws);
  std::printf("  %-18s %12s %12s   %s\n", "coefficient", "published", "fitted", "95% interval");
  const StepLaw& p = kPublishedStepLaw;
  printLawRow("lr scale", p.lrScale, fit.law.lrScale, fit.low.lrScale, fit.high.lrScale);
  printLawRow("lr N exponent", p.lrParamsExponent, fit.law.lrParamsExponent, fit.low.lrParamsExponent,
              fit.high.lrParamsExponent);
  printLawRow("lr D exponent", p.lrTokensExponent, fit.law.lrTokensExponent, fit.low.lrTokensExponent,
              fit.high.lrTokensExponent);
  printLawRow("batch scale", p.batchScale, fit.law.batchScale, fit.low.batchScale, fit.high.batchScale);
  printLawRow("batch D exponent", p.batchTokensExponent, fit.law.batchTokensExponent, fit.low.batchTokensExponent,
              fit.high.batchTokensExponent);
  std::printf("  fitted at N = %.6g, D = %.6g: lr = %.6g;  batch = %.6g tokens\n", options.params, options.tokens,
              fitted.learningRate, fitted.batchTokens);
  if (fit.holdOut) {
    const StepLawHoldOutResult& h = *fit.holdOut;
    std::printf("\nhold-out: the largest cell (N = %.6g, D = %.6g) left out of the fit\n", h.params, h.tokens);
    std::printf("  predicted (fit without it): lr %.6g, batch %.6g tokens\n", h.predicted.learningRate,
                h.predicted.batchTokens);
    std::printf("  published Step Law:         lr %.6g, batch %.6g tokens\n", h.published.learningRate,
                h.published.batchTokens);
    std::printf("  measured optimum:           lr %.6g, batch %.6g tokens, loss %.6f (%s)\n", h.best.learningRate,
                h.best.batchTokens, h.best.finalLoss, h.best.label.c_str());
    std::printf("  run closest to prediction:  lr %.6g, batch %.6g tokens, loss %.6f (%+.3f%% vs the best)\n",
                h.closest.learningRate, h.closest.batchTokens, h.closest.finalLoss, 100.0 * h.closestLossExcess);
  } else {
    std::printf("\n%s\n", fit.holdOutNote.c_str());
  }
  for (const std::string& s : sweep.skipped) std::printf("skipped %s\n", s.c_str());
  return kExitOk;
}

}  // namespace gaplab::cli
