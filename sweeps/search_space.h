// sweeps/search_space.h — the `space:` and `derived:` maps of a sweep YAML.
//
// Why: samplers think in the unit cube [0,1)^d; trials need `--set key=value`
// texts. SearchSpace is the one place that validates the dimensions (with file,
// line and key), maps unit-cube points onto values (log scale for log_uniform,
// floor(u*n) for int and choice), crosses grid dimensions, evaluates derived
// values, and formats every number so that it parses back to the same double.
//
//   space:
//     optimizer.learning_rate: {log_uniform: [1.0e-4, 1.0e-1]}
//     optimizer.momentum: {uniform: [0.8, 0.99]}
//     training.batch_size: {choice: [64, 128, 256]}   # numbers or strings
//     model.hidden: {int: [64, 512]}                  # inclusive
//     model.depth: {grid: [2, 4]}                     # crossed with every sampled point
//   derived:                                          # in order, after sampling
//     optimizer.learning_rate: "0.1 * sqrt(training.batch_size / 128)"
//
// Dimension order is the order of the YAML map. "Sampled" dimensions are all but
// grid ones; unit-cube coordinate j belongs to the j-th sampled dimension.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/config/config_node.h"
#include "sweeps/derived_expression.h"

namespace gaplab {

enum class DimensionKind { kGrid, kChoice, kUniform, kLogUniform, kInt };

// "grid", "choice", "uniform", "log_uniform", "int".
const char* dimensionKindName(DimensionKind kind);

// One trial's hyperparameters: (dotted run-config key, YAML scalar text) in
// space order, then derived keys in `derived` order. The text is what goes into
// `--set key=text`: numbers in shortest exact form (parse back to the same
// double), integers without a decimal point, choice/grid values as written
// (quoted again where YAML would otherwise read them differently).
struct TrialPoint {
  std::vector<std::pair<std::string, std::string>> values;
  // The unit-cube coordinates of the sampled dimensions this point came from
  // (one per sampled dimension; empty for a point with no sampled dimensions).
  std::vector<double> unit;

  // The text for `key`, or nullptr.
  const std::string* find(const std::string& key) const;
  // {"key=text", ...}, one per value, for `--set`; helper keys are left out.
  std::vector<std::string> setAssignments() const;
  bool operator==(const TrialPoint&) const = default;
};

// A space or derived key that starts with '_' (`_point`, `_one_minus_beta1`) is a
// helper: derived values may read it, it is stored with the trial's parameters,
// but it is no run-config key and is never passed to `--set`.
bool isHelperKey(const std::string& key);

struct Dimension {
  std::string key;
  DimensionKind kind = DimensionKind::kUniform;
  double low = 0.0, high = 0.0;         // uniform, log_uniform
  int64_t intLow = 0, intHigh = 0;      // int (inclusive)
  std::vector<std::string> values;      // choice, grid: the YAML texts
  std::string where;                    // "file:line: space.key" for messages
  // Number of distinct values (choice, grid, int); 0 for continuous kinds.
  int64_t cardinality() const;
  bool numeric() const;                 // every value is a number
};

struct DerivedValue {
  std::string key;
  DerivedExpression expression;
  std::string where;
};

// The shortest decimal text that parses back to exactly `v` ("0.1", "1e-05",
// "256", "0.30000000000000004"); throws std::invalid_argument for NaN or inf.
std::string exactNumberText(double v);

class SearchSpace {
 public:
  SearchSpace() = default;

  // Reads `space:` (and the optional `derived:`) of `sweep`, the section that
  // holds them; `sweepNode` is the same mapping as a YAML node (ConfigSection
  // does not expose its keys). Keys are marked read on `sweep`'s document, so
  // checkUnknownKeys() accepts them, and messages come from sweep.where():
  //   "sweep.yaml:7: space.optimizer.learning_rate: log_uniform bounds must be > 0, got [0, 0.1]".
  // Throws ConfigError for an unknown kind, wrong arity, low >= high, log bounds
  // <= 0, empty choice/grid lists, a derived key that is also a space key, an
  // expression that does not parse, names a key that is neither a space key nor
  // an earlier derived key, or names a choice dimension with non-numeric values.
  // An absent or empty `space:` gives an empty space (see empty()).
  static SearchSpace parse(const ConfigSection& sweep, const YAML::Node& sweepNode);

  bool empty() const { return dimensions_.empty(); }
  const std::vector<Dimension>& dimensions() const { return dimensions_; }
  const std::vector<DerivedValue>& derived() const { return derived_; }

  // Number of non-grid dimensions: the d of the unit cube.
  int sampledDimensions() const;
  // Cartesian product of the grid dimensions in space order, the last one
  // varying fastest (like itertools.product). One empty combination when there
  // are no grid dimensions.
  std::vector<TrialPoint> gridCombinations() const;
  // Maps u in [0,1)^d (d = sampledDimensions(); values outside are clamped)
  // onto the sampled dimensions; `unit` of the result is u (clamped). No derived values.
  TrialPoint fromUnitCube(std::span<const double> u) const;
  // Appends the derived values, evaluated in order. Throws ConfigError naming the
  // derived key when a result is not finite or a referenced value is not numeric.
  void applyDerived(TrialPoint& point) const;
  // One whole trial: the grid combination and the sampled values in space
  // order, then the derived values; `unit` is u.
  TrialPoint compose(const TrialPoint& gridCombination, std::span<const double> u) const;

  // For the grid sampler: every combination of grid, choice and int dimensions
  // (space order, last fastest), derived values applied, `unit` holding the cell
  // centres (i + 0.5) / n of the sampled dimensions. Throws ConfigError naming
  // the first uniform/log_uniform dimension, or when there would be more than
  // kMaxEnumeratedPoints points.
  std::vector<TrialPoint> enumerateAll() const;
  static constexpr int64_t kMaxEnumeratedPoints = 1000000;

 private:
  std::vector<Dimension> dimensions_;
  std::vector<DerivedValue> derived_;
};

}  // namespace gaplab
