// tests/sweeps/sweep_spec_test.cpp — the sweep YAML parsed into SweepSpec, and
// every mistake a user makes in it refused at load time with file:line and key.
//
// Why: SweepSpec is the promise that a typo in a sweep fails in a second, not
// after an hour of trials, and that the sweep id (which decides whether a
// results file may be resumed) changes exactly when the set of trials changes.
#include "sweeps/sweep_spec.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/config/config_error.h"

namespace gaplab {
namespace {

namespace fs = std::filesystem;

const std::string kNoopBase = "workload: noop\ntraining:\n  max_steps: 4\n";

class SweepSpecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("gaplab_spec_" + std::to_string(getpid()) + "_" +
                                             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "sweeps");
    fs::create_directories(dir_ / "configs");
    write("configs/noop.yaml", kNoopBase);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p) << text;
    return p.string();
  }
  // A sweep file in sweeps/ whose base is ../configs/noop.yaml.
  std::string sweep(const std::string& body, const std::string& name = "s.yaml") {
    return write("sweeps/" + name, "base: ../configs/noop.yaml\n" + body);
  }
  // Loads and expects a ConfigError whose message holds every one of `parts`.
  void expectError(const std::string& path, std::initializer_list<std::string> parts) {
    try {
      (void)SweepSpec::load(path);
      ADD_FAILURE() << "expected a ConfigError for " << path;
    } catch (const ConfigError& e) {
      const std::string what = e.what();
      for (const std::string& p : parts) EXPECT_NE(what.find(p), std::string::npos) << "'" << p << "' not in: " << what;
    }
  }
  fs::path dir_;
};

TEST_F(SweepSpecTest, FullSpecParsesEveryField) {
  const std::string path = sweep(
      "name: full\n"
      "set: {training.max_steps: 8}\n"
      "sampler: random\n"
      "sampler_seed: 3\n"
      "trials: 5\n"
      "studies: 2\n"
      "seed: 7\n"
      "objective: final_validation_metric\n"
      "ranks_per_trial: 2\n"
      "threads_per_rank: 3\n"
      "max_retries: 4\n"
      "checkpoint_every_s: 0\n"
      "submissions:\n"
      "  fast: {set: {model.work_s: 0.001}, space: {model.quality: {uniform: [0.1, 0.9]}}}\n"
      "  slow:\n"
      "    set: {model.gap: 0.05, model.fail_at_step: -1}\n"
      "    space:\n"
      "      model.quality: {log_uniform: [0.01, 1]}\n"
      "      model.work_s: {choice: [0, 0.001]}\n"
      "      model.gap: {grid: [0, 0.1]}\n"
      "early_stopping: {asha: {reduction_factor: 3, min_resource: 2, max_resource: 8, unit: steps}}\n");
  const SweepSpec s = SweepSpec::load(path);
  EXPECT_EQ(s.path, path);
  EXPECT_EQ(s.name, "full");
  EXPECT_EQ(s.basePath, (dir_ / "configs/noop.yaml").lexically_normal().string());
  EXPECT_EQ(s.baseYaml, kNoopBase);
  EXPECT_EQ(s.workload, "noop");
  EXPECT_EQ(s.overrides, std::vector<std::string>{"training.max_steps=8"});
  EXPECT_EQ(s.sampler, SamplerKind::kRandom);
  EXPECT_EQ(s.samplerSeed, 3u);
  EXPECT_EQ(s.trials, 5);
  EXPECT_EQ(s.studies, 2);
  EXPECT_EQ(s.seed, 7u);
  EXPECT_EQ(s.objective, SweepObjective::kFinalValidationMetric);
  EXPECT_EQ(s.ranksPerTrial, 2);
  EXPECT_EQ(s.threadsPerRank, 3);
  EXPECT_EQ(s.maxRetries, 4);
  EXPECT_EQ(s.checkpointEverySeconds, 0.0);
  ASSERT_EQ(s.submissions.size(), 2u);
  EXPECT_EQ(s.submissions[0].name, "fast");
  EXPECT_EQ(s.submissions[0].overrides, std::vector<std::string>{"model.work_s=0.001"});
  ASSERT_EQ(s.submissions[0].space.dimensions().size(), 1u);
  EXPECT_EQ(s.submissions[0].space.dimensions()[0].key, "model.quality");
  EXPECT_EQ(s.submissions[0].space.dimensions()[0].kind, DimensionKind::kUniform);
  EXPECT_EQ(s.submissions[0].space.dimensions()[0].low, 0.1);
  EXPECT_EQ(s.submissions[0].space.dimensions()[0].high, 0.9);
  EXPECT_EQ(s.submissions[1].name, "slow");
  EXPECT_EQ(s.submissions[1].overrides, (std::vector<std::string>{"model.gap=0.05", "model.fail_at_step=-1"}));
  const auto& dims = s.submissions[1].space.dimensions();
  ASSERT_EQ(dims.size(), 3u);
  EXPECT_EQ(dims[0].kind, DimensionKind::kLogUniform);
  EXPECT_EQ(dims[1].kind, DimensionKind::kChoice);
  EXPECT_EQ(dims[1].values, (std::vector<std::string>{"0", "0.001"}));
  EXPECT_EQ(dims[2].kind, DimensionKind::kGrid);
  EXPECT_EQ(s.submissions[1].space.sampledDimensions(), 2);
  ASSERT_TRUE(s.asha.has_value());
  EXPECT_EQ(s.asha->reductionFactor, 3);
  EXPECT_EQ(s.asha->minResource, 2.0);
  EXPECT_EQ(s.asha->maxResource, 8.0);
  EXPECT_EQ(s.asha->unit, AshaResourceUnit::kSteps);
  EXPECT_EQ(s.asha->direction, AshaDirection::kMaximize);  // noop's target is accuracy, at least
  EXPECT_EQ(s.definitionYaml.substr(0, 5), "base:");
  EXPECT_EQ(s.sweepId.size(), 16u);
}

TEST_F(SweepSpecTest, DefaultsAndNameFromTheFileStem) {
  const SweepSpec s = SweepSpec::load(sweep("space: {model.quality: {uniform: [0, 1]}}\n", "my_sweep.yaml"));
  EXPECT_EQ(s.name, "my_sweep");
  EXPECT_EQ(s.sampler, SamplerKind::kHalton);
  EXPECT_EQ(s.trials, 8);
  EXPECT_EQ(s.studies, 1);
  EXPECT_EQ(s.maxRetries, 1);
  EXPECT_EQ(s.objective, SweepObjective::kTimeToResult);
  EXPECT_FALSE(s.asha.has_value());
}

TEST_F(SweepSpecTest, BaseIsResolvedRelativeToTheSweepFileNotTheWorkingDirectory) {
  write("configs/other.yaml", "workload: noop\ntraining: {max_steps: 2}\n");
  write("sweeps/r.yaml", "base: ../configs/other.yaml\nspace: {model.quality: {uniform: [0, 1]}}\n");
  // From dir_, "../configs/other.yaml" would point outside the test directory: only the
  // sweep file's directory makes it resolve.
  const fs::path cwd = fs::current_path();
  fs::current_path(dir_);
  SweepSpec s;
  std::string error;
  try {
    s = SweepSpec::load("sweeps/r.yaml");
  } catch (const std::exception& e) {
    error = e.what();
  }
  fs::current_path(cwd);
  ASSERT_EQ(error, "");
  EXPECT_EQ(fs::path(s.basePath), fs::path("configs/other.yaml"));
  EXPECT_EQ(s.baseYaml, "workload: noop\ntraining: {max_steps: 2}\n");
  // An absolute base is taken as it is.
  const SweepSpec a = SweepSpec::load(write("sweeps/abs.yaml", "base: " + (dir_ / "configs/other.yaml").string() +
                                                                   "\nspace: {model.quality: {uniform: [0, 1]}}\n"));
  EXPECT_EQ(fs::path(a.basePath), dir_ / "configs/other.yaml");
}

TEST_F(SweepSpecTest, TopLevelSpaceGivesOneSubmissionDefault) {
  const SweepSpec s = SweepSpec::load(sweep("set: {model.gap: 0.1}\nspace: {model.quality: {uniform: [0, 1]}}\n"));
  ASSERT_EQ(s.submissions.size(), 1u);
  EXPECT_EQ(s.submissions[0].name, "default");
  EXPECT_TRUE(s.submissions[0].overrides.empty());
  EXPECT_EQ(s.overrides, std::vector<std::string>{"model.gap=0.1"});
  ASSERT_EQ(s.submissions[0].space.dimensions().size(), 1u);
  EXPECT_EQ(s.submissions[0].space.dimensions()[0].key, "model.quality");
}

TEST_F(SweepSpecTest, SweepIdIsStableAndIgnoresExecutionKeys) {
  const std::string space = "space: {model.quality: {uniform: [0.2, 0.9]}}\ntrials: 4\n";
  const std::string id = SweepSpec::load(sweep(space)).sweepId;
  EXPECT_EQ(SweepSpec::load(sweep(space)).sweepId, id) << "same file, same id";
  EXPECT_EQ(SweepSpec::load(sweep(space, "other_file.yaml")).sweepId, id) << "the file name is not part of the id";
  const std::string execution =
      space + "ranks_per_trial: 4\nthreads_per_rank: 2\nmax_retries: 7\ncheckpoint_every_s: 5\n";
  EXPECT_EQ(SweepSpec::load(sweep(execution)).sweepId, id) << "execution settings must not change the id";

  EXPECT_NE(SweepSpec::load(sweep("space: {model.quality: {uniform: [0.2, 0.8]}}\ntrials: 4\n")).sweepId, id)
      << "a space bound defines other trials";
  EXPECT_NE(SweepSpec::load(sweep("space: {model.quality: {uniform: [0.2, 0.9]}}\ntrials: 5\n")).sweepId, id)
      << "more trials is another sweep";
  EXPECT_NE(SweepSpec::load(sweep(space + "seed: 1\n")).sweepId, id);
  EXPECT_NE(SweepSpec::load(sweep(space + "set: {model.gap: 0.1}\n")).sweepId, id);
}

// ---- mistakes ---------------------------------------------------------------

TEST_F(SweepSpecTest, MissingBase) {
  expectError(write("sweeps/nobase.yaml", "trials: 2\nspace: {model.quality: {uniform: [0, 1]}}\n"),
              {"nobase.yaml:", "base", "missing"});
}

TEST_F(SweepSpecTest, MissingBaseFile) {
  expectError(write("sweeps/gone.yaml", "trials: 2\nbase: ../configs/absent.yaml\n"
                                        "space: {model.quality: {uniform: [0, 1]}}\n"),
              {"gone.yaml:2: base", "absent.yaml"});
}

TEST_F(SweepSpecTest, EmptySearchSpaceWithHalton) {
  expectError(sweep("sampler: halton\ntrials: 2\n", "empty.yaml"), {"empty.yaml:", "space", "nothing to sample"});
  expectError(sweep("sampler: halton\ntrials: 2\nspace: {}\n", "empty2.yaml"), {"empty2.yaml:4", "space"});
  // A space of grid values only has nothing for halton either.
  expectError(sweep("sampler: halton\nspace: {model.gap: {grid: [0, 1]}}\n", "gridonly.yaml"),
              {"gridonly.yaml:", "space", "nothing to sample"});
  expectError(sweep("sampler: halton\nsubmissions:\n  a: {set: {model.gap: 0.1}}\n", "subempty.yaml"),
              {"subempty.yaml:4", "submissions.a", "nothing to sample"});
}

TEST_F(SweepSpecTest, EmptySearchSpaceMessageHasALineNumber) {
  try {
    (void)SweepSpec::load(sweep("trials: 2\n", "noline.yaml"));
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    // "…/noline.yaml:<line>: space: …", not just the path.
    EXPECT_NE(std::string(e.what()).find("noline.yaml:1: space"), std::string::npos) << e.what();
  }
}

TEST_F(SweepSpecTest, LogUniformBoundNotPositive) {
  expectError(sweep("space:\n  model.quality: {log_uniform: [0, 1]}\n", "log0.yaml"),
              {"log0.yaml:3", "model.quality", "log_uniform bounds must be > 0"});
  expectError(sweep("space:\n  model.quality: {log_uniform: [-1, 1]}\n", "logneg.yaml"),
              {"logneg.yaml:3", "model.quality", "> 0"});
}

TEST_F(SweepSpecTest, UnknownSamplerListsTheValidOnes) {
  expectError(sweep("sampler: optuna\nspace: {model.quality: {uniform: [0, 1]}}\n", "samp.yaml"),
              {"samp.yaml:2: sampler", "optuna", "grid", "random", "halton", "sobol", "bayes"});
}

TEST_F(SweepSpecTest, UnknownKey) {
  expectError(sweep("space: {model.quality: {uniform: [0, 1]}}\ntrails: 3\n", "typo.yaml"),
              {"typo.yaml:3", "trails", "unknown key"});
  expectError(sweep("submissions:\n  a: {spaec: {model.quality: {uniform: [0, 1]}}, space: {model.gap: {uniform: [0, 1]}}}\n",
                    "subtypo.yaml"),
              {"subtypo.yaml:3", "spaec", "unknown key"});
}

TEST_F(SweepSpecTest, TrialsZero) {
  expectError(sweep("trials: 0\nspace: {model.quality: {uniform: [0, 1]}}\n", "t0.yaml"), {"t0.yaml:2", "trials", "got 0"});
}

TEST_F(SweepSpecTest, GridSamplerWithAUniformDimension) {
  expectError(sweep("sampler: grid\nspace:\n  model.gap: {grid: [0, 1]}\n  model.quality: {uniform: [0, 1]}\n",
                    "griduni.yaml"),
              {"griduni.yaml:5", "model.quality", "uniform"});
}

TEST_F(SweepSpecTest, SubmissionSetWithANestedMap) {
  expectError(sweep("submissions:\n  a:\n    set: {model: {quality: 0.5}}\n    space: {model.gap: {uniform: [0, 1]}}\n",
                    "nested.yaml"),
              {"nested.yaml:4", "model", "a mapping", "dotted"});
}

TEST_F(SweepSpecTest, BaseConfigMustAcceptTheSweepOverrides) {
  expectError(sweep("set: {training.max_stpes: 3}\nspace: {model.quality: {uniform: [0, 1]}}\n", "badset.yaml"),
              {"training.max_stpes", "unknown key", "badset.yaml"});
  // A typo in a submission's set or in a space key fails at load, not in every trial.
  expectError(sweep("submissions:\n  a: {set: {model.qaulity: 0.5}, space: {model.gap: {uniform: [0, 1]}}}\n",
                    "subset.yaml"),
              {"model.qaulity", "unknown key", "subset.yaml:3: submissions.a"});
  expectError(sweep("space: {model.wrok_s: {uniform: [0, 1]}}\n", "spacekey.yaml"),
              {"model.wrok_s", "unknown key", "spacekey.yaml:2: space"});
}

}  // namespace
}  // namespace gaplab
