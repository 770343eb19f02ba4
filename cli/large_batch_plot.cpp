// cli/large_batch_plot.cpp — see large_batch_plot.h.
#include "cli/large_batch_plot.h"

#include "cli/gnuplot.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace gaplab::cli {
namespace {

std::string distanceScript(const LargeBatchStudy& study, const std::string& png) {
  std::string s = "set terminal pngcairo size 900,560\nset output " + gnuplotString(png) + "\n";
  s += "set title 'Distance from initialisation (mean over seeds)'\nset logscale x\n";
  s += "set xlabel 'step (log scale)'\nset ylabel '||w_t - w_0||'\nset key top left\nset grid\n";
  for (std::size_t r = 0; r < study.regimes.size(); ++r) {
    s += "$d" + std::to_string(r) + " << EOD\n";
    for (const DistancePoint& p : study.regimes[r].meanDistanceCurve) {
      char line[64];
      std::snprintf(line, sizeof line, "%lld %.17g\n", static_cast<long long>(p.step), p.meanDistance);
      s += line;
    }
    s += "EOD\n";
  }
  s += "plot ";
  for (std::size_t r = 0; r < study.regimes.size(); ++r) {
    const LargeBatchRegime& g = study.regimes[r];
    char title[160];
    std::snprintf(title, sizeof title, "%s (B=%lld, slope %.3g)", g.name.c_str(), static_cast<long long>(g.batchSize),
                  g.distanceSlope.mean);
    s += (r ? ", " : "") + std::string("$d") + std::to_string(r) + " with linespoints lw 2 title " + gnuplotString(title) + " noenhanced";
  }
  return s + "\n";
}

std::string gapScript(const LargeBatchStudy& study, const std::string& png) {
  std::string s = "set terminal pngcairo size 900,560\nset output " + gnuplotString(png) + "\n";
  s += "set title 'Generalization gap at the end of training (train - validation " + study.metricName +
       "; bars: min..max over seeds)'\n";
  s += "set xtics noenhanced\nset ylabel 'gap'\nset style fill solid 0.5\nset boxwidth 0.6\nset grid ytics\nset key off\n";
  s += "set xrange [-0.6:" + std::to_string(static_cast<double>(study.regimes.size()) - 0.4) + "]\n";
  s += "$g << EOD\n";
  for (std::size_t r = 0; r < study.regimes.size(); ++r) {
    const Spread& gap = study.regimes[r].metricGap;
    char line[256];
    std::snprintf(line, sizeof line, "%zu %.17g %.17g %.17g \"%s\"\n", r, gap.mean, gap.min, gap.max,
                  study.regimes[r].name.c_str());
    s += line;
  }
  s += "EOD\n";
  s += "plot $g using 1:2:xtic(5) with boxes, $g using 1:2:3:4 with yerrorbars lc rgb 'black' pt 7\n";
  return s;
}

}  // namespace

LargeBatchPlots plotLargeBatchStudy(const LargeBatchStudy& study, const std::string& dir) {
  LargeBatchPlots plots;
  const std::string distance = (std::filesystem::path(dir) / "weight_distance.png").string();
  const std::string gap = (std::filesystem::path(dir) / "generalization_gap.png").string();
  runGnuplot(distanceScript(study, distance), distance);
  plots.written.push_back(distance);
  runGnuplot(gapScript(study, gap), gap);
  plots.written.push_back(gap);
  return plots;
}

}  // namespace gaplab::cli
