// sweeps/derived_expression.cpp — see derived_expression.h.
#include "sweeps/derived_expression.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <stdexcept>

#include "core/config/config_error.h"
#include "sweeps/step_law_fit.h"

namespace gaplab {

enum class NodeKind { kNumber, kName, kNegate, kAdd, kSubtract, kMultiply, kDivide, kPower, kCall };
enum class Function { kSqrt, kLog, kExp, kPow, kMin, kMax, kRound, kFloor, kCeil, kPick, kStepLawLr, kStepLawBatch };

struct DerivedExpression::Node {
  NodeKind kind = NodeKind::kNumber;
  double number = 0.0;
  std::string name;
  Function function = Function::kSqrt;
  std::vector<std::shared_ptr<const Node>> children;
};

namespace {

using NodePtr = std::shared_ptr<const DerivedExpression::Node>;

struct FunctionSpec {
  const char* name;
  Function function;
  int minArgs;
  int maxArgs;  // -1: any number >= minArgs
};

constexpr FunctionSpec kFunctions[] = {
    {"sqrt", Function::kSqrt, 1, 1},   {"log", Function::kLog, 1, 1},    {"exp", Function::kExp, 1, 1},
    {"pow", Function::kPow, 2, 2},     {"min", Function::kMin, 2, -1},   {"max", Function::kMax, 2, -1},
    {"round", Function::kRound, 1, 1}, {"floor", Function::kFloor, 1, 1}, {"ceil", Function::kCeil, 1, 1},
    {"pick", Function::kPick, 2, -1},  // pick(i, v0, v1, ...) = v_i: one of a list of configurations
    // Step Law's published optimum (kPublishedStepLaw): lr at (N non-embedding params, D tokens), batch in tokens at D.
    {"steplaw_lr", Function::kStepLawLr, 2, 2}, {"steplaw_batch", Function::kStepLawBatch, 1, 1},
};

bool isNameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool isNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'; }

class Parser {
 public:
  explicit Parser(const std::string& text) : text_(text) {}

  NodePtr parseAll() {
    skipSpace();
    if (pos_ >= text_.size()) fail(pos_, "the expression is empty");
    NodePtr root = parseSum();
    skipSpace();
    if (pos_ < text_.size()) fail(pos_, std::string("unexpected '") + text_[pos_] + "'");
    return root;
  }

  std::vector<std::string> names;

 private:
  [[noreturn]] void fail(std::size_t at, const std::string& problem) const {
    throw ConfigError("expression '" + text_ + "': column " + std::to_string(at + 1) + ": " + problem);
  }

  void skipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }

  bool accept(char c) {
    skipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  static NodePtr binary(NodeKind kind, NodePtr a, NodePtr b) {
    auto n = std::make_shared<DerivedExpression::Node>();
    n->kind = kind;
    n->children = {std::move(a), std::move(b)};
    return n;
  }

  NodePtr parseSum() {
    NodePtr left = parseProduct();
    for (;;) {
      if (accept('+')) {
        left = binary(NodeKind::kAdd, left, parseProduct());
      } else if (accept('-')) {
        left = binary(NodeKind::kSubtract, left, parseProduct());
      } else {
        return left;
      }
    }
  }

  NodePtr parseProduct() {
    NodePtr left = parseUnary();
    for (;;) {
      if (accept('*')) {
        left = binary(NodeKind::kMultiply, left, parseUnary());
      } else if (accept('/')) {
        left = binary(NodeKind::kDivide, left, parseUnary());
      } else {
        return left;
      }
    }
  }

  NodePtr parseUnary() {
    if (accept('-')) {
      auto n = std::make_shared<DerivedExpression::Node>();
      n->kind = NodeKind::kNegate;
      n->children = {parseUnary()};
      return n;
    }
    if (accept('+')) return parseUnary();
    return parsePower();
  }

  NodePtr parsePower() {
    NodePtr base = parsePrimary();
    if (accept('^')) return binary(NodeKind::kPower, base, parseUnary());  // right-associative
    return base;
  }

  NodePtr parsePrimary() {
    skipSpace();
    if (pos_ >= text_.size()) fail(pos_, "unexpected end; expected a number, a name or '('");
    const std::size_t start = pos_;
    const char c = text_[pos_];
    if (c == '(') {
      ++pos_;
      NodePtr inner = parseSum();
      if (!accept(')')) fail(pos_, "expected ')' to close the '(' at column " + std::to_string(start + 1));
      return inner;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') return parseNumber();
    if (isNameStart(c)) {
      while (pos_ < text_.size() && isNameChar(text_[pos_])) ++pos_;
      std::string name = text_.substr(start, pos_ - start);
      if (name.back() == '.') fail(pos_ - 1, "a name cannot end with '.'");
      skipSpace();
      if (pos_ < text_.size() && text_[pos_] == '(') {
        ++pos_;
        return parseCall(name, start);
      }
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
      auto n = std::make_shared<DerivedExpression::Node>();
      n->kind = NodeKind::kName;
      n->name = std::move(name);
      return n;
    }
    fail(pos_, std::string("unexpected '") + c + "'; expected a number, a name or '('");
  }

  NodePtr parseNumber() {
    const std::size_t start = pos_;
    while (pos_ < text_.size() && (std::isdigit(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '.')) ++pos_;
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      std::size_t p = pos_ + 1;
      if (p < text_.size() && (text_[p] == '+' || text_[p] == '-')) ++p;
      if (p < text_.size() && std::isdigit(static_cast<unsigned char>(text_[p]))) {
        pos_ = p;
        while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
      } else {
        fail(pos_, "malformed exponent in number");
      }
    }
    const std::string literal = text_.substr(start, pos_ - start);
    char* end = nullptr;
    const double v = std::strtod(literal.c_str(), &end);
    if (end != literal.c_str() + literal.size() || literal == ".")
      fail(start, "malformed number '" + literal + "'");
    if (pos_ < text_.size() && isNameStart(text_[pos_]))
      fail(pos_, "unexpected '" + std::string(1, text_[pos_]) + "' after the number " + literal);
    auto n = std::make_shared<DerivedExpression::Node>();
    n->kind = NodeKind::kNumber;
    n->number = v;
    return n;
  }

  NodePtr parseCall(const std::string& name, std::size_t start) {
    const FunctionSpec* spec = nullptr;
    for (const auto& f : kFunctions)
      if (name == f.name) spec = &f;
    if (!spec) fail(start, "unknown function '" + name + "'; expected one of sqrt, log, exp, pow, min, max, round, floor, ceil, pick, steplaw_lr, steplaw_batch");
    auto n = std::make_shared<DerivedExpression::Node>();
    n->kind = NodeKind::kCall;
    n->function = spec->function;
    n->name = name;
    if (!accept(')')) {
      do {
        n->children.push_back(parseSum());
      } while (accept(','));
      if (!accept(')')) fail(pos_, "expected ',' or ')' in the arguments of " + name + "()");
    }
    const int count = static_cast<int>(n->children.size());
    if (count < spec->minArgs || (spec->maxArgs >= 0 && count > spec->maxArgs)) {
      const std::string expected = spec->maxArgs < 0 ? "at least " + std::to_string(spec->minArgs)
                                                     : std::to_string(spec->minArgs);
      fail(start, name + "() takes " + expected + " argument" + (spec->minArgs == 1 && spec->maxArgs == 1 ? "" : "s") +
                      ", got " + std::to_string(count));
    }
    return n;
  }

  const std::string& text_;
  std::size_t pos_ = 0;
};

double eval(const DerivedExpression::Node& n, const std::map<std::string, double>& values, const std::string& text) {
  auto arg = [&](std::size_t i) { return eval(*n.children[i], values, text); };
  switch (n.kind) {
    case NodeKind::kNumber: return n.number;
    case NodeKind::kName: {
      auto it = values.find(n.name);
      if (it == values.end())
        throw std::invalid_argument("expression '" + text + "': no value for '" + n.name + "'");
      return it->second;
    }
    case NodeKind::kNegate: return -arg(0);
    case NodeKind::kAdd: return arg(0) + arg(1);
    case NodeKind::kSubtract: return arg(0) - arg(1);
    case NodeKind::kMultiply: return arg(0) * arg(1);
    case NodeKind::kDivide: return arg(0) / arg(1);
    case NodeKind::kPower: return std::pow(arg(0), arg(1));
    case NodeKind::kCall: break;
  }
  switch (n.function) {
    case Function::kSqrt: return std::sqrt(arg(0));
    case Function::kLog: return std::log(arg(0));
    case Function::kExp: return std::exp(arg(0));
    case Function::kPow: return std::pow(arg(0), arg(1));
    case Function::kRound: return std::round(arg(0));  // halves away from zero
    case Function::kFloor: return std::floor(arg(0));
    case Function::kCeil: return std::ceil(arg(0));
    case Function::kPick: {
      // An index outside the list, or not an integer, gives NaN: the caller reports it as not finite.
      const double i = arg(0);
      if (!(i >= 0) || i != std::floor(i) || i + 1 >= static_cast<double>(n.children.size())) return std::nan("");
      return arg(static_cast<std::size_t>(i) + 1);
    }
    case Function::kStepLawLr:
    case Function::kStepLawBatch: {
      // N or D not finite and > 0 gives NaN: the caller reports it as not finite.
      const double params = n.function == Function::kStepLawLr ? arg(0) : 1.0;
      const double tokens = arg(n.function == Function::kStepLawLr ? 1 : 0);
      if (!(std::isfinite(params) && params > 0 && std::isfinite(tokens) && tokens > 0)) return std::nan("");
      const StepLawPrediction p = predictStepLaw(kPublishedStepLaw, params, tokens);
      return n.function == Function::kStepLawLr ? p.learningRate : p.batchTokens;
    }
    case Function::kMin:
    case Function::kMax: {
      double r = arg(0);
      for (std::size_t i = 1; i < n.children.size(); ++i)
        r = n.function == Function::kMin ? std::min(r, arg(i)) : std::max(r, arg(i));
      return r;
    }
  }
  return 0.0;
}

}  // namespace

DerivedExpression DerivedExpression::parse(const std::string& text) {
  DerivedExpression e;
  e.text_ = text;
  Parser parser(e.text_);
  e.root_ = parser.parseAll();
  e.names_ = std::move(parser.names);
  return e;
}

double DerivedExpression::evaluate(const std::map<std::string, double>& values) const {
  if (!root_) throw std::logic_error("DerivedExpression::evaluate on an expression that was never parsed");
  return eval(*root_, values, text_);
}

}  // namespace gaplab
