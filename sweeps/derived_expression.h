// sweeps/derived_expression.h — arithmetic over sampled hyperparameters ("0.1 * sqrt(training.batch_size / 128)").
//
// Why: sweeps often tie one hyperparameter to others (the square-root learning-rate
// scaling rule, warmup proportional to steps). A tiny recursive-descent parser keeps
// that declarative in the sweep YAML without evaluating anything but arithmetic:
// numbers, dotted parameter names, + - * / ^ (right-associative), unary minus,
// parentheses and the functions sqrt, log, exp, pow, min, max, round, floor, ceil,
// pick(i, v0, v1, ...) = v_i (a list of configurations indexed by one choice),
// and Step Law's published optimum (sweeps/step_law_fit.h, kPublishedStepLaw):
// steplaw_lr(N, D) = 1.79 N^-0.713 D^0.307 (N non-embedding parameters, D tokens)
// and steplaw_batch(D) = 0.58 D^0.571 tokens; NaN unless N and D are finite and > 0.
// Precedence, loosest first: + -, then * /, then unary minus, then ^ (so -2^2 = -4
// and 2^-1 = 0.5, as in most calculators and Python).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace gaplab {

class DerivedExpression {
 public:
  // Throws ConfigError "expression '<text>': column <c>: <problem>" (columns from 1)
  // for syntax errors, unknown functions and wrong argument counts.
  static DerivedExpression parse(const std::string& text);

  // Evaluates with `values` giving each parameter name. Throws std::invalid_argument
  // naming the expression when a name has no value. The result may be non-finite
  // (sqrt(-1), 1/0); callers decide whether that is an error.
  double evaluate(const std::map<std::string, double>& values) const;

  // Every parameter name the expression reads, in order of first appearance.
  const std::vector<std::string>& names() const { return names_; }
  const std::string& text() const { return text_; }

  struct Node;

 private:
  std::string text_;
  std::shared_ptr<const Node> root_;
  std::vector<std::string> names_;
};

}  // namespace gaplab
