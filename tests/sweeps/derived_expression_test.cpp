// tests/sweeps/derived_expression_test.cpp — the derived-value expression language.
//
// Why: derived values set real hyperparameters (the learning rate from the batch
// size); precedence or associativity slips would silently train the wrong runs,
// and parse errors must point at the column.
#include "sweeps/derived_expression.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>

#include "core/config/config_error.h"
#include "sweeps/step_law_fit.h"

namespace gaplab {
namespace {

double eval(const std::string& text, const std::map<std::string, double>& values = {}) {
  return DerivedExpression::parse(text).evaluate(values);
}

std::string parseError(const std::string& text) {
  try {
    DerivedExpression::parse(text);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(DerivedExpression, ArithmeticAndPrecedence) {
  EXPECT_DOUBLE_EQ(eval("1 + 2 * 3"), 7.0);
  EXPECT_DOUBLE_EQ(eval("(1 + 2) * 3"), 9.0);
  EXPECT_DOUBLE_EQ(eval("8 / 4 / 2"), 1.0);       // left-associative
  EXPECT_DOUBLE_EQ(eval("10 - 4 - 3"), 3.0);
  EXPECT_DOUBLE_EQ(eval("2 ^ 3 ^ 2"), 512.0);     // right-associative
  EXPECT_DOUBLE_EQ(eval("-2 ^ 2"), -4.0);         // ^ binds tighter than unary minus
  EXPECT_DOUBLE_EQ(eval("2 ^ -1"), 0.5);
  EXPECT_DOUBLE_EQ(eval("--3"), 3.0);
  EXPECT_DOUBLE_EQ(eval("1.5e-3 * 2"), 3e-3);
  EXPECT_DOUBLE_EQ(eval(".5 + 1E2"), 100.5);
}

TEST(DerivedExpression, FunctionsAndNames) {
  const std::map<std::string, double> v{{"training.batch_size", 512.0}, {"model.hidden", 3.0}};
  EXPECT_DOUBLE_EQ(eval("0.1 * sqrt(training.batch_size / 128)", v), 0.2);
  EXPECT_DOUBLE_EQ(eval("log(exp(2))"), 2.0);
  EXPECT_DOUBLE_EQ(eval("pow(2, 10)"), 1024.0);
  EXPECT_DOUBLE_EQ(eval("min(3, 1, 2)"), 1.0);
  EXPECT_DOUBLE_EQ(eval("max(model.hidden, 2)", v), 3.0);
  EXPECT_DOUBLE_EQ(eval("round(2.5) + floor(-1.5) + ceil(1.2)"), 3.0 - 2.0 + 2.0);
  const DerivedExpression e = DerivedExpression::parse("a.b * a.b + c");
  EXPECT_EQ(e.names(), (std::vector<std::string>{"a.b", "c"}));
  EXPECT_THROW(e.evaluate({{"a.b", 1.0}}), std::invalid_argument);  // c missing
  EXPECT_TRUE(std::isnan(eval("sqrt(-1)")));                       // the caller judges finiteness
}

TEST(DerivedExpression, ParseErrorsNameExpressionAndColumn) {
  EXPECT_EQ(parseError("1 +"), "expression '1 +': column 4: unexpected end; expected a number, a name or '('");
  EXPECT_EQ(parseError("(1 + 2"), "expression '(1 + 2': column 7: expected ')' to close the '(' at column 1");
  EXPECT_EQ(parseError("1 2"), "expression '1 2': column 3: unexpected '2'");
  EXPECT_NE(parseError("foo(1)").find("column 1: unknown function 'foo'"), std::string::npos);
  EXPECT_NE(parseError("2 * pow(1)").find("column 5: pow() takes 2 arguments, got 1"), std::string::npos);
  EXPECT_NE(parseError("sqrt(1, 2)").find("sqrt() takes 1 argument, got 2"), std::string::npos);
  EXPECT_NE(parseError("1 $ 2").find("column 3"), std::string::npos);
  EXPECT_NE(parseError("").find("empty"), std::string::npos);
  EXPECT_NE(parseError("1e+").find("malformed exponent"), std::string::npos);
  EXPECT_NE(parseError("2x").find("column 2"), std::string::npos);
  // Nothing but arithmetic: no assignment, no strings, no calls of names.
  EXPECT_NE(parseError("a = 1").find("unexpected '='"), std::string::npos);
  EXPECT_NE(parseError("'x'").find("unexpected '''"), std::string::npos);
}

}  // namespace
}  // namespace gaplab

namespace gaplab {
namespace {

// pick(i, v0, v1, ...): one of a list of whole configurations (AlgoPerf's discrete search spaces).
TEST(DerivedExpression, PickIndexesAList) {
  const std::map<std::string, double> v{{"_point", 2.0}};
  EXPECT_DOUBLE_EQ(eval("pick(_point, 10, 20, 30)", v), 30.0);
  EXPECT_DOUBLE_EQ(eval("1 - pick(0, 0.1, 0.2)"), 0.9);
  EXPECT_TRUE(std::isnan(eval("pick(3, 10, 20, 30)")));   // out of range: not finite, reported by the caller
  EXPECT_TRUE(std::isnan(eval("pick(0.5, 10, 20)")));     // not an integer
  EXPECT_TRUE(std::isnan(eval("pick(-1, 10, 20)")));
  EXPECT_NE(parseError("pick(1)").find("pick"), std::string::npos);  // needs a list
}

}  // namespace
}  // namespace gaplab

namespace gaplab {
namespace {

// steplaw_lr(N, D) and steplaw_batch(D): Step Law's published optimum (arXiv:2503.04715) as a derived value.
TEST(DerivedExpression, StepLawFunctionsGiveThePublishedOptimum) {
  // By hand: 1.79 * 1e8^-0.713 * 1e10^0.307 and 0.58 * 1e10^0.571.
  EXPECT_NEAR(eval("steplaw_lr(1e8, 1e10)"), 1.79 * std::pow(1e8, -0.713) * std::pow(1e10, 0.307), 1e-15);
  EXPECT_NEAR(eval("steplaw_lr(1e8, 1e10)"), 4.15770e-3, 1e-8);
  EXPECT_NEAR(eval("steplaw_batch(1e10)"), 0.58 * std::pow(1e10, 0.571), 1e-9);
  EXPECT_NEAR(eval("steplaw_batch(1e10)"), 2.974596e5, 1.0);
  // The same numbers as predictStepLaw, and composable with sampled keys.
  const StepLawPrediction p = predictStepLaw(kPublishedStepLaw, 24576, 262144);
  const std::map<std::string, double> v{{"_n", 24576}, {"data.token_budget", 262144}, {"_shift", -2}};
  EXPECT_DOUBLE_EQ(eval("steplaw_lr(_n, data.token_budget) * 2^_shift", v), p.learningRate / 4);
  EXPECT_DOUBLE_EQ(eval("round(steplaw_batch(data.token_budget) / 64)", v), std::round(p.batchTokens / 64));
  EXPECT_EQ(DerivedExpression::parse("steplaw_lr(_n, data.token_budget)").names(),
            (std::vector<std::string>{"_n", "data.token_budget"}));
  // N or D not > 0: NaN, reported by the caller as not finite.
  EXPECT_TRUE(std::isnan(eval("steplaw_lr(0, 1e6)")));
  EXPECT_TRUE(std::isnan(eval("steplaw_lr(1e6, -1)")));
  EXPECT_TRUE(std::isnan(eval("steplaw_batch(0)")));
  EXPECT_TRUE(std::isnan(eval("steplaw_batch(1/0)")));
  EXPECT_NE(parseError("steplaw_lr(1e6)").find("steplaw_lr() takes 2 arguments, got 1"), std::string::npos);
  EXPECT_NE(parseError("steplaw_batch(1, 2)").find("steplaw_batch() takes 1 argument, got 2"), std::string::npos);
  EXPECT_NE(parseError("steplaw(1)").find("steplaw_lr, steplaw_batch"), std::string::npos);
}

}  // namespace
}  // namespace gaplab
