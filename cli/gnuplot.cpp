// cli/gnuplot.cpp — see gnuplot.h.
#include "cli/gnuplot.h"

#include "cli/results_file.h"

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace gaplab::cli {

std::string gnuplotString(const std::string& text) {
  std::string quoted = "'";
  for (const char c : text) {
    if (c == '\'') quoted += '\'';
    quoted += c;
  }
  return quoted + "'";
}

bool gnuplotAvailable() { return std::system("command -v gnuplot >/dev/null 2>&1") == 0; }

void runGnuplot(const std::string& script, const std::string& pngPath) {
  FILE* pipe = popen("gnuplot", "w");
  if (!pipe) throw std::runtime_error("--plot " + pngPath + ": cannot start gnuplot");
  std::fwrite(script.data(), 1, script.size(), pipe);
  const int status = pclose(pipe);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
    throw std::runtime_error("--plot " + pngPath + ": gnuplot not found (install the Debian package gnuplot-nox)");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("--plot " + pngPath + ": gnuplot failed (exit status " +
                             std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")");
  std::error_code ec;
  if (std::filesystem::file_size(pngPath, ec) == 0 || ec)
    throw std::runtime_error("--plot " + pngPath + ": gnuplot wrote no image");
}

void drawPlotsAfterTable(const std::string& dir, const std::function<PlotFiles()>& draw) {
  std::fflush(stdout);
  if (!gnuplotAvailable()) {
    std::printf("note: --plot %s: gnuplot is not on PATH (Debian package gnuplot-nox); no plots drawn\n", dir.c_str());
    return;
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw OutputError("--plot " + dir + ": cannot create the directory: " + ec.message());
  PlotFiles plots;
  try {
    plots = draw();
  } catch (const std::exception& e) {
    throw OutputError(e.what());
  }
  if (!plots.skipped.empty()) std::printf("note: --plot %s: %s\n", dir.c_str(), plots.skipped.c_str());
  for (const std::string& path : plots.written) std::printf("wrote %s\n", path.c_str());
}

}  // namespace gaplab::cli
