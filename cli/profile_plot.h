// cli/profile_plot.h — `gaplab score --plot FILE.png`: the performance profiles
// of all submissions as one gnuplot chart.
//
// Why: AlgoPerf reads its results as profile curves (rho_s(tau) over tau), and
// DESIGN.md says plots go through gnuplot rather than hand-written drawing code.
#pragma once

#include <string>

#include "sweeps/algoperf_score.h"

namespace gaplab::cli {

// Draws rho_s(tau) on scores.tauGrid for every submission (a step line each,
// labelled with its score) into a PNG at `pngPath`. Runs `gnuplot` from PATH;
// throws std::runtime_error naming the file when gnuplot is missing (Debian
// package gnuplot-nox) or fails.
void plotPerformanceProfiles(const AlgoPerfScores& scores, const std::string& pngPath);

}  // namespace gaplab::cli
