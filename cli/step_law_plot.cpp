// cli/step_law_plot.cpp — see step_law_plot.h.
#include "cli/step_law_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include "cli/gnuplot.h"

namespace gaplab::cli {
namespace {

std::string number(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string shortNumber(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

std::vector<double> distinct(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  return values;
}

std::string header(const std::string& png, int width, int height) {
  return "set terminal pngcairo size " + std::to_string(width) + "," + std::to_string(height) +
         "\nset output " + gnuplotString(png) + "\n";
}

// "A * x**alpha * D**beta" as a gnuplot expression of x = N.
std::string lrOfParams(const StepLaw& law, double tokens) {
  return number(law.lrScale) + " * x**(" + number(law.lrParamsExponent) + ") * " + number(tokens) + "**(" +
         number(law.lrTokensExponent) + ")";
}

std::string batchOfTokens(const StepLaw& law) {
  return number(law.batchScale) + " * x**(" + number(law.batchTokensExponent) + ")";
}

std::string lossScript(const StepLawFit& fit, const std::vector<StepLawRun>& runs, const std::string& png) {
  std::vector<double> ns, ds;
  for (const StepLawCell& c : fit.cells) {
    ns.push_back(c.params);
    ds.push_back(c.tokens);
  }
  ns = distinct(ns);
  ds = distinct(ds);
  const int rows = static_cast<int>(ns.size()), cols = static_cast<int>(ds.size());
  std::string s = header(png, std::max(480, 380 * cols), std::max(360, 300 * rows));
  s += "set logscale x 2\nset format x '2^{%L}'\nset grid\nset key top right font ',8'\n";
  s += "set multiplot layout " + std::to_string(rows) + "," + std::to_string(cols) +
       " title 'Final loss against the peak learning rate per (N, D); dashed: the fitted lr*'\n";
  for (double n : ns) {
    for (double d : ds) {
      s += "unset arrow\nset title 'N = " + shortNumber(n) + ", D = " + shortNumber(d) + "' font ',10'\n";
      const auto cell = std::find_if(fit.cells.begin(), fit.cells.end(),
                                     [&](const StepLawCell& c) { return c.params == n && c.tokens == d; });
      std::vector<double> batches;
      for (const StepLawRun& r : runs)
        if (r.params == n && r.tokens == d && std::isfinite(r.finalLoss)) batches.push_back(r.batchTokens);
      batches = distinct(batches);
      if (cell == fit.cells.end() || batches.empty()) {
        s += "set multiplot next\n";  // no run in this (N, D): an empty panel
        continue;
      }
      const double lr = predictStepLaw(fit.law, n, d).learningRate;
      s += "set arrow from " + number(lr) + ", graph 0 to " + number(lr) +
           ", graph 1 nohead dt 2 lw 2 lc rgb 'red'\n";
      std::string plot = "plot ";
      for (std::size_t b = 0; b < batches.size(); ++b) {
        const std::string block = "$c" + std::to_string(static_cast<long>(cell - fit.cells.begin())) + "_" +
                                  std::to_string(b);
        std::vector<std::pair<double, double>> points;
        for (const StepLawRun& r : runs)
          if (r.params == n && r.tokens == d && r.batchTokens == batches[b] && std::isfinite(r.finalLoss))
            points.emplace_back(r.learningRate, r.finalLoss);
        std::sort(points.begin(), points.end());
        s += block + " << EOD\n";
        for (const auto& [x, y] : points) s += number(x) + " " + number(y) + "\n";
        s += "EOD\n";
        plot += (b ? ", " : "") + block + " using 1:2 with linespoints pt 7 ps 0.6 title " +
                gnuplotString("B = " + shortNumber(batches[b]));
      }
      s += plot + "\n";
    }
  }
  return s + "unset multiplot\n";
}

std::string lrScript(const StepLawFit& fit, const std::string& png) {
  std::vector<double> ns, ds;
  for (const StepLawCell& c : fit.cells) {
    ns.push_back(c.params);
    ds.push_back(c.tokens);
  }
  ns = distinct(ns);
  ds = distinct(ds);
  std::string s = header(png, 900, 600);
  s += "set title 'Optimal peak learning rate against N, per D'\n";
  s += "set logscale xy\nset xlabel 'N (non-embedding parameters)'\nset ylabel 'peak learning rate'\nset grid\n";
  s += "set key outside right font ',9'\nset samples 100\n";
  s += "set xrange [" + number(ns.front() / 1.3) + ":" + number(ns.back() * 1.3) + "]\n";
  std::string plot = "plot ";
  for (std::size_t k = 0; k < ds.size(); ++k) {
    const std::string block = "$o" + std::to_string(k), color = " lc " + std::to_string(k + 1);
    s += block + " << EOD\n";
    for (const StepLawCell& c : fit.cells)
      if (c.tokens == ds[k]) s += number(c.params) + " " + number(c.best.learningRate) + "\n";
    s += "EOD\n";
    const std::string d = shortNumber(ds[k]);
    plot += (k ? ", " : "") + block + " using 1:2 with points pt 7 ps 1.2" + color + " title " +
            gnuplotString("best run, D = " + d);
    plot += ", " + lrOfParams(fit.law, ds[k]) + " with lines lw 2" + color + " title " + gnuplotString("fit, D = " + d);
    plot += ", " + lrOfParams(kPublishedStepLaw, ds[k]) + " with lines dt 2" + color + " title " +
            gnuplotString("published, D = " + d);
  }
  return s + plot + "\n";
}

std::string batchScript(const StepLawFit& fit, const std::vector<StepLawRun>& runs, const std::string& png) {
  std::vector<double> ds;
  for (const StepLawCell& c : fit.cells) ds.push_back(c.tokens);
  ds = distinct(ds);
  std::string s = header(png, 900, 600);
  s += "set title 'Optimal batch size against D'\n";
  s += "set logscale xy\nset xlabel 'D (training tokens)'\nset ylabel 'batch size (tokens)'\nset grid\n";
  s += "set key top left font ',9'\nset samples 100\n";
  s += "set xrange [" + number(ds.front() / 1.5) + ":" + number(ds.back() * 1.5) + "]\n";
  s += "$best << EOD\n";
  for (const StepLawCell& c : fit.cells) s += number(c.tokens) + " " + number(c.best.batchTokens) + "\n";
  s += "EOD\n$kept << EOD\n";
  for (const StepLawRun& r : keepNearBest(runs, 0.0025)) s += number(r.tokens) + " " + number(r.batchTokens) + "\n";
  s += "EOD\n";
  s += "plot $kept using 1:2 with points pt 6 ps 2.2 lc rgb 'gray' title 'runs within 0.25% of their cell''s best', "
       "$best using 1:2 with points pt 7 ps 1.2 lc 1 title 'best run of each cell', " +
       batchOfTokens(fit.law) + " with lines lw 2 lc 2 title 'fit', " + batchOfTokens(kPublishedStepLaw) +
       " with lines dt 2 lw 2 lc 3 title 'Step Law published'\n";
  return s;
}

}  // namespace

StepLawPlots plotStepLawStudy(const StepLawFit& fit, const std::vector<StepLawRun>& runs, const std::string& dir) {
  StepLawPlots plots;
  const auto path = [&](const char* name) { return (std::filesystem::path(dir) / name).string(); };
  const std::string loss = path("loss_vs_lr.png"), lr = path("lr_vs_params.png"), batch = path("batch_vs_tokens.png");
  runGnuplot(lossScript(fit, runs, loss), loss);
  plots.written.push_back(loss);
  runGnuplot(lrScript(fit, lr), lr);
  plots.written.push_back(lr);
  runGnuplot(batchScript(fit, runs, batch), batch);
  plots.written.push_back(batch);
  return plots;
}

}  // namespace gaplab::cli
