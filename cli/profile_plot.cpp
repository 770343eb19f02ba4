// cli/profile_plot.cpp — see profile_plot.h.
#include "cli/profile_plot.h"

#include "cli/gnuplot.h"

#include <cstdio>
#include <filesystem>
#include <stdexcept>

namespace gaplab::cli {
void plotPerformanceProfiles(const AlgoPerfScores& scores, const std::string& pngPath) {
  std::string script = "set terminal pngcairo size 900,560\nset output " + gnuplotString(pngPath) + "\n";
  script += "set title 'AlgoPerf performance profiles'\nset xlabel 'tau (ratio to the best time-to-target)'\n";
  script += "set ylabel 'fraction of workloads'\nset yrange [0:1.05]\nset key bottom right\nset grid\n";
  for (size_t s = 0; s < scores.submissions.size(); ++s) {
    script += "$profile" + std::to_string(s) + " << EOD\n";
    const AlgoPerfSubmissionScore& sub = scores.submissions[s];
    for (size_t i = 0; i < scores.tauGrid.size() && i < sub.profile.size(); ++i) {
      char line[64];
      std::snprintf(line, sizeof line, "%.17g %.17g\n", scores.tauGrid[i], sub.profile[i]);
      script += line;
    }
    script += "EOD\n";
  }
  script += "plot ";
  for (size_t s = 0; s < scores.submissions.size(); ++s) {
    char title[64];
    std::snprintf(title, sizeof title, " (score %.4f)", scores.submissions[s].score);
    script += (s ? ", " : "") + std::string("$profile") + std::to_string(s) + " with steps lw 2 title " +
              gnuplotString(scores.submissions[s].submission + title);
  }
  script += "\n";

  runGnuplot(script, pngPath);
}

}  // namespace gaplab::cli
