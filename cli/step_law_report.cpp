// cli/step_law_report.cpp — see step_law_report.h.
#include "cli/step_law_report.h"

#include <cstdio>

namespace gaplab::cli {
namespace {

void row(const char* name, double published, double fitted, double low, double high) {
  const bool inside = low <= published && published <= high;
  std::printf("  %-18s %12.6g %12.6g   [%.6g, %.6g]   %s\n", name, published, fitted, low, high,
              inside ? "yes" : "no");
}

}  // namespace

void printStepLawFitSummary(const StepLawFit& fit, const StepLawSweepRuns& sweep, const std::string& resultsPath,
                            StepLawLoss loss, uint64_t seed) {
  std::printf("gaplab's fit to %s (%s loss at the end of each run):\n", resultsPath.c_str(),
              loss == StepLawLoss::kTrain ? "smoothed training" : "validation");
  std::printf("  %d runs in %zu (N, D) cells; %d within 0.25%% of their cell's best; %d diverged (dropped); "
              "%zu trials skipped\n",
              fit.runsGiven, fit.cells.size(), fit.runsKept, fit.runsDropped, sweep.skipped.size());
  std::printf("  %d bootstrap resamples of the cells (seed %llu; %d degenerate ones redrawn)\n", fit.resamples,
              static_cast<unsigned long long>(seed), fit.degenerateRedraws);
}

void printStepLawCoefficients(const StepLawFit& fit) {
  std::printf("  %-18s %12s %12s   %-24s   %s\n", "coefficient", "published", "fitted", "95% interval",
              "published inside");
  const StepLaw& p = kPublishedStepLaw;
  row("lr scale", p.lrScale, fit.law.lrScale, fit.low.lrScale, fit.high.lrScale);
  row("lr N exponent", p.lrParamsExponent, fit.law.lrParamsExponent, fit.low.lrParamsExponent,
      fit.high.lrParamsExponent);
  row("lr D exponent", p.lrTokensExponent, fit.law.lrTokensExponent, fit.low.lrTokensExponent,
      fit.high.lrTokensExponent);
  row("batch scale", p.batchScale, fit.law.batchScale, fit.low.batchScale, fit.high.batchScale);
  row("batch D exponent", p.batchTokensExponent, fit.law.batchTokensExponent, fit.low.batchTokensExponent,
      fit.high.batchTokensExponent);
}

void printStepLawHoldOut(const StepLawFit& fit) {
  if (!fit.holdOut) {
    std::printf("\n%s\n", fit.holdOutNote.c_str());
    return;
  }
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
}

}  // namespace gaplab::cli
