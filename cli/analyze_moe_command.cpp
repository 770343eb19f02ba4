// cli/analyze_moe_command.cpp — `gaplab analyze moe RESULTS.h5 [--plot DIR]`:
// the MoE sparsity study's table ("Optimal Sparsity of Mixture-of-Experts
// Language Models for Reasoning Tasks"): per task and (experts, top-k), total
// and active parameters, losses, the gap, task accuracies and expert load
// balance as mean ± std over seeds; then how they move against total
// parameters (more experts, same top-k) and against active parameters (more
// top-k, same experts), and optionally the charts.
//
// Why: the study's question is read off this table at a fixed token budget.
// The rows come from sweeps/moe_sparsity_table.h (one definition of every
// column); this file groups them over seeds, prints and plots.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "cli/analysis_format.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/gnuplot.h"
#include "cli/results_file.h"
#include "sweeps/moe_sparsity_table.h"
#include "sweeps/spread.h"

namespace gaplab::cli {
namespace {

// One configuration of one task: the rows of its seeds.
struct MoeGroup {
  std::string corpus;
  int64_t experts = 1;
  int64_t topK = 1;
  int64_t totalParameters = 0;
  int64_t activeParameters = 0;
  int seeds = 0;
  Spread trainLoss, validationLoss, lossGap, nextByteAccuracy, exactMatch, loadCv, droppedFraction;
};

// Spread of the finite values only (exact match is NaN on non-synthetic text,
// the load metrics on a dense model).
Spread finiteSpread(const std::vector<MoeSparsityRow>& rows, double MoeSparsityRow::*field) {
  std::vector<double> values;
  for (const MoeSparsityRow& r : rows)
    if (std::isfinite(r.*field)) values.push_back(r.*field);
  return Spread::of(values);
}

// Groups by (corpus, experts, top-k); sorted by corpus, then total, then active parameters.
std::vector<MoeGroup> groupOverSeeds(const std::vector<MoeSparsityRow>& rows) {
  std::map<std::tuple<std::string, int64_t, int64_t, int64_t, int64_t>, std::vector<MoeSparsityRow>> byConfig;
  for (const MoeSparsityRow& r : rows)
    byConfig[{r.corpus, r.totalParameters, r.activeParameters, r.experts, r.topK}].push_back(r);
  std::vector<MoeGroup> groups;
  for (const auto& [key, members] : byConfig) {
    MoeGroup g;
    g.corpus = std::get<0>(key);
    g.totalParameters = std::get<1>(key);
    g.activeParameters = std::get<2>(key);
    g.experts = std::get<3>(key);
    g.topK = std::get<4>(key);
    g.seeds = static_cast<int>(members.size());
    g.trainLoss = finiteSpread(members, &MoeSparsityRow::trainLoss);
    g.validationLoss = finiteSpread(members, &MoeSparsityRow::validationLoss);
    g.lossGap = finiteSpread(members, &MoeSparsityRow::lossGap);
    g.nextByteAccuracy = finiteSpread(members, &MoeSparsityRow::nextByteAccuracy);
    g.exactMatch = finiteSpread(members, &MoeSparsityRow::exactMatch);
    g.loadCv = finiteSpread(members, &MoeSparsityRow::expertLoadCv);
    g.droppedFraction = finiteSpread(members, &MoeSparsityRow::droppedFraction);
    groups.push_back(std::move(g));
  }
  return groups;  // std::map order: corpus, total, active
}

std::vector<std::string> corporaOf(const std::vector<MoeGroup>& groups) {
  std::vector<std::string> corpora;
  for (const MoeGroup& g : groups)
    if (std::find(corpora.begin(), corpora.end(), g.corpus) == corpora.end()) corpora.push_back(g.corpus);
  return corpora;
}

std::string configName(const MoeGroup& g) {
  return g.experts == 1 && g.topK == 1 ? "dense" : "e" + std::to_string(g.experts) + " top-" + std::to_string(g.topK);
}

std::string number(double v, const char* format = "%.4f") {
  if (!std::isfinite(v)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

// "2.1000 -> 1.9000 (-0.2000)" from the first to the last of `line`.
std::string change(const MoeGroup& from, const MoeGroup& to, Spread MoeGroup::*field) {
  const double a = (from.*field).mean, b = (to.*field).mean;
  if (!std::isfinite(a) || !std::isfinite(b)) return "-";
  return number(a) + " -> " + number(b) + " (" + number(b - a, "%+.4f") + ")";
}

// The task accuracy a summary reads: exact match where the task has it, else next-byte accuracy.
Spread MoeGroup::*accuracyField(const std::vector<MoeGroup>& task) {
  for (const MoeGroup& g : task)
    if (g.exactMatch.count > 0 && std::isfinite(g.exactMatch.mean)) return &MoeGroup::exactMatch;
  return &MoeGroup::nextByteAccuracy;
}

void printTask(const std::string& corpus, const std::vector<MoeGroup>& task) {
  std::printf("task %s\n", corpus.c_str());
  std::printf("%s%7s %5s %9s %9s %5s  %s%s%s%s%s%s%s\n", pad("config", 12).c_str(), "experts", "top-k", "total",
              "active", "seeds", pad("train loss", 18).c_str(), pad("validation loss", 18).c_str(),
              pad("gap (val-train)", 18).c_str(), pad("next-byte acc", 18).c_str(), pad("exact match", 18).c_str(),
              pad("load CV", 18).c_str(), "dropped");
  for (const MoeGroup& g : task)
    std::printf("%s%7lld %5lld %9lld %9lld %5d  %s%s%s%s%s%s%s\n", pad(configName(g), 12).c_str(),
                static_cast<long long>(g.experts), static_cast<long long>(g.topK),
                static_cast<long long>(g.totalParameters), static_cast<long long>(g.activeParameters), g.seeds,
                pad(meanStd(g.trainLoss), 18).c_str(), pad(meanStd(g.validationLoss), 18).c_str(),
                pad(meanStd(g.lossGap), 18).c_str(), pad(meanStd(g.nextByteAccuracy), 18).c_str(),
                pad(meanStd(g.exactMatch), 18).c_str(), pad(meanStd(g.loadCv), 18).c_str(),
                meanStd(g.droppedFraction).c_str());
}

void printSummaries(const std::string& corpus, const std::vector<MoeGroup>& task) {
  Spread MoeGroup::*accuracy = accuracyField(task);
  const char* accuracyName = accuracy == &MoeGroup::exactMatch ? "exact match" : "next-byte accuracy";
  const auto lowestLoss = std::min_element(task.begin(), task.end(), [](const MoeGroup& a, const MoeGroup& b) {
    return a.validationLoss.mean < b.validationLoss.mean;
  });
  const auto bestAccuracy = std::max_element(task.begin(), task.end(), [&](const MoeGroup& a, const MoeGroup& b) {
    return (a.*accuracy).mean < (b.*accuracy).mean;
  });
  std::printf("task %s: lowest validation loss %s (%s; total %lld, active %lld); best %s %s (%s)\n", corpus.c_str(),
              meanStd(lowestLoss->validationLoss).c_str(), configName(*lowestLoss).c_str(),
              static_cast<long long>(lowestLoss->totalParameters), static_cast<long long>(lowestLoss->activeParameters),
              accuracyName, meanStd((*bestAccuracy).*accuracy).c_str(), configName(*bestAccuracy).c_str());
  // Against total parameters at (about) fixed active ones: same top-k, more
  // experts (the dense model belongs to top-1: its active count is top-1's
  // without the router).
  std::map<int64_t, std::vector<const MoeGroup*>> byTopK;
  std::map<int64_t, std::vector<const MoeGroup*>> byExperts;
  for (const MoeGroup& g : task) {
    byTopK[g.topK].push_back(&g);
    byExperts[g.experts].push_back(&g);
  }
  std::printf("  against total parameters (same top-k, experts growing):\n");
  bool any = false;
  for (auto& [k, line] : byTopK) {
    if (line.size() < 2) continue;
    any = true;
    std::sort(line.begin(), line.end(), [](const MoeGroup* a, const MoeGroup* b) { return a->totalParameters < b->totalParameters; });
    const MoeGroup& a = *line.front();
    const MoeGroup& b = *line.back();
    std::printf("    top-%lld: experts %lld -> %lld, total %lld -> %lld: validation loss %s, gap %s, %s %s\n",
                static_cast<long long>(k), static_cast<long long>(a.experts), static_cast<long long>(b.experts),
                static_cast<long long>(a.totalParameters), static_cast<long long>(b.totalParameters),
                change(a, b, &MoeGroup::validationLoss).c_str(), change(a, b, &MoeGroup::lossGap).c_str(),
                accuracyName, change(a, b, accuracy).c_str());
  }
  if (!any) std::printf("    (no top-k with more than one experts value)\n");
  std::printf("  against active parameters (same experts, top-k growing):\n");
  any = false;
  for (auto& [e, line] : byExperts) {
    if (line.size() < 2) continue;
    any = true;
    std::sort(line.begin(), line.end(), [](const MoeGroup* a, const MoeGroup* b) { return a->activeParameters < b->activeParameters; });
    const MoeGroup& a = *line.front();
    const MoeGroup& b = *line.back();
    std::printf("    %lld experts: top-%lld -> top-%lld, active %lld -> %lld: validation loss %s, gap %s, %s %s\n",
                static_cast<long long>(e), static_cast<long long>(a.topK), static_cast<long long>(b.topK),
                static_cast<long long>(a.activeParameters), static_cast<long long>(b.activeParameters),
                change(a, b, &MoeGroup::validationLoss).c_str(), change(a, b, &MoeGroup::lossGap).c_str(),
                accuracyName, change(a, b, accuracy).c_str());
  }
  if (!any) std::printf("    (no experts value with more than one top-k)\n");
}

// --- plots ---------------------------------------------------------------

struct Series {
  std::string title;
  std::vector<std::pair<double, double>> points;  // (x, y), sorted by x
};

std::string seriesScript(const std::string& png, const std::string& title, const std::string& xlabel,
                         const std::string& ylabel, const std::vector<Series>& series) {
  std::string s = "set terminal pngcairo size 900,560\nset output " + gnuplotString(png) + "\n";
  s += "set title " + gnuplotString(title) + " noenhanced\nset logscale x 2\nset xlabel " + gnuplotString(xlabel) +
       "\nset format x '%.0s%c'\nset ylabel " + gnuplotString(ylabel) + "\nset key outside right noenhanced\nset grid\n";
  std::string plot;
  int n = 0;
  for (const Series& line : series) {
    if (line.points.empty()) continue;
    const std::string name = "$s" + std::to_string(n++);
    s += name + " << EOD\n";
    for (const auto& [x, y] : line.points) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.17g %.17g\n", x, y);
      s += buf;
    }
    s += "EOD\n";
    plot += (plot.empty() ? "plot " : ", ") + name + " with linespoints lw 2 pt 7 title " + gnuplotString(line.title);
  }
  if (plot.empty()) return {};
  return s + plot + "\n";
}

// One series per (task, key) where key is top-k (x = total) or experts (x = active).
std::vector<Series> seriesOf(const std::vector<MoeGroup>& groups, Spread MoeGroup::*field, bool againstTotal) {
  std::map<std::pair<std::string, int64_t>, Series> lines;
  for (const MoeGroup& g : groups) {
    const double y = (g.*field).mean;
    if ((g.*field).count == 0 || !std::isfinite(y)) continue;
    const int64_t key = againstTotal ? g.topK : g.experts;
    Series& line = lines[{g.corpus, key}];
    line.title = g.corpus + (againstTotal ? " top-" + std::to_string(key) : " " + std::to_string(key) + " experts");
    line.points.emplace_back(static_cast<double>(againstTotal ? g.totalParameters : g.activeParameters), y);
  }
  std::vector<Series> out;
  for (auto& [key, line] : lines) {
    std::sort(line.points.begin(), line.points.end());
    out.push_back(std::move(line));
  }
  return out;
}

using MoePlots = PlotFiles;

MoePlots plotMoe(const std::vector<MoeGroup>& groups, const std::string& dir) {
  MoePlots plots;
  struct Chart {
    const char* file;
    const char* title;
    const char* ylabel;
    Spread MoeGroup::*field;
  };
  const Chart charts[] = {
      {"validation_loss", "Validation loss (mean over seeds)", "validation loss (nats/byte)", &MoeGroup::validationLoss},
      {"generalization_gap", "Generalization gap: validation - eval-train loss", "gap (nats/byte)", &MoeGroup::lossGap},
      {"exact_match", "Task accuracy: greedy exact match (synthetic tasks)", "exact match", &MoeGroup::exactMatch},
      {"next_byte_accuracy", "Validation next-byte accuracy", "next-byte accuracy", &MoeGroup::nextByteAccuracy},
      {"expert_load_cv", "Expert load balance: coefficient of variation of expert load (0 = even)", "load CV",
       &MoeGroup::loadCv},
  };
  for (const Chart& c : charts)
    for (const bool againstTotal : {true, false}) {
      const std::string png =
          (std::filesystem::path(dir) / (std::string(c.file) + (againstTotal ? "_vs_total.png" : "_vs_active.png"))).string();
      const std::string script = seriesScript(
          png, std::string(c.title) + (againstTotal ? " against total parameters" : " against active parameters"),
          againstTotal ? "total parameters (log2; one line per top-k)" : "active parameters (log2; one line per experts value)",
          c.ylabel, seriesOf(groups, c.field, againstTotal));
      if (script.empty()) continue;  // nothing recorded (e.g. no synthetic task, no MoE trial)
      runGnuplot(script, png);
      plots.written.push_back(png);
    }
  return plots;
}

}  // namespace

int analyzeMoeCommand(const AnalyzeOptions& options) {
  const std::vector<TrialResult> trials = readResultsFile(options.resultsPath);
  MoeSparsityTable table;
  try {
    table = buildMoeSparsityTable(trials);
  } catch (const std::invalid_argument& e) {
    throw OutputError("results file '" + options.resultsPath + "': " + e.what());
  }
  // A fixed token budget: only trials that trained all of it (max_steps) are
  // compared; one that reached a target, stopped early or failed is listed.
  std::vector<MoeSparsityRow> rows;
  std::vector<std::string> excluded;
  for (MoeSparsityRow& r : table.rows) {
    if (r.status == TrialStatus::kMaxSteps) rows.push_back(std::move(r));
    else excluded.push_back("trial " + r.trialId + ": status " + toString(r.status) + " at step " + std::to_string(r.steps));
  }
  if (rows.empty())
    throw OutputError("results file '" + options.resultsPath + "': no lm / moe_lm trial that trained its whole token budget (" +
                      std::to_string(trials.size()) + " trial(s), " + std::to_string(table.skipped.size()) +
                      " not of an lm workload or without evaluations, " + std::to_string(excluded.size()) +
                      " stopped before their budget); expected the results of an MoE sparsity sweep "
                      "(examples/studies/moe_sparsity_quick.yaml)");
  const std::vector<MoeGroup> groups = groupOverSeeds(rows);

  std::printf("MoE sparsity study: %s\n", options.resultsPath.c_str());
  std::printf("%zu trial(s), %zu configuration(s) x task; final evaluation at the token budget, mean ± std over seeds\n",
              rows.size(), groups.size());
  std::printf("losses in nats/byte; gap = validation loss - eval-train loss; load CV: coefficient of variation of the "
              "experts' load (0 = balanced); dropped: share of assignments over capacity\n");
  for (const std::string& corpus : corporaOf(groups)) {
    std::vector<MoeGroup> task;
    for (const MoeGroup& g : groups)
      if (g.corpus == corpus) task.push_back(g);
    std::printf("\n");
    printTask(corpus, task);
  }
  std::printf("\n");
  for (const std::string& corpus : corporaOf(groups)) {
    std::vector<MoeGroup> task;
    for (const MoeGroup& g : groups)
      if (g.corpus == corpus) task.push_back(g);
    printSummaries(corpus, task);
  }
  for (const std::string& e : excluded) std::printf("note: not in the table: %s\n", e.c_str());
  for (const std::string& s : table.skipped) std::printf("note: skipped %s\n", s.c_str());

  if (!options.plotDir.empty()) drawPlotsAfterTable(options.plotDir, [&] { return plotMoe(groups, options.plotDir); });
  return kExitOk;
}

}  // namespace gaplab::cli
