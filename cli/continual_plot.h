// cli/continual_plot.h — `gaplab analyze continual --plot DIR`: both domains'
// curves per strategy, around the switch and over the whole continued run.
//
// Why: the stability gap is a shape — the old domain's sharp drop in the first
// evaluations after the switch and its partial climb back — that the table's
// numbers (min-ACC, depth, recovery) summarise but do not show; and the new
// domain's curve beside it shows what each strategy pays in plasticity.
// DESIGN.md: plots go through gnuplot.
#pragma once

#include "cli/gnuplot.h"

#include <cstdint>
#include <string>
#include <vector>

#include "sweeps/continual_analysis.h"

namespace gaplab::cli {

struct ContinualPlotOptions {
  std::string oldCorpus = "fortunes_en";
  std::string newCorpus = "fortunes_de";
  std::string measure = "next_byte_accuracy";  // the y label
  int64_t switchSteps = 100;                   // continual_switch.png: steps [0, switchSteps] after the switch
};

// What was drawn: the PNG paths written, or why nothing was (gnuplot missing).
using ContinualPlots = PlotFiles;

// Writes DIR/continual_switch.png (the first options.switchSteps steps after the
// switch) and DIR/continual_run.png (the whole run): two panels each, the old
// domain left and the new one right, one line per strategy (its mean over
// seeds, the same colour in both panels), creating DIR. Without `gnuplot` on
// PATH it writes nothing and says so in `skipped`; throws std::runtime_error
// naming the file when DIR cannot be created or gnuplot fails.
ContinualPlots plotContinualStudy(const ContinualAnalysis& analysis, const ContinualPlotOptions& options,
                                  const std::string& dir);

}  // namespace gaplab::cli
