// cli/large_batch_plot.h — `gaplab analyze large-batch --plot DIR`: the study's
// two charts, drawn with gnuplot.
//
// Why: the large-batch study is read from two pictures — ||w_t - w_0|| against
// log(step) per regime (straight lines are the paper's ultra-slow diffusion;
// LB stops short of SB, regime adaptation catches up) and the generalization
// gap per regime. DESIGN.md: plots go through gnuplot.
#pragma once

#include "cli/gnuplot.h"

#include <string>
#include <vector>

#include "sweeps/large_batch_analysis.h"

namespace gaplab::cli {

// What was drawn: the PNG paths written, or why nothing was (gnuplot missing).
using LargeBatchPlots = PlotFiles;

// Writes DIR/weight_distance.png (mean ||w_t - w_0|| per regime, log step axis)
// and DIR/generalization_gap.png (mean gap per regime with min..max bars),
// creating DIR. When `gnuplot` is not on PATH it writes nothing and says so in
// `skipped`; throws std::runtime_error naming the file when DIR cannot be
// created or gnuplot fails.
LargeBatchPlots plotLargeBatchStudy(const LargeBatchStudy& study, const std::string& dir);

}  // namespace gaplab::cli
