// cli/analyze_command.cpp — `gaplab analyze large-batch RESULTS.h5`: the table of
// the large-batch study (Hoffer et al. 2017). The other studies have their own
// files: analyze_continual_command.cpp, analyze_scaling_command.cpp, analyze_moe_command.cpp.
//
// Why: a study's sweep ends in an HDF5 file of trials; the question it asks is
// answered by one table per study. The numbers come from sweeps/ (analysis
// belongs there, DESIGN.md); this file only reads the file, prints and plots.
#include <cmath>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "cli/analysis_format.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/large_batch_plot.h"
#include "cli/results_file.h"
#include "sweeps/large_batch_analysis.h"
#include "sweeps/result_store.h"

namespace gaplab::cli {
namespace {

// The submissions of the sweep that wrote the file, in the sweep file's order
// (file attribute gaplab_sweep_yaml); empty for a file without it.
std::vector<std::string> submissionOrder(const std::string& path) {
  std::vector<std::string> names;
  try {
    const std::optional<std::string> yaml = ResultStore::readAttribute(path, "gaplab_sweep_yaml");
    if (!yaml) return names;
    const YAML::Node subs = YAML::Load(*yaml)["submissions"];
    if (subs && subs.IsMap())
      for (const auto& kv : subs) names.push_back(kv.first.Scalar());
  } catch (const std::exception&) {
    // No usable sweep YAML: regimes then come in file order.
  }
  return names;
}

std::string range(const Spread& s) {
  if (s.count == 0 || !std::isfinite(s.min)) return "-";
  char buf[48];
  std::snprintf(buf, sizeof buf, "[%+.4f, %+.4f]", s.min, s.max);
  return buf;
}

}  // namespace

int analyzeLargeBatchCommand(const AnalyzeOptions& options) {
  const std::vector<TrialResult> trials = readResultsFile(options.resultsPath);
  LargeBatchStudy study;
  try {
    study = analyzeLargeBatchStudy(trials, submissionOrder(options.resultsPath));
  } catch (const LargeBatchAnalysisError& e) {
    throw OutputError("results file '" + options.resultsPath + "': " + e.what());
  }
  int analysed = 0;
  for (const LargeBatchRegime& r : study.regimes) analysed += static_cast<int>(r.seeds.size());

  std::printf("large-batch study (Hoffer et al. 2017): %s\n", options.resultsPath.c_str());
  std::printf("%zu regime(s), %d trial(s); final evaluation, %s, mean ± std over seeds; gap = train - validation\n\n",
              study.regimes.size(), analysed, study.metricName.c_str());
  const LargeBatchRegime& first = study.regimes.front();
  std::printf("%s%6s %6s %5s  %s%s%s%s%s%s\n", pad("regime", 14).c_str(), "batch", "steps", "seeds",
              pad("validation", 18).c_str(), pad("train", 18).c_str(), pad("gap", 18).c_str(),
              pad("gap min..max", 20).c_str(), pad("val vs " + first.name, 14).c_str(), "||w-w0|| slope per ln(step)");
  for (const LargeBatchRegime& r : study.regimes) {
    char delta[32];
    std::snprintf(delta, sizeof delta, "%+.4f", r.validationMetric.mean - first.validationMetric.mean);
    std::printf("%s%6lld %6lld %5zu  %s%s%s%s%s%s\n", pad(r.name, 14).c_str(), static_cast<long long>(r.batchSize),
                static_cast<long long>(r.steps), r.seeds.size(), pad(meanStd(r.validationMetric), 18).c_str(),
                pad(meanStd(r.trainMetric), 18).c_str(), pad(meanStd(r.metricGap), 18).c_str(),
                pad(range(r.metricGap), 20).c_str(), pad(delta, 14).c_str(), meanStd(r.distanceSlope, "%.3f").c_str());
  }
  std::printf("\nfinal distance from initialisation ||w_T - w_0||:");
  for (const LargeBatchRegime& r : study.regimes) std::printf("  %s %s", r.name.c_str(), meanStd(r.finalDistance, "%.2f").c_str());
  std::printf("\n");
  for (const LargeBatchRegime& r : study.regimes)
    if (r.excluded > 0)
      std::printf("note: %d trial(s) of %s failed, diverged or were interrupted and are not in the table\n", r.excluded,
                  r.name.c_str());

  if (!options.plotDir.empty())
    drawPlotsAfterTable(options.plotDir, [&] { return plotLargeBatchStudy(study, options.plotDir); });
  return kExitOk;
}

}  // namespace gaplab::cli
