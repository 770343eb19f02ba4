// tests/workloads/workload_registry_test.cpp — the registry lists the built-ins, rejects duplicates, names unknowns.
#include "workloads/workload_registry.h"

#include "workloads/single_run.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace gaplab {
namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

WorkloadEntry entryNamed(const std::string& name) {
  return {name, "a test workload", "training:\n  batch_size: 8\n", "accuracy", [](WorkloadContext&) { return nullptr; }};
}

TEST(WorkloadRegistry, BuiltinsIncludeTheFashionMnistWorkloads) {
  const std::vector<std::string> names = WorkloadRegistry::instance().names();
  EXPECT_NE(std::find(names.begin(), names.end(), "fmnist_mlp"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "fmnist_cnn"), names.end());
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_EQ(&WorkloadRegistry::instance(), &WorkloadRegistry::instance());
}

TEST(WorkloadRegistry, BuiltinDefaultsAreYamlWithTargetAndBudget) {
  for (const char* name : {"fmnist_mlp", "fmnist_cnn"}) {
    const WorkloadEntry& entry = WorkloadRegistry::instance().get(name);
    EXPECT_EQ(entry.name, name);
    EXPECT_FALSE(entry.description.empty());
    EXPECT_TRUE(static_cast<bool>(entry.factory));
    YAML::Node defaults = entry.defaults();
    ASSERT_TRUE(defaults.IsMap()) << name;
    EXPECT_EQ(defaults["target"]["metric"].as<std::string>(), "accuracy") << name;
    EXPECT_GT(defaults["target"]["value"].as<double>(), 0.0) << name;
    EXPECT_GT(defaults["training"]["max_steps"].as<int>(), 0) << name;
    EXPECT_GT(defaults["training"]["max_runtime_s"].as<double>(), 0.0) << name;
    EXPECT_TRUE(defaults["model"].IsMap()) << name;
  }
  EXPECT_EQ(WorkloadRegistry::instance().get("fmnist_mlp").defaults()["model"]["norm"].as<std::string>(), "batch");
  EXPECT_EQ(WorkloadRegistry::instance().get("fmnist_cnn").defaults()["model"]["hidden"].as<int>(), 128);
}

TEST(WorkloadRegistry, AddAndGetOnAFreshRegistry) {
  WorkloadRegistry registry;
  EXPECT_TRUE(registry.names().empty());
  registry.add(entryNamed("beta"));
  registry.add(entryNamed("alpha"));
  EXPECT_EQ(registry.names(), (std::vector<std::string>{"alpha", "beta"}));
  EXPECT_EQ(registry.get("alpha").description, "a test workload");
  EXPECT_EQ(registry.get("beta").defaults()["training"]["batch_size"].as<int>(), 8);
}

TEST(WorkloadRegistry, DuplicateNameThrowsAndKeepsTheFirst) {
  WorkloadRegistry registry;
  registry.add(entryNamed("twice"));
  WorkloadEntry second = entryNamed("twice");
  second.description = "the second one";
  try {
    registry.add(second);
    FAIL() << "expected std::logic_error";
  } catch (const std::logic_error& error) {
    EXPECT_TRUE(contains(error.what(), "'twice'")) << error.what();
    EXPECT_TRUE(contains(error.what(), "registered twice")) << error.what();
  }
  EXPECT_EQ(registry.get("twice").description, "a test workload");
  EXPECT_EQ(registry.names().size(), 1u);
}

TEST(WorkloadRegistry, BuiltinsCannotBeRegisteredAgain) {
  WorkloadRegistry registry;
  registerFashionMnistWorkloads(registry);
  EXPECT_THROW(registerFashionMnistWorkloads(registry), std::logic_error);
  EXPECT_THROW(WorkloadRegistry::instance().add(entryNamed("fmnist_mlp")), std::logic_error);
}

TEST(WorkloadRegistry, UnknownNameThrowsListingTheRegisteredOnes) {
  WorkloadRegistry registry;
  registry.add(entryNamed("alpha"));
  registry.add(entryNamed("beta"));
  try {
    registry.get("gamma");
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& error) {
    const std::string message = error.what();
    EXPECT_TRUE(contains(message, "unknown workload 'gamma'")) << message;
    EXPECT_TRUE(contains(message, "registered: alpha, beta")) << message;
  }
  try {
    WorkloadRegistry::instance().get("mnist");
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& error) {
    EXPECT_TRUE(contains(error.what(), "fmnist_mlp")) << error.what();
    EXPECT_TRUE(contains(error.what(), "fmnist_cnn")) << error.what();
  }
}

// The sweep starts the longest trials first from these estimates: an lm trial's
// cost follows its FLOPs, so width, steps and a token budget must all count.
double trialCost(const std::string& workload, const std::vector<std::string>& overrides) {
  PreparedRun run = prepareRunFromText("workload: " + workload + "\n", "test", overrides);
  return estimateTrialCost(WorkloadRegistry::instance().get(workload), run.config, run.document.root());
}

TEST(WorkloadRegistry, LmTrialCostFollowsWidthStepsAndTokenBudget) {
  const double base = trialCost("lm", {"training.max_steps=1000"});
  EXPECT_GT(base, 0.0);
  EXPECT_NEAR(trialCost("lm", {"training.max_steps=2000"}) / base, 2.0, 1e-9);
  EXPECT_GT(trialCost("lm", {"training.max_steps=1000", "model.width=256"}), 3.0 * base);
  // A budget of 250 steps' tokens (32 x 128 each) ends the trial at a quarter of max_steps.
  EXPECT_NEAR(trialCost("lm", {"training.max_steps=1000", "data.token_budget=" + std::to_string(250 * 32 * 128)}) / base,
              0.25, 1e-9);
  // A budget above max_steps' tokens does not extend the trial.
  EXPECT_NEAR(trialCost("lm", {"training.max_steps=1000", "data.token_budget=" + std::to_string(4000 * 32 * 128)}) / base,
              1.0, 1e-9);
  // Top-2 of 8 experts costs more per token than the dense model of the same width.
  EXPECT_GT(trialCost("moe_lm", {"training.max_steps=1000"}), base);
}

TEST(WorkloadRegistry, FashionMnistTrialCostFollowsWeightsAndSteps) {
  const double base = trialCost("fmnist_mlp", {"training.max_steps=100"});
  EXPECT_NEAR(trialCost("fmnist_mlp", {"training.max_steps=300"}) / base, 3.0, 1e-9);
  EXPECT_LT(trialCost("fmnist_mlp_small", {"training.max_steps=100"}), base / 4.0);
}

}  // namespace
}  // namespace gaplab
