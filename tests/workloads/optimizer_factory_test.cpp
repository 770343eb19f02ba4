// tests/workloads/optimizer_factory_test.cpp — config names map to the right optimizer and schedule classes.
#include "workloads/optimizer_factory.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "core/optim/adamw.h"
#include "core/optim/lamb.h"
#include "core/optim/nadamw.h"
#include "core/optim/sgd.h"

namespace gaplab {
namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

OptimizerConfig optimizerNamed(const std::string& name) {
  OptimizerConfig c;
  c.name = name;
  c.momentum = 0.8;
  c.beta1 = 0.85;
  c.beta2 = 0.98;
  c.eps = 1e-6;
  c.weightDecay = 0.003;
  return c;
}

TEST(OptimizerFactory, SgdVariantsSelectTheirMomentum) {
  const struct {
    const char* name;
    Momentum momentum;
  } cases[] = {{"sgd", Momentum::kNone}, {"momentum", Momentum::kHeavyBall}, {"nesterov", Momentum::kNesterov}};
  for (const auto& c : cases) {
    auto optimizer = makeOptimizer(optimizerNamed(c.name));
    ASSERT_NE(optimizer, nullptr);
    EXPECT_EQ(optimizer->name(), "sgd");
    const auto* sgd = dynamic_cast<const Sgd*>(optimizer.get());
    ASSERT_NE(sgd, nullptr) << c.name;
    EXPECT_EQ(sgd->options().momentum, c.momentum) << c.name;
    EXPECT_FLOAT_EQ(sgd->options().beta, 0.8f);
    EXPECT_FLOAT_EQ(sgd->options().weightDecay, 0.003f);
  }
}

TEST(OptimizerFactory, AdamFamilyKeepsBetasEpsAndWeightDecay) {
  auto adamw = makeOptimizer(optimizerNamed("adamw"));
  EXPECT_EQ(adamw->name(), "adamw");
  const auto* a = dynamic_cast<const AdamW*>(adamw.get());
  ASSERT_NE(a, nullptr);
  EXPECT_FLOAT_EQ(a->options().beta1, 0.85f);
  EXPECT_FLOAT_EQ(a->options().beta2, 0.98f);
  EXPECT_FLOAT_EQ(a->options().eps, 1e-6f);
  EXPECT_FLOAT_EQ(a->options().weightDecay, 0.003f);

  auto nadamw = makeOptimizer(optimizerNamed("nadamw"));
  EXPECT_EQ(nadamw->name(), "nadamw");
  const auto* n = dynamic_cast<const NAdamW*>(nadamw.get());
  ASSERT_NE(n, nullptr);
  EXPECT_FLOAT_EQ(n->options().beta2, 0.98f);

  auto lamb = makeOptimizer(optimizerNamed("lamb"));
  EXPECT_EQ(lamb->name(), "lamb");
  const auto* l = dynamic_cast<const Lamb*>(lamb.get());
  ASSERT_NE(l, nullptr);
  EXPECT_FLOAT_EQ(l->options().weightDecay, 0.003f);
}

TEST(OptimizerFactory, UnknownOptimizerThrowsListingTheChoices) {
  try {
    makeOptimizer(optimizerNamed("adagrad"));
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& error) {
    const std::string message = error.what();
    EXPECT_TRUE(contains(message, "'adagrad'")) << message;
    EXPECT_TRUE(contains(message, "optimizer.name")) << message;
    EXPECT_TRUE(contains(message, "sgd, momentum, nesterov, adamw, nadamw or lamb")) << message;
  }
  EXPECT_THROW(makeOptimizer(optimizerNamed("SGD")), std::invalid_argument);  // names are case-sensitive
}

TEST(OptimizerFactory, InvalidOptionsAreRejectedByTheOptimizer) {
  OptimizerConfig c = optimizerNamed("momentum");
  c.momentum = 1.5;
  EXPECT_THROW(makeOptimizer(c), std::invalid_argument);
}

ScheduleConfig scheduleNamed(const std::string& name) {
  ScheduleConfig c;
  c.name = name;
  c.warmupSteps = 10;
  c.totalSteps = 100;
  c.floorRatio = 0.1;
  c.milestones = {50, 80};
  c.gamma = 0.5;
  c.decayFraction = 0.2;
  return c;
}

TEST(OptimizerFactory, EveryScheduleNameMapsToItsClass) {
  const struct {
    const char* config;
    const char* className;
  } cases[] = {{"constant", "constant"},
               {"warmup_cosine", "warmup_cosine"},
               {"warmup_linear", "warmup_linear_decay"},
               {"step", "step_decay"},
               {"wsd", "warmup_stable_decay"}};
  for (const auto& c : cases) {
    auto schedule = makeSchedule(scheduleNamed(c.config), 0.2);
    ASSERT_NE(schedule, nullptr);
    EXPECT_EQ(schedule->name(), c.className) << c.config;
    EXPECT_DOUBLE_EQ(schedule->learningRate(0), 0.0) << c.config << ": warmup starts at 0";
    EXPECT_NEAR(schedule->learningRate(10), 0.2, 1e-12) << c.config << ": peak after warmup";
  }
}

TEST(OptimizerFactory, SchedulesReceiveTheirArguments) {
  // Decays end at peak * floorRatio.
  EXPECT_NEAR(makeSchedule(scheduleNamed("warmup_cosine"), 0.2)->learningRate(100), 0.02, 1e-12);
  EXPECT_NEAR(makeSchedule(scheduleNamed("warmup_linear"), 0.2)->learningRate(100), 0.02, 1e-12);
  EXPECT_NEAR(makeSchedule(scheduleNamed("wsd"), 0.2)->learningRate(100), 0.02, 1e-12);
  // wsd is still at the peak before its last 20 steps.
  EXPECT_NEAR(makeSchedule(scheduleNamed("wsd"), 0.2)->learningRate(79), 0.2, 1e-12);
  // step: gamma at each milestone.
  auto step = makeSchedule(scheduleNamed("step"), 0.2);
  EXPECT_NEAR(step->learningRate(49), 0.2, 1e-12);
  EXPECT_NEAR(step->learningRate(50), 0.1, 1e-12);
  EXPECT_NEAR(step->learningRate(80), 0.05, 1e-12);
  // constant ignores totalSteps and the floor.
  EXPECT_NEAR(makeSchedule(scheduleNamed("constant"), 0.2)->learningRate(1000), 0.2, 1e-12);
}

TEST(OptimizerFactory, UnknownScheduleThrowsListingTheChoices) {
  try {
    makeSchedule(scheduleNamed("cosine"), 0.1);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& error) {
    const std::string message = error.what();
    EXPECT_TRUE(contains(message, "'cosine'")) << message;
    EXPECT_TRUE(contains(message, "schedule.name")) << message;
    EXPECT_TRUE(contains(message, "constant, warmup_cosine, warmup_linear, step or wsd")) << message;
  }
}

}  // namespace
}  // namespace gaplab
