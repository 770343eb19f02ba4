// cli/analyze_scaling_command.cpp — `gaplab analyze scaling RESULTS.h5`: the
// Step Law study's table: per (N, D) cell the measured optimum beside the
// fitted and the published law's, the fitted coefficients with 95% bootstrap
// intervals beside Step Law's, and the hold-out of the largest cell.
//
// Why: the study asks whether Step Law's exponents hold for the models gaplab
// trains, and how good a setting the law picks for a size it has not seen;
// this prints the answer. The selection of trials (sweeps/step_law_runs.h), the
// fit (sweeps/step_law_fit.h) and the shared report lines
// (cli/step_law_report.h) live elsewhere; this file adds the cell table and plots.
#include <cstdio>
#include <stdexcept>
#include <string>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/results_file.h"
#include "cli/step_law_plot.h"
#include "cli/step_law_report.h"
#include "sweeps/step_law_fit.h"
#include "sweeps/step_law_runs.h"

namespace gaplab::cli {

int analyzeScalingCommand(const AnalyzeScalingOptions& options) {
  const StepLawSweepRuns sweep = stepLawRunsOf(readResultsFile(options.resultsPath), options.loss);
  if (sweep.runs.empty())
    throw OutputError("results file '" + options.resultsPath +
                      "': no lm / moe_lm trial that trained its token budget (" + std::to_string(sweep.skipped.size()) +
                      " trial(s) skipped); a scaling study records lm trials with data.token_budget and an "
                      "unreachable target");
  StepLawFitOptions fitOptions;
  fitOptions.bootstrapResamples = options.resamples;
  fitOptions.seed = options.seed;
  StepLawFit fit;
  try {
    fit = fitStepLaw(sweep.runs, fitOptions);
  } catch (const std::invalid_argument& e) {
    throw OutputError("results file '" + options.resultsPath + "': cannot fit Step Law: " + e.what());
  }

  std::printf("Step Law study (Li et al. 2025, arXiv:2503.04715): lr* = A N^alpha D^beta, batch* = B D^gamma\n");
  printStepLawFitSummary(fit, sweep, options.resultsPath, options.loss, options.seed);

  std::printf("\nper (N, D) cell: the best run, and the optimum the fit and the published law give there\n");
  std::printf("  %10s %10s %5s %5s %10s %10s %10s | %10s %10s | %10s %10s\n", "N", "D", "runs", "kept", "best lr",
              "best batch", "best loss", "fit lr", "fit batch", "pub lr", "pub batch");
  for (const StepLawCell& c : fit.cells) {
    const StepLawPrediction f = predictStepLaw(fit.law, c.params, c.tokens);
    const StepLawPrediction p = predictStepLaw(kPublishedStepLaw, c.params, c.tokens);
    std::printf("  %10.6g %10.6g %5d %5d %10.4g %10.6g %10.5f | %10.4g %10.6g | %10.4g %10.6g\n", c.params, c.tokens,
                c.runs, c.kept, c.best.learningRate, c.best.batchTokens, c.best.finalLoss, f.learningRate,
                f.batchTokens, p.learningRate, p.batchTokens);
  }

  std::printf("\ncoefficients (lr* = lr scale N^(lr N exponent) D^(lr D exponent); batch* = batch scale "
              "D^(batch D exponent) tokens)\n");
  printStepLawCoefficients(fit);
  printStepLawHoldOut(fit);
  for (const std::string& s : sweep.skipped) std::printf("skipped %s\n", s.c_str());

  if (!options.plotDir.empty())
    drawPlotsAfterTable(options.plotDir, [&] { return plotStepLawStudy(fit, sweep.runs, options.plotDir); });
  return kExitOk;
}

}  // namespace gaplab::cli
