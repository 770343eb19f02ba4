// tests/workloads/workload_targets_test.cpp — the targets table is the only
// source of targets: docs/workloads.md quotes it exactly, every registered
// workload has a row, and each workload's defaults carry its row's target.
#include "workloads/workload_targets.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <set>

#include "workloads/workload_registry.h"

namespace gaplab {
namespace {

TEST(WorkloadTargets, DocsTableMatchesTheCode) {
  std::ifstream in(std::string(GAPLAB_SOURCE_DIR) + "/docs/workloads.md");
  ASSERT_TRUE(in) << "docs/workloads.md not found";
  const std::string doc{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const std::string begin = "<!-- targets:begin -->\n", end = "<!-- targets:end -->";
  const std::size_t b = doc.find(begin), e = doc.find(end);
  ASSERT_NE(b, std::string::npos) << "docs/workloads.md lacks the " << begin << " marker";
  ASSERT_NE(e, std::string::npos);
  EXPECT_EQ(doc.substr(b + begin.size(), e - b - begin.size()), workloadTargetsMarkdown())
      << "docs/workloads.md differs from workloads/workload_targets.cpp; paste this between the markers:\n"
      << workloadTargetsMarkdown();
}

TEST(WorkloadTargets, EveryRegisteredWorkloadHasExactlyOneRow) {
  std::set<std::string> rows;
  for (const WorkloadTarget& t : workloadTargets()) EXPECT_TRUE(rows.insert(t.workload).second) << t.workload;
  const std::vector<std::string> names = WorkloadRegistry::instance().names();
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()), rows);
}

TEST(WorkloadTargets, DefaultsCarryTheTableTarget) {
  for (const WorkloadTarget& t : workloadTargets()) {
    const YAML::Node d = WorkloadRegistry::instance().get(t.workload).defaults();
    EXPECT_EQ(d["target"]["metric"].as<std::string>(), t.metric) << t.workload;
    const double expected = t.value.value_or(t.direction == TargetDirection::kAtLeast ? 2.0 : -1.0);
    EXPECT_DOUBLE_EQ(d["target"]["value"].as<double>(), expected) << t.workload;
  }
}

TEST(WorkloadTargets, BaseTargetsAreKept) {
  EXPECT_DOUBLE_EQ(*workloadTarget("fmnist_mlp").value, 0.89);
  EXPECT_DOUBLE_EQ(*workloadTarget("fmnist_cnn").value, 0.915);
  EXPECT_DOUBLE_EQ(*workloadTarget("lm").value, 3.03);
  EXPECT_DOUBLE_EQ(*workloadTarget("moe_lm").value, 2.945);
  EXPECT_THROW(workloadTarget("no_such_workload"), std::invalid_argument);
}

TEST(WorkloadTargets, VariantsChangeOnlyTheirKeys) {
  const YAML::Node base = WorkloadRegistry::instance().get("fmnist_mlp").defaults();
  const YAML::Node gelu = WorkloadRegistry::instance().get("fmnist_mlp_gelu").defaults();
  EXPECT_EQ(gelu["model"]["activation"].as<std::string>(), "gelu");
  EXPECT_EQ(gelu["model"]["norm"].as<std::string>(), base["model"]["norm"].as<std::string>());
  EXPECT_EQ(gelu["optimizer"]["lr"].as<double>(), base["optimizer"]["lr"].as<double>());
  EXPECT_EQ(WorkloadRegistry::instance().get("lm_swiglu").defaults()["model"]["activation"].as<std::string>(), "swiglu");
  EXPECT_EQ(WorkloadRegistry::instance().get("fmnist_mlp_layernorm").defaults()["model"]["norm"].as<std::string>(), "layer");
}

}  // namespace
}  // namespace gaplab
