// cli/steplaw_command.cpp — `gaplab steplaw --params N --tokens D [RESULTS.h5]`:
// Step Law's published optimal learning rate and batch size at (N, D), and,
// given the results of a scaling sweep, gaplab's own fit of the same law.
//
// Why: before a run, a user wants the hyperparameters Step Law recommends;
// after a scaling sweep, whether its exponents hold here. The law, the fit and
// the hold-out live in sweeps/step_law_fit.h; which trials count, and their N, D, lr
// and batch, in sweeps/step_law_runs.h. This file only selects trials and prints.
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/results_file.h"
#include "sweeps/step_law_fit.h"
#include "sweeps/step_law_runs.h"

namespace gaplab::cli {
namespace {

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

  const StepLawSweepRuns sweep = stepLawRunsOf(readResultsFile(options.resultsPath), options.loss);
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
