// cli/gnuplot.h — drawing a chart with gnuplot (DESIGN.md: plots go through
// gnuplot, not hand-written drawing code): quoting, the availability check,
// and running a script that writes one PNG, with errors that name the file.
#pragma once

#include <string>

namespace gaplab::cli {

// A gnuplot single-quoted string: a quote inside is written twice.
std::string gnuplotString(const std::string& text);

// True when `gnuplot` is on PATH (Debian package gnuplot-nox).
bool gnuplotAvailable();

// Pipes `script` into gnuplot; throws std::runtime_error naming `pngPath` when
// gnuplot is missing, fails, or writes no image there.
void runGnuplot(const std::string& script, const std::string& pngPath);

}  // namespace gaplab::cli
