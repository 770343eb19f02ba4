// cli/gnuplot.h — drawing a chart with gnuplot (DESIGN.md: plots go through
// gnuplot, not hand-written drawing code): quoting, the availability check,
// and running a script that writes one PNG, with errors that name the file.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace gaplab::cli {

// The charts one `--plot DIR` drew: their paths, or why none were drawn.
struct PlotFiles {
  std::vector<std::string> written;  // PNG paths
  std::string skipped;               // non-empty: no plots, and why (e.g. no gnuplot)
};

// What every `analyze ... --plot DIR` does after its table: flushes stdout (the
// table comes first); without gnuplot prints a note and draws nothing; creates
// DIR; runs `draw` (which may rely on both), turns its exceptions into
// OutputError (exit 6) and prints each file written, or why none was.
void drawPlotsAfterTable(const std::string& dir, const std::function<PlotFiles()>& draw);

// A gnuplot single-quoted string: a quote inside is written twice.
std::string gnuplotString(const std::string& text);

// True when `gnuplot` is on PATH (Debian package gnuplot-nox).
bool gnuplotAvailable();

// Pipes `script` into gnuplot; throws std::runtime_error naming `pngPath` when
// gnuplot is missing, fails, or writes no image there.
void runGnuplot(const std::string& script, const std::string& pngPath);

}  // namespace gaplab::cli
