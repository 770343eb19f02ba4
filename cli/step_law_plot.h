// cli/step_law_plot.h — `gaplab analyze scaling --plot DIR`: the Step Law
// study's three charts, drawn with gnuplot.
//
// Why: whether the law fits is seen before it is read off the coefficients:
// is each cell's loss-vs-lr curve a basin with its optimum inside the grid (a
// minimum at the edge biases the exponents), do the cells' optima fall on the
// fitted lines lr*(N) per D, and does the optimal batch grow with D as the law
// says. DESIGN.md: plots go through gnuplot.
#pragma once

#include "cli/gnuplot.h"

#include <string>
#include <vector>

#include "sweeps/step_law_fit.h"

namespace gaplab::cli {

using StepLawPlots = PlotFiles;

// Writes, creating DIR:
//  DIR/loss_vs_lr.png        one panel per (N, D) cell: final loss against the
//                            peak lr (log2 axis), one series per batch size, the
//                            fitted lr*(N, D) as a vertical line;
//  DIR/lr_vs_params.png      the fitted lr*(N) per D (lines, log-log) with each
//                            cell's measured optimum (points) and the published law (dashed);
//  DIR/batch_vs_tokens.png   the fitted and published batch*(D) with the cells' optima.
// `runs` are the runs given to the fit (diverged ones are left out of the
// charts). Without gnuplot on PATH it writes nothing and says so in `skipped`;
// throws std::runtime_error naming the file when DIR cannot be created or gnuplot fails.
StepLawPlots plotStepLawStudy(const StepLawFit& fit, const std::vector<StepLawRun>& runs, const std::string& dir);

}  // namespace gaplab::cli
