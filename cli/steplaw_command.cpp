// cli/steplaw_command.cpp — `gaplab steplaw --params N --tokens D [RESULTS.h5]`:
// Step Law's published optimal learning rate and batch size at (N, D), and,
// given the results of a scaling sweep, gaplab's own fit of the same law.
//
// Why: before a run, a user wants the hyperparameters Step Law recommends;
// after a scaling sweep, whether its exponents hold here. The law, the fit and
// the hold-out live in sweeps/step_law_fit.h; which trials count, and their N, D, lr
// and batch, in sweeps/step_law_runs.h. This file only prints (the fit's report: cli/step_law_report.h).
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/results_file.h"
#include "cli/step_law_report.h"
#include "sweeps/step_law_fit.h"
#include "sweeps/step_law_runs.h"

namespace gaplab::cli {

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

  std::printf("\n");
  printStepLawFitSummary(fit, sweep, options.resultsPath, options.loss, options.seed);
  printStepLawCoefficients(fit);
  std::printf("  fitted at N = %.6g, D = %.6g: lr = %.6g;  batch = %.6g tokens\n", options.params, options.tokens,
              fitted.learningRate, fitted.batchTokens);
  printStepLawHoldOut(fit);
  for (const std::string& s : sweep.skipped) std::printf("skipped %s\n", s.c_str());
  return kExitOk;
}

}  // namespace gaplab::cli
