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
