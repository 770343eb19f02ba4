// cli/continual_plot.cpp — see continual_plot.h.
#include "cli/continual_plot.h"

#include <cstdio>
#include <filesystem>
#include <limits>
#include <stdexcept>

#include "cli/gnuplot.h"

namespace gaplab::cli {
namespace {

// Two panels (old domain, new domain), one line per strategy, steps <= lastStep.
std::string curvesScript(const ContinualAnalysis& analysis, const ContinualPlotOptions& options, int64_t lastStep,
                         const std::string& title, const std::string& png) {
  std::string s = "set terminal pngcairo size 1400,560\nset output " + gnuplotString(png) + "\n";
  for (std::size_t r = 0; r < analysis.strategies.size(); ++r) {
    const ContinualCurve& c = analysis.strategies[r].meanCurve;
    s += "$c" + std::to_string(r) + " << EOD\n";
    for (std::size_t i = 0; i < c.steps.size() && c.steps[i] <= lastStep; ++i) {
      char line[96];
      std::snprintf(line, sizeof line, "%lld %.17g %.17g\n", static_cast<long long>(c.steps[i]), c.oldDomain[i],
                    c.newDomain[i]);
      s += line;
    }
    s += "EOD\n";
  }
  s += "set multiplot layout 1,2 title " + gnuplotString(title) + " noenhanced\n";
  s += "set xlabel 'step after the switch'\nset ylabel " + gnuplotString(options.measure) + " noenhanced\n";
  s += "set grid\nset arrow from 0, graph 0 to 0, graph 1 nohead dt 2\n";
  for (int panel = 0; panel < 2; ++panel) {
    const std::string& corpus = panel == 0 ? options.oldCorpus : options.newCorpus;
    s += "set title " + gnuplotString((panel == 0 ? "old domain: " : "new domain: ") + corpus) + " noenhanced\n";
    // The old domain falls after the switch and the new one rises: keep the key where the lines are not.
    s += std::string("set key ") + (panel == 0 ? "top right" : "bottom right") + " noenhanced box opaque\n";
    s += "plot ";
    for (std::size_t r = 0; r < analysis.strategies.size(); ++r) {
      const ContinualStrategyRow& g = analysis.strategies[r];
      s += (r ? ", " : "") + std::string("$c") + std::to_string(r) + " using 1:" + (panel == 0 ? "2" : "3") +
           " with linespoints lw 2 lt " + std::to_string(r + 1) + " title " +
           gnuplotString(g.submission + " (" + std::to_string(g.trials) + " seeds)");
    }
    s += "\n";
  }
  return s + "unset multiplot\n";
}

}  // namespace

ContinualPlots plotContinualStudy(const ContinualAnalysis& analysis, const ContinualPlotOptions& options,
                                  const std::string& dir) {
  ContinualPlots plots;
  const std::string around = (std::filesystem::path(dir) / "continual_switch.png").string();
  const std::string whole = (std::filesystem::path(dir) / "continual_run.png").string();
  runGnuplot(curvesScript(analysis, options, options.switchSteps,
                          "The first " + std::to_string(options.switchSteps) +
                              " steps after the switch (mean over seeds)",
                          around),
             around);
  plots.written.push_back(around);
  runGnuplot(curvesScript(analysis, options, std::numeric_limits<int64_t>::max(),
                          "The whole continued run (mean over seeds)", whole),
             whole);
  plots.written.push_back(whole);
  return plots;
}

}  // namespace gaplab::cli
