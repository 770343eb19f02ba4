// tests/e2e/analyze_scaling_test.cpp — `gaplab analyze scaling` on a results
// file of synthetic lm trials whose optima follow a known power law (plus
// noise in the optimal lr of each cell): the printed coefficients must recover
// that law within their printed intervals; the refusals (exit 6); and the
// Step Law study configs list the intended trials in a dry run.
//
// Why: the study's answer is what this command prints; the unit tests of
// sweeps/step_law_fit.h cover the numbers, this the file, the N that the
// command counts from each trial's config, the wiring, the exit codes and the configs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "sweeps/lm_trial_config.h"
#include "sweeps/result_store.h"
#include "tests/e2e/results_file_test.h"
#include "tests/e2e/gaplab_process.h"

namespace fs = std::filesystem;

namespace gaplab {
namespace {

using e2e::Outcome;
using e2e::runGaplab;

const std::string kStudies = std::string(GAPLAB_SOURCE_DIR) + "/examples/studies";

// The law the synthetic sweep follows (deliberately not Step Law's).
constexpr double kLrScale = 0.5, kLrParams = -0.5, kLrTokens = 0.25, kBatchScale = 2.0, kBatchTokens = 0.5;

// A uniform number in [-1, 1) from an index (splitmix64): portable, unlike <random>'s distributions.
double noise(uint64_t i) {
  uint64_t z = i * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) / static_cast<double>(uint64_t{1} << 52) - 1.0;
}

TrialResult lmTrial(int width, int64_t tokens, int64_t batchSize, double lr, double loss, const std::string& id) {
  TrialResult t;
  t.trialId = id;
  t.workload = "lm";
  char yaml[512];
  std::snprintf(yaml, sizeof yaml,
                "workload: lm\nmodel:\n  layers: 2\n  width: %d\n  heads: 2\n  context: 64\ndata:\n  token_budget: %lld\n"
                "training:\n  batch_size: %lld\noptimizer:\n  lr: %.17g\n",
                width, static_cast<long long>(tokens), static_cast<long long>(batchSize), lr);
  t.configYaml = yaml;
  t.status = TrialStatus::kMaxSteps;
  t.metricName = "bits_per_byte";
  t.targetDirection = TargetDirection::kAtMost;
  t.steps = tokens / (batchSize * 64);
  EvalRecord r;
  r.step = t.steps;
  r.trainLoss = loss;
  r.validationLoss = loss + 0.1;
  t.curve.push_back(r);
  return t;
}

// 4 widths x 3 token budgets; per cell 7 lrs (2^(k/2) around the cell's noisy
// optimum) x 3 batch sizes (half, at and twice the law's optimum). The loss
// rises by 0.1% per grid step squared in each direction, so the runs within
// 0.25% of the best are the optimum and its 8 neighbours — symmetric about it,
// so the OLS of the kept runs sees each cell's optimum.
std::vector<TrialResult> syntheticSweep(int widths, int budgets) {
  std::vector<TrialResult> trials;
  int cell = 0;
  for (int wi = 0; wi < widths; ++wi) {
    const int width = 16 * (wi + 1);
    for (int di = 0; di < budgets; ++di, ++cell) {
      const int64_t tokens = int64_t{1} << (20 + 2 * di);
      const double n = static_cast<double>(readLmTrialConfig(lmTrial(width, tokens, 1, 1e-3, 3, "n")).counts.nonEmbedding);
      const double lrStar = kLrScale * std::pow(n, kLrParams) * std::pow(static_cast<double>(tokens), kLrTokens) *
                            std::exp(0.05 * noise(static_cast<uint64_t>(cell)));
      const int64_t batchStar = static_cast<int64_t>(std::llround(kBatchScale * std::pow(tokens, kBatchTokens))) / 64;
      for (int k = -3; k <= 3; ++k) {
        for (int j = -1; j <= 1; ++j) {
          const int64_t batch = j < 0 ? batchStar / 2 : j > 0 ? batchStar * 2 : batchStar;
          const double lr = lrStar * std::pow(2.0, 0.5 * k);
          const int index = static_cast<int>(trials.size());
          const double loss = 3.0 * (1.0 + 0.001 * (k * k + j * j)) + 1e-6 * noise(1000 + static_cast<uint64_t>(index));
          trials.push_back(lmTrial(width, tokens, batch, lr, loss, "t" + std::to_string(index)));
        }
      }
    }
  }
  return trials;
}

struct Coefficient {
  double published = NAN, fitted = NAN, low = NAN, high = NAN;
  std::string inside;
};

// The row "  <name>  published  fitted  [low, high]  yes|no" of the output.
Coefficient coefficient(const std::string& output, const std::string& name) {
  Coefficient c;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    const std::size_t at = line.find("  " + name + " ");
    if (at != 0) continue;
    char inside[8] = {};
    if (std::sscanf(line.c_str() + 2 + name.size(), " %lf %lf [%lf, %lf] %7s", &c.published, &c.fitted, &c.low,
                    &c.high, inside) == 5)
      c.inside = inside;
  }
  return c;
}

class AnalyzeScalingTest : public ResultsFileTest {};

TEST_F(AnalyzeScalingTest, RecoversAKnownPowerLawWithinItsIntervals) {
  const std::string path = store("sweep.h5", syntheticSweep(4, 3));
  const Outcome o = runGaplab("analyze scaling " + path + " --resamples 400 --plot " + (dir_ / "plots").string());
  ASSERT_EQ(o.exitCode, 0) << o.output;
  EXPECT_HAS(o, "252 runs in 12 (N, D) cells; 108 within 0.25% of their cell's best; 0 diverged");
  const struct {
    const char* name;
    double truth, published, tolerance;
  } expected[] = {{"lr scale", kLrScale, 1.79, 0.5}, {"lr N exponent", kLrParams, -0.713, 0.1},
                  {"lr D exponent", kLrTokens, 0.307, 0.2}, {"batch scale", kBatchScale, 0.58, 0.02},
                  {"batch D exponent", kBatchTokens, 0.571, 0.002}};
  for (const auto& e : expected) {
    const Coefficient c = coefficient(o.output, e.name);
    SCOPED_TRACE(e.name);
    ASSERT_FALSE(c.inside.empty()) << o.output;
    EXPECT_DOUBLE_EQ(c.published, e.published);
    // The law the data follow lies inside the printed interval (printed to 6 digits), and the fit near it.
    EXPECT_LE(c.low, e.truth * (1 + 1e-5 * (e.truth > 0 ? 1 : -1)) + 1e-6) << o.output;
    EXPECT_GE(c.high, e.truth * (1 - 1e-5 * (e.truth > 0 ? 1 : -1)) - 1e-6) << o.output;
    EXPECT_NEAR(c.fitted, e.truth, e.tolerance * std::abs(e.truth)) << o.output;
    EXPECT_EQ(c.inside, c.low <= e.published && e.published <= c.high ? "yes" : "no");
  }
  EXPECT_EQ(coefficient(o.output, "lr N exponent").inside, "no");  // -0.713 is far from -0.5
  EXPECT_HAS(o, "hold-out: the largest cell (N = ");
  EXPECT_HAS(o, "run closest to prediction:");
  // The cell table (N D runs kept best-lr best-batch ...): the widest model with the most tokens last,
  // its best batch the law's 2 D^0.5 = 8192 tokens, and the fit's batch there the same.
  EXPECT_HAS(o, "\n 116480 1.67772e+07 21 9 ");
  EXPECT_HAS(o, " 8192 3.00000 | ");
  if (std::system("command -v gnuplot >/dev/null 2>&1") == 0) {
    for (const char* png : {"loss_vs_lr.png", "lr_vs_params.png", "batch_vs_tokens.png"}) {
      EXPECT_HAS(o, png);
      EXPECT_GT(fs::file_size(dir_ / "plots" / png), 1000u) << png;
    }
  } else {
    EXPECT_HAS(o, "gnuplot is not on PATH");
  }
}

TEST_F(AnalyzeScalingTest, RefusesFilesWithoutAFittableLmSweep) {
  TrialResult mlp;
  mlp.trialId = "mlp";
  mlp.workload = "fmnist_mlp";
  mlp.configYaml = "workload: fmnist_mlp\n";
  mlp.status = TrialStatus::kMaxSteps;
  mlp.curve.push_back(EvalRecord{});
  const std::string noLm = store("no_lm.h5", {mlp});
  Outcome o = runGaplab("analyze scaling " + noLm);
  EXPECT_EQ(o.exitCode, 6) << o.output;
  EXPECT_HAS(o, noLm);
  EXPECT_HAS(o, "no lm / moe_lm trial that trained its token budget (1 trial(s) skipped)");

  const std::string oneBudget = store("one_budget.h5", syntheticSweep(3, 1));  // one D: no D exponent
  o = runGaplab("analyze scaling " + oneBudget);
  EXPECT_EQ(o.exitCode, 6) << o.output;
  EXPECT_HAS(o, "cannot fit Step Law");

  o = runGaplab("analyze scaling " + (dir_ / "missing.h5").string());
  EXPECT_EQ(o.exitCode, 6) << o.output;
  o = runGaplab("analyze scaling " + noLm + " --loss both");
  EXPECT_EQ(o.exitCode, 2) << o.output;
}

// The study configs parse, and their dry runs list the whole grid: 4 model
// sizes x 3 token budgets x 7 learning rates x 4 batch sizes for the quick one.
TEST_F(AnalyzeScalingTest, StudyConfigsListTheirGrids) {
  const struct {
    const char* name;
    int trials;
  } studies[] = {{"steplaw_quick.yaml", 4 * 3 * 7 * 4}, {"steplaw_full.yaml", 6 * 4 * 7 * 4}};
  for (const auto& s : studies) {
    const Outcome o = runGaplab("sweep " + kStudies + "/" + s.name + " --dry-run --out " + (dir_ / "dry.h5").string());
    ASSERT_EQ(o.exitCode, 0) << s.name << ":\n" << o.output;
    EXPECT_HAS(o, std::to_string(s.trials) + " trial");
  }
}

}  // namespace
}  // namespace gaplab
