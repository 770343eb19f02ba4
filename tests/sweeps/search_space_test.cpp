// tests/sweeps/search_space_test.cpp — parsing of space/derived, unit-cube mapping, grid order, value texts.
//
// Why: the search space turns sampler points into `--set key=value` texts for
// every trial. A value that does not parse back to the sampled number, a grid
// visited in a different order after a restart, or a config error without its
// file:line would all cost users real compute.
#include "sweeps/search_space.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "core/config/config_error.h"

namespace gaplab {
namespace {

struct Parsed {
  ConfigDocument doc;
  SearchSpace space;
};

Parsed parseText(const std::string& text) {
  ConfigDocument doc = ConfigDocument::parse(text, "sweep.yaml");
  SearchSpace space = SearchSpace::parse(doc.root(), YAML::Load(text));
  return {doc, space};
}

std::string errorOf(const std::string& text) {
  try {
    parseText(text);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

const char* kExample =
    "workload: fashion_mnist_mlp\n"                                          // 1
    "space:\n"                                                               // 2
    "  optimizer.learning_rate: {log_uniform: [1.0e-4, 1.0e-1]}\n"           // 3
    "  optimizer.momentum: {uniform: [0.8, 0.99]}\n"                         // 4
    "  training.batch_size: {choice: [64, 128, 256]}\n"                      // 5
    "  model.hidden: {int: [64, 512]}\n"                                     // 6
    "  model.depth: {grid: [2, 4]}\n"                                        // 7
    "  optimizer.name: {grid: [sgd, adamw, \"yes\"]}\n"                      // 8
    "derived:\n"                                                             // 9
    "  optimizer.weight_decay: \"0.1 * sqrt(training.batch_size / 128)\"\n"  // 10
    "  schedule.warmup_steps: \"round(optimizer.weight_decay * 1000)\"\n";   // 11

TEST(SearchSpace, ParsesKindsInOrder) {
  Parsed p = parseText(kExample);
  const auto& dims = p.space.dimensions();
  ASSERT_EQ(dims.size(), 6u);
  EXPECT_EQ(dims[0].key, "optimizer.learning_rate");
  EXPECT_EQ(dims[0].kind, DimensionKind::kLogUniform);
  EXPECT_DOUBLE_EQ(dims[0].low, 1e-4);
  EXPECT_EQ(dims[2].kind, DimensionKind::kChoice);
  EXPECT_EQ(dims[3].kind, DimensionKind::kInt);
  EXPECT_EQ(dims[3].cardinality(), 449);
  EXPECT_EQ(dims[4].kind, DimensionKind::kGrid);
  EXPECT_EQ(dims[0].where, "sweep.yaml:3: space.optimizer.learning_rate");
  EXPECT_EQ(p.space.sampledDimensions(), 4);
  EXPECT_FALSE(p.space.empty());
  ASSERT_EQ(p.space.derived().size(), 2u);
  // Every key was read: the document's unknown-key check passes.
  p.doc.root().getString("workload", "");
  EXPECT_NO_THROW(p.doc.checkUnknownKeys());
}

TEST(SearchSpace, EmptySpaceIsAllowedForTheCallerToJudge) {
  const Parsed p = parseText("workload: x\n");
  EXPECT_TRUE(p.space.empty());
  EXPECT_EQ(p.space.sampledDimensions(), 0);
  EXPECT_EQ(p.space.gridCombinations().size(), 1u);
  EXPECT_TRUE(p.space.gridCombinations()[0].values.empty());
}

TEST(SearchSpace, ErrorsNameFileLineAndKey) {
  EXPECT_EQ(errorOf("space:\n\n  optimizer.learning_rate: {log_uniform: [0, 0.1]}\n"),
            "sweep.yaml:3: space.optimizer.learning_rate: log_uniform bounds must be > 0, got [0, 0.1]");
  EXPECT_EQ(errorOf("space:\n  a: {uniform: [1, 0.5]}\n"),
            "sweep.yaml:2: space.a: uniform bounds need low < high, got [1, 0.5]");
  EXPECT_EQ(errorOf("space:\n  a: {int: [3, 3]}\n"), "sweep.yaml:2: space.a: int bounds need low < high, got [3, 3]");
  EXPECT_EQ(errorOf("space:\n  a: {int: [1.5, 3]}\n"), "sweep.yaml:2: space.a: int bounds must be integers, got [1.5, 3]");
  EXPECT_EQ(errorOf("space:\n  x: 1\n  a: {normal: [0, 1]}\n"),
            "sweep.yaml:2: space.x: expected a mapping with one kind, e.g. {log_uniform: [1.0e-4, 1.0e-1]}; kinds: "
            "grid, choice, uniform, log_uniform, int");
  EXPECT_EQ(errorOf("space:\n  a: {normal: [0, 1]}\n"),
            "sweep.yaml:2: space.a: unknown kind 'normal'; expected one of grid, choice, uniform, log_uniform, int");
  EXPECT_EQ(errorOf("space:\n  a: {uniform: [0, 1, 2]}\n"),
            "sweep.yaml:2: space.a: uniform needs exactly two bounds [low, high], got 3: [0, 1, 2]");
  EXPECT_EQ(errorOf("space:\n  a: {choice: []}\n"), "sweep.yaml:2: space.a: choice needs at least one value, got []");
  EXPECT_EQ(errorOf("space:\n  a: {grid: []}\n"), "sweep.yaml:2: space.a: grid needs at least one value, got []");
  EXPECT_EQ(errorOf("space:\n  a: {uniform: [zero, 1]}\n"),
            "sweep.yaml:2: space.a: uniform bounds must be finite numbers, got [zero, 1]");
  EXPECT_EQ(errorOf("space:\n  a: {uniform: 0.5}\n"), "sweep.yaml:2: space.a: uniform needs a list, e.g. uniform: [a, b]");
  EXPECT_EQ(errorOf("space: [1, 2]\n").rfind("sweep.yaml:1: space:", 0), 0u);
}

TEST(SearchSpace, DerivedErrors) {
  const std::string base = "space:\n  a: {uniform: [0, 1]}\n  s: {choice: [x, y]}\nderived:\n";
  EXPECT_EQ(errorOf(base + "  a: \"2\"\n").rfind("sweep.yaml:5: derived.a: 'a' is also a space dimension", 0), 0u);
  EXPECT_EQ(errorOf(base + "  b: \"a * c\"\n"),
            "sweep.yaml:5: derived.b: expression 'a * c' names unknown key 'c'; expected a space key or an earlier "
            "derived key (a, s)");
  // Only earlier derived keys: c is defined after b.
  EXPECT_NE(errorOf(base + "  b: \"c\"\n  c: \"a\"\n").find("names unknown key 'c'"), std::string::npos);
  EXPECT_NO_THROW(parseText(base + "  c: \"a\"\n  b: \"c * 2\"\n"));
  EXPECT_EQ(errorOf(base + "  b: \"2 *\"\n"),
            "sweep.yaml:5: derived.b: expression '2 *': column 4: unexpected end; expected a number, a name or '('");
  EXPECT_NE(errorOf(base + "  b: \"s + 1\"\n").find("uses 's', whose values are not all numbers"), std::string::npos);
  EXPECT_NE(errorOf(base + "  b: [1]\n").find("sweep.yaml:5: derived.b"), std::string::npos);
}

TEST(SearchSpace, ExactNumberTextRoundTrips) {
  EXPECT_EQ(exactNumberText(0.1), "0.1");
  EXPECT_EQ(exactNumberText(256.0), "256");
  EXPECT_EQ(exactNumberText(1e-5), "1e-05");
  EXPECT_EQ(exactNumberText(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(exactNumberText(-0.0), "0");
  EXPECT_THROW(exactNumberText(std::nan("")), std::invalid_argument);
  // Every value of many sampled points parses back (as YAML, like --set does) to the same double.
  const Parsed p = parseText(kExample);
  for (int i = 0; i < 500; ++i) {
    const double a = (i * 0.6180339887498949) - std::floor(i * 0.6180339887498949);
    const double b = (i * 0.7548776662466927) - std::floor(i * 0.7548776662466927);
    const std::vector<double> u{a, b, a * b, 1.0 - a};
    const TrialPoint t = p.space.fromUnitCube(u);
    const double lr = 1e-4 * std::exp(u[0] * std::log(1e-1 / 1e-4));
    EXPECT_EQ(YAML::Load(*t.find("optimizer.learning_rate")).as<double>(), std::clamp(lr, 1e-4, 1e-1));
    EXPECT_EQ(YAML::Load(*t.find("optimizer.momentum")).as<double>(), 0.8 + u[1] * (0.99 - 0.8));
  }
}

TEST(SearchSpace, UnitCubeMapping) {
  const Parsed p = parseText(kExample);
  const std::vector<double> low{0.0, 0.0, 0.0, 0.0};
  TrialPoint t = p.space.fromUnitCube(low);
  EXPECT_EQ(*t.find("optimizer.learning_rate"), "1e-04");  // shortest exact form
  EXPECT_EQ(*t.find("optimizer.momentum"), "0.8");
  EXPECT_EQ(*t.find("training.batch_size"), "64");
  EXPECT_EQ(*t.find("model.hidden"), "64");
  EXPECT_EQ(t.find("model.depth"), nullptr);  // grid dimensions are not sampled
  EXPECT_EQ(t.unit, low);
  // Log scale: the middle of the cube is the geometric mean.
  t = p.space.fromUnitCube(std::vector<double>{0.5, 0.5, 0.5, 0.5});
  EXPECT_NEAR(std::stod(*t.find("optimizer.learning_rate")), std::sqrt(1e-4 * 1e-1), 1e-15);
  EXPECT_EQ(*t.find("training.batch_size"), "128");  // floor(0.5 * 3) = 1
  EXPECT_EQ(*t.find("model.hidden"), "288");         // 64 + floor(0.5 * 449)
  // Upper end and out-of-range coordinates clamp inside.
  t = p.space.fromUnitCube(std::vector<double>{1.0, 1.5, 0.9999999, 1.0});
  EXPECT_LE(std::stod(*t.find("optimizer.learning_rate")), 0.1);
  EXPECT_LT(std::stod(*t.find("optimizer.momentum")), 0.99);
  EXPECT_EQ(*t.find("training.batch_size"), "256");
  EXPECT_EQ(*t.find("model.hidden"), "512");
  EXPECT_EQ(p.space.fromUnitCube(std::vector<double>{-1, 0, 0, 0}).unit[0], 0.0);
  EXPECT_THROW(p.space.fromUnitCube(std::vector<double>{0.5}), std::invalid_argument);
  EXPECT_THROW(p.space.fromUnitCube(std::vector<double>{std::nan(""), 0, 0, 0}), std::invalid_argument);
  // Int dimensions: equal-width cells.
  const Parsed small = parseText("space:\n  k: {int: [1, 4]}\n");
  std::vector<std::string> seen;
  for (double u : {0.0, 0.24, 0.25, 0.49, 0.5, 0.75, 0.999}) seen.push_back(*small.space.fromUnitCube(std::vector<double>{u}).find("k"));
  EXPECT_EQ(seen, (std::vector<std::string>{"1", "1", "2", "2", "3", "4", "4"}));
}

TEST(SearchSpace, GridProductOrderIsLastFastest) {
  const Parsed p = parseText(kExample);
  const std::vector<TrialPoint> grid = p.space.gridCombinations();
  ASSERT_EQ(grid.size(), 6u);
  std::vector<std::string> flat;
  for (const auto& g : grid) flat.push_back(g.setAssignments()[0] + " " + g.setAssignments()[1]);
  EXPECT_EQ(flat, (std::vector<std::string>{
                      "model.depth=2 optimizer.name=sgd", "model.depth=2 optimizer.name=adamw",
                      "model.depth=2 optimizer.name=\"yes\"", "model.depth=4 optimizer.name=sgd",
                      "model.depth=4 optimizer.name=adamw", "model.depth=4 optimizer.name=\"yes\""}));
  // A quoted "yes" stays a string through --set parsing; a plain one would be a bool.
  EXPECT_EQ(YAML::Load(*grid[2].find("optimizer.name")).Scalar(), "yes");
}

TEST(SearchSpace, ComposeAppliesDerivedInOrder) {
  const Parsed p = parseText(kExample);
  const TrialPoint t = p.space.compose(p.space.gridCombinations()[4], std::vector<double>{0.5, 0.5, 0.9, 0.0});
  std::vector<std::string> keys;
  for (const auto& kv : t.values) keys.push_back(kv.first);
  EXPECT_EQ(keys, (std::vector<std::string>{"optimizer.learning_rate", "optimizer.momentum", "training.batch_size",
                                            "model.hidden", "model.depth", "optimizer.name",
                                            "optimizer.weight_decay", "schedule.warmup_steps"}));
  EXPECT_EQ(*t.find("model.depth"), "4");
  EXPECT_EQ(*t.find("training.batch_size"), "256");
  EXPECT_EQ(*t.find("optimizer.weight_decay"), exactNumberText(0.1 * std::sqrt(2.0)));
  EXPECT_EQ(*t.find("schedule.warmup_steps"), "141");
  EXPECT_EQ(t.unit, (std::vector<double>{0.5, 0.5, 0.9, 0.0}));
}

TEST(SearchSpace, DerivedThatIsNotFiniteFailsWithItsKey) {
  const Parsed p = parseText("space:\n  a: {uniform: [-1, 1]}\nderived:\n  b: \"sqrt(a)\"\n");
  EXPECT_NO_THROW(p.space.compose({}, std::vector<double>{0.75}));
  try {
    p.space.compose({}, std::vector<double>{0.25});
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "sweep.yaml:4: derived.b: expression 'sqrt(a)' is not finite for a=-0.5");
  }
}

TEST(SearchSpace, EnumerateAllForTheGridSampler) {
  const Parsed p = parseText(
      "space:\n  k: {int: [1, 3]}\n  c: {choice: [a, b]}\n  g: {grid: [10, 20]}\nderived:\n  d: \"k * g\"\n");
  const std::vector<TrialPoint> all = p.space.enumerateAll();
  ASSERT_EQ(all.size(), 12u);
  EXPECT_EQ(all[0].setAssignments(), (std::vector<std::string>{"k=1", "c=a", "g=10", "d=10"}));
  EXPECT_EQ(all[1].setAssignments(), (std::vector<std::string>{"k=1", "c=a", "g=20", "d=20"}));
  EXPECT_EQ(all[11].setAssignments(), (std::vector<std::string>{"k=3", "c=b", "g=20", "d=60"}));
  EXPECT_EQ(all[11].unit, (std::vector<double>{2.5 / 3.0, 0.75}));
  std::set<std::vector<std::string>> distinct;
  for (const auto& t : all) distinct.insert(t.setAssignments());
  EXPECT_EQ(distinct.size(), 12u);
  // Mapping the stored cell centres back gives the same point.
  EXPECT_EQ(p.space.compose(p.space.gridCombinations()[1], all[7].unit), all[7]);

  EXPECT_EQ(errorOf("space:\n  a: {uniform: [0, 1]}\n"), "no error");
  const Parsed continuous = parseText("space:\n  k: {int: [1, 3]}\n  lr: {log_uniform: [0.001, 0.1]}\n");
  try {
    continuous.space.enumerateAll();
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("sweep.yaml:3: space.lr: the grid sampler cannot enumerate a log_uniform "
                                          "dimension",
                                          0),
              0u);
  }
  const Parsed huge = parseText("space:\n  a: {int: [0, 1000]}\n  b: {int: [0, 1000]}\n");
  EXPECT_THROW(huge.space.enumerateAll(), ConfigError);
}

}  // namespace
}  // namespace gaplab

namespace gaplab {
namespace {

// Keys starting with '_' are helpers: sampled and read by derived values, never passed to --set.
TEST(SearchSpace, HelperKeysAreNotAssigned) {
  Parsed p = parseText("space:\n  _omb1: {log_uniform: [0.01, 0.1]}\nderived:\n  optimizer.beta1: \"1 - _omb1\"\n");
  const TrialPoint point = p.space.compose(TrialPoint{}, std::vector<double>{0.0});
  ASSERT_NE(point.find("_omb1"), nullptr);
  const std::vector<std::string> assigned = point.setAssignments();
  ASSERT_EQ(assigned.size(), 1u);
  EXPECT_EQ(assigned[0].rfind("optimizer.beta1=0.9", 0), 0u) << assigned[0];
  EXPECT_TRUE(isHelperKey("_point"));
  EXPECT_FALSE(isHelperKey("optimizer.lr"));
}

}  // namespace
}  // namespace gaplab
