// cli/analyze_continual_command.cpp — `gaplab analyze continual RESULTS.h5`:
// the continual pre-training study's table (sweeps/continual_analysis.h): per
// strategy (submission), the old domain's value at the switch, min-ACC, the
// stability-gap depth, recovery, WC-ACC, windowed forgetting and plasticity,
// and both domains at the end, as mean and range over seeds; with --plot, both
// domains' curves per strategy (cli/continual_plot.h).
#include <cmath>
#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "cli/continual_plot.h"
#include "cli/exit_codes.h"
#include "cli/results_file.h"
#include "sweeps/continual_analysis.h"

namespace gaplab::cli {
namespace {

std::string cell(const Spread& s) {
  if (s.count == 0 || !std::isfinite(s.mean)) return "-";
  char buf[48];
  if (s.count == 1) std::snprintf(buf, sizeof buf, "%.4f", s.mean);
  else std::snprintf(buf, sizeof buf, "%.4f [%.4f,%.4f]", s.mean, s.min, s.max);
  return buf;
}

}  // namespace

int analyzeContinualCommand(const AnalyzeContinualOptions& options) {
  const std::vector<TrialResult> trials = readResultsFile(options.resultsPath);
  ContinualAnalysisOptions o;
  o.oldCorpus = options.oldCorpus;
  o.newCorpus = options.newCorpus;
  o.measure = options.measure == "bits_per_byte" ? ContinualMeasure::kBitsPerByte : ContinualMeasure::kNextByteAccuracy;
  o.windows = options.windows;
  o.recoveryTolerance = options.tolerance;
  ContinualAnalysis a;
  try {
    a = analyzeContinual(trials, o);
  } catch (const std::invalid_argument& e) {
    throw OutputError("results file '" + options.resultsPath + "': " + e.what());
  }
  std::printf("continual pre-training: old domain %s, new domain %s, %s; switch at step 0 of the continued runs\n",
              o.oldCorpus.c_str(), o.newCorpus.c_str(), options.measure.c_str());
  std::printf("%-16s %5s  %-26s %-26s %-26s %-9s %-26s %-26s %-26s", "strategy", "seeds", "at switch (old)",
              "min-ACC (old)", "gap depth", "recovered", "WC-ACC", "final old", "final new");
  for (int w : o.windows) std::printf(" %-26s %-26s", ("WF^" + std::to_string(w)).c_str(), ("WP^" + std::to_string(w)).c_str());
  std::printf("\n");
  for (const ContinualStrategyRow& s : a.strategies) {
    const std::string recovered = std::to_string(s.recovered) + "/" + std::to_string(s.trials);
    std::printf("%-16s %5d  %-26s %-26s %-26s %-9s %-26s %-26s %-26s", s.submission.c_str(), s.trials,
                cell(s.valueAtSwitch).c_str(), cell(s.minAcc).c_str(), cell(s.gapDepth).c_str(), recovered.c_str(),
                cell(s.wcAcc).c_str(), cell(s.finalOld).c_str(), cell(s.finalNew).c_str());
    for (std::size_t w = 0; w < o.windows.size(); ++w)
      std::printf(" %-26s %-26s", cell(s.forgetting[w]).c_str(), cell(s.plasticity[w]).c_str());
    std::printf("\n");
    if (s.recovered > 0) std::printf("%-16s        recovery step (mean over recovered seeds): %.0f\n", "", s.recoveryStep.mean);
  }
  for (const std::string& skipped : a.skipped) std::printf("skipped %s\n", skipped.c_str());
  std::printf("values: mean [min,max] over seeds; min-ACC is the worst old-domain value after the switch, gap depth "
              "its drop below the value at the switch (De Lange et al.).\n");
  if (!options.plotDir.empty()) {
    ContinualPlotOptions p;
    p.oldCorpus = o.oldCorpus;
    p.newCorpus = o.newCorpus;
    p.measure = options.measure;
    p.switchSteps = options.plotSteps;
    drawPlotsAfterTable(options.plotDir, [&] { return plotContinualStudy(a, p, options.plotDir); });
  }
  return kExitOk;
}

}  // namespace gaplab::cli
