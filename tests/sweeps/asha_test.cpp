// tests/sweeps/asha_test.cpp — ASHA early stopping: rungs, a hand-worked report sequence, config errors.
//
// Why: a wrong stopping rule silently wastes or, worse, discards the good trials
// of a sweep. The sequence below is worked out by hand against the rule written
// in sweeps/asha.h, so a change of rule breaks a named step.
#include "sweeps/asha.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/config/config_node.h"

namespace gaplab {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr AshaDecision kGo = AshaDecision::kContinue;
constexpr AshaDecision kStop = AshaDecision::kStop;

AshaConfig makeConfig(int eta, double r, double bigR, AshaDirection direction = AshaDirection::kMinimize,
                      AshaResourceUnit unit = AshaResourceUnit::kSteps) {
  AshaConfig c;
  c.reductionFactor = eta;
  c.minResource = r;
  c.maxResource = bigR;
  c.direction = direction;
  c.unit = unit;
  return c;
}

template <typename E>
std::string errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "";
}

TEST(Asha, RungPositions) {
  EXPECT_EQ(AshaStopper(makeConfig(3, 200, 2000)).rungs(), (std::vector<double>{200, 600, 1800}));
  EXPECT_EQ(AshaStopper(makeConfig(2, 1, 8)).rungs(), (std::vector<double>{1, 2, 4}));  // 8 is not < R = 8
  EXPECT_EQ(AshaStopper(makeConfig(3, 200, 201)).rungs(), (std::vector<double>{200}));
  EXPECT_EQ(AshaStopper(makeConfig(4, 0.5, 10, AshaDirection::kMinimize, AshaResourceUnit::kSeconds)).rungs(),
            (std::vector<double>{0.5, 2, 8}));
}

// eta = 3, r = 200, R = 2000: rungs 200, 600, 1800; minimise. n = values at the rung
// including the reporter's own; with n >= 3 the top k = floor(n/3) continue (ties too).
TEST(Asha, HandWorkedSequenceEtaThree) {
  AshaStopper asha(makeConfig(3, 200, 2000));
  // Before the first rung nothing is recorded or judged.
  EXPECT_EQ(asha.report("t1", 100, 0.9), kGo);
  EXPECT_TRUE(asha.rungValues(0).empty());
  // Rung 200.
  EXPECT_EQ(asha.report("t1", 200, 0.5), kGo);    // n=1 < eta: continue
  EXPECT_EQ(asha.report("t2", 200, 0.7), kGo);    // n=2 < eta: continue
  EXPECT_EQ(asha.report("t3", 200, 0.6), kStop);  // n=3, k=1, best 0.5; 0.6 is worse: stop
  EXPECT_EQ(asha.report("t4", 200, 0.4), kGo);    // n=4, k=1, best is 0.4 itself: continue
  EXPECT_EQ(asha.report("t5", 210, 0.45), kStop); // first past 200: n=5, k=1, best 0.4: stop
  EXPECT_EQ(asha.report("t6", 200, 0.45), kGo);   // n=6, k=2, {0.4, 0.45, 0.45, ...}: 2nd best 0.45, tie: continue
  EXPECT_EQ(asha.rungValues(0), (std::vector<double>{0.5, 0.7, 0.6, 0.4, 0.45, 0.45}));
  // Between rungs 200 and 600: no new rung, nothing recorded.
  EXPECT_EQ(asha.report("t1", 400, 0.3), kGo);
  // A second report for rung 200 keeps the first value (0.7, not 0.1).
  EXPECT_EQ(asha.report("t2", 250, 0.1), kGo);
  EXPECT_EQ(asha.rungValues(0).size(), 6u);
  EXPECT_TRUE(asha.rungValues(1).empty());
  // Rung 600.
  EXPECT_EQ(asha.report("t1", 600, 0.3), kGo);    // rung 600: n=1: continue
  EXPECT_EQ(asha.report("t3", 600, 0.01), kStop); // stopped trials stay stopped; nothing recorded
  EXPECT_TRUE(asha.isStopped("t3"));
  EXPECT_EQ(asha.rungValues(1), (std::vector<double>{0.3}));
  // One report crossing two rungs is judged at each: 600 (n=2) then 1800 (n=1); 1900 < R.
  EXPECT_EQ(asha.report("t4", 1900, 0.2), kGo);
  EXPECT_EQ(asha.report("t6", 700, 0.25), kStop); // rung 600: {0.3, 0.2, 0.25}, n=3, k=1, best 0.2: stop
  EXPECT_EQ(asha.rungValues(1), (std::vector<double>{0.3, 0.2, 0.25}));
  // Reaching R: rung 1800 records 0.1 (n=2, would continue), then the trial has had its maximum resource.
  EXPECT_EQ(asha.report("t1", 2000, 0.1), kStop);
  EXPECT_EQ(asha.rungValues(2), (std::vector<double>{0.2, 0.1}));
  // A jump across all rungs that fails the first: rung 200 has n=7, k=2, 2nd best 0.45; 0.9 stops there,
  // rungs 600 and 1800 are not recorded.
  EXPECT_EQ(asha.report("t7", 2000, 0.9), kStop);
  EXPECT_EQ(asha.rungValues(0).size(), 7u);
  EXPECT_EQ(asha.rungValues(1).size(), 3u);
  EXPECT_EQ(asha.rungValues(2).size(), 2u);
  EXPECT_FALSE(asha.isStopped("t4"));
  EXPECT_THROW(asha.rungValues(3), std::out_of_range);
}

// eta = 2 at rung 1 with values a 0.5, b 0.7, c 0.6, d 0.9 in this order:
//   maximise: a n=1 go; b n=2 k=1 best 0.7 go; c n=3 k=1 best 0.7 stop; d n=4 k=2 {0.9, 0.7, ...} 2nd 0.7, 0.9 go
//   minimise: a n=1 go; b n=2 k=1 best 0.5 stop; c n=3 k=1 best 0.5 stop; d n=4 k=2 {0.5, 0.6, ...} 2nd 0.6 stop
TEST(Asha, MaximiseVersusMinimise) {
  AshaStopper up(makeConfig(2, 1, 10, AshaDirection::kMaximize));
  EXPECT_EQ(up.report("a", 1, 0.5), kGo);
  EXPECT_EQ(up.report("b", 1, 0.7), kGo);
  EXPECT_EQ(up.report("c", 1, 0.6), kStop);
  EXPECT_EQ(up.report("d", 1, 0.9), kGo);

  AshaStopper down(makeConfig(2, 1, 10, AshaDirection::kMinimize));
  EXPECT_EQ(down.report("a", 1, 0.5), kGo);
  EXPECT_EQ(down.report("b", 1, 0.7), kStop);
  EXPECT_EQ(down.report("c", 1, 0.6), kStop);
  EXPECT_EQ(down.report("d", 1, 0.9), kStop);
}

TEST(Asha, NonFiniteMetricStopsWithoutRecording) {
  AshaStopper asha(makeConfig(2, 1, 10, AshaDirection::kMaximize));
  EXPECT_EQ(asha.report("nan", 1, std::nan("")), kStop);
  EXPECT_EQ(asha.report("inf", 1, kInf), kStop);
  EXPECT_EQ(asha.report("ninf", 0.5, -kInf), kStop);  // even before the first rung
  EXPECT_TRUE(asha.rungValues(0).empty());
  EXPECT_EQ(asha.report("nan", 2, 1.0), kStop);  // stays stopped
  EXPECT_EQ(asha.report("ok", 1, 0.1), kGo);     // the only value at the rung: n=1
}

TEST(Asha, DecisionsAreDeterministic) {
  auto run = [] {
    AshaStopper asha(makeConfig(3, 1, 100));
    std::vector<AshaDecision> out;
    for (int i = 0; i < 30; ++i)
      out.push_back(asha.report("t" + std::to_string(i % 7), static_cast<double>(i), std::sin(i * 1.7)));
    return out;
  };
  EXPECT_EQ(run(), run());
}

TEST(Asha, BadConfigsGiveClearErrors) {
  std::string msg = errorOf<std::invalid_argument>([] { AshaStopper(makeConfig(1, 200, 2000)); });
  EXPECT_NE(msg.find("reduction_factor (eta) = 1; expected an integer >= 2"), std::string::npos) << msg;
  msg = errorOf<std::invalid_argument>([] { AshaStopper(makeConfig(3, 0, 2000)); });
  EXPECT_NE(msg.find("min_resource (r) = 0; expected a finite value > 0"), std::string::npos) << msg;
  msg = errorOf<std::invalid_argument>([] { AshaStopper(makeConfig(3, -5, 2000)); });
  EXPECT_NE(msg.find("min_resource (r) = -5"), std::string::npos) << msg;
  msg = errorOf<std::invalid_argument>([] { AshaStopper(makeConfig(3, std::nan(""), 2000)); });
  EXPECT_NE(msg.find("min_resource"), std::string::npos) << msg;
  msg = errorOf<std::invalid_argument>([] { AshaStopper(makeConfig(3, 200, 200)); });
  EXPECT_NE(msg.find("max_resource (R) = 200; expected a finite value > min_resource = 200"), std::string::npos)
      << msg;
  msg = errorOf<std::invalid_argument>([] { AshaStopper(makeConfig(3, 200, 100)); });
  EXPECT_NE(msg.find("max_resource (R) = 100"), std::string::npos) << msg;
  msg = errorOf<std::invalid_argument>([] { AshaStopper(makeConfig(3, 200, kInf)); });
  EXPECT_NE(msg.find("max_resource"), std::string::npos) << msg;

  AshaStopper asha(makeConfig(3, 200, 2000));
  msg = errorOf<std::invalid_argument>([&] { asha.report("t", -1, 0.5); });
  EXPECT_NE(msg.find("trial 't' reported resource -1 steps; expected a value >= 0"), std::string::npos) << msg;
  EXPECT_THROW(asha.report("t", std::nan(""), 0.5), std::invalid_argument);
  EXPECT_THROW(asha.report("", 200, 0.5), std::invalid_argument);
}

ConfigDocument sweepYaml(const std::string& asha) {
  return ConfigDocument::parse("workload: fmnist_mlp\nearly_stopping:\n  asha:\n" + asha, "sweep.yaml");
}

TEST(Asha, ParsesConfigFromYaml) {
  ConfigDocument doc =
      sweepYaml("    reduction_factor: 3\n    min_resource: 200\n    max_resource: 2000\n    unit: seconds\n");
  doc.root().getString("workload", "");
  const std::optional<AshaConfig> c = parseAshaConfig(doc.root(), AshaDirection::kMaximize);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->reductionFactor, 3);
  EXPECT_DOUBLE_EQ(c->minResource, 200);
  EXPECT_DOUBLE_EQ(c->maxResource, 2000);
  EXPECT_EQ(c->unit, AshaResourceUnit::kSeconds);
  EXPECT_EQ(c->direction, AshaDirection::kMaximize);
  EXPECT_NO_THROW(doc.checkUnknownKeys());
  EXPECT_EQ(AshaStopper(*c).rungs(), (std::vector<double>{200, 600, 1800}));

  ConfigDocument defaults = sweepYaml("    min_resource: 10\n    max_resource: 100\n");
  const std::optional<AshaConfig> d = parseAshaConfig(defaults.root(), AshaDirection::kMinimize);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->reductionFactor, kAshaDefaultReductionFactor);
  EXPECT_EQ(d->unit, AshaResourceUnit::kSteps);

  ConfigDocument none = ConfigDocument::parse("workload: fmnist_mlp\n", "sweep.yaml");
  EXPECT_FALSE(parseAshaConfig(none.root(), AshaDirection::kMinimize).has_value());
  ConfigDocument empty = ConfigDocument::parse("early_stopping: {}\n", "sweep.yaml");
  EXPECT_FALSE(parseAshaConfig(empty.root(), AshaDirection::kMinimize).has_value());
}

TEST(Asha, YamlErrorsNameFileLineAndKey) {
  auto parseError = [](const std::string& asha) {
    ConfigDocument doc = sweepYaml(asha);
    return errorOf<ConfigError>([&] { parseAshaConfig(doc.root(), AshaDirection::kMinimize); });
  };
  // Lines: 1 workload, 2 early_stopping, 3 asha, 4.. the keys below.
  std::string msg = parseError("    reduction_factor: 1\n    min_resource: 200\n    max_resource: 2000\n");
  EXPECT_NE(msg.find("sweep.yaml:4: early_stopping.asha.reduction_factor"), std::string::npos) << msg;
  EXPECT_NE(msg.find("got 1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("between 2 and 1000"), std::string::npos) << msg;

  msg = parseError("    min_resource: 0\n    max_resource: 2000\n");
  EXPECT_NE(msg.find("sweep.yaml:4: early_stopping.asha.min_resource"), std::string::npos) << msg;
  EXPECT_NE(msg.find("> 0"), std::string::npos) << msg;

  msg = parseError("    min_resource: 200\n    max_resource: 200\n");
  EXPECT_NE(msg.find("sweep.yaml:5: early_stopping.asha.max_resource: got 200; expected a value > min_resource = 200"),
            std::string::npos)
      << msg;

  msg = parseError("    min_resource: 200\n");
  EXPECT_NE(msg.find("early_stopping.asha.max_resource: missing"), std::string::npos) << msg;
  EXPECT_NE(msg.find("sweep.yaml:"), std::string::npos) << msg;

  msg = parseError("    min_resource: 200.5\n    max_resource: 2000\n");
  EXPECT_NE(msg.find("sweep.yaml:4: early_stopping.asha.min_resource: got 200.5; expected a whole number of steps"),
            std::string::npos)
      << msg;

  msg = parseError("    min_resource: 1\n    max_resource: 20\n    unit: minutes\n");
  EXPECT_NE(msg.find("sweep.yaml:6: early_stopping.asha.unit"), std::string::npos) << msg;
  EXPECT_NE(msg.find("seconds"), std::string::npos) << msg;

  // Fractional seconds are fine.
  ConfigDocument ok = sweepYaml("    min_resource: 0.5\n    max_resource: 20\n    unit: seconds\n");
  EXPECT_NO_THROW(parseAshaConfig(ok.root(), AshaDirection::kMinimize));

  // Unknown keys under asha are caught by the document's unknown-key check.
  ConfigDocument typo = sweepYaml("    min_resource: 1\n    max_resource: 20\n    grace_period: 3\n");
  typo.root().getString("workload", "");
  parseAshaConfig(typo.root(), AshaDirection::kMinimize);
  msg = errorOf<ConfigError>([&] { typo.checkUnknownKeys(); });
  EXPECT_NE(msg.find("early_stopping.asha.grace_period"), std::string::npos) << msg;
}

}  // namespace
}  // namespace gaplab
