// sweeps/search_space.cpp — see search_space.h.
#include "sweeps/search_space.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <map>
#include <stdexcept>

#include "core/config/config_error.h"

namespace gaplab {
namespace {

constexpr DimensionKind kAllKinds[] = {DimensionKind::kGrid, DimensionKind::kChoice, DimensionKind::kUniform,
                                       DimensionKind::kLogUniform, DimensionKind::kInt};

// Parses the whole of `text` as a finite number.
bool parseNumber(const std::string& text, double& out) {
  if (text.empty()) return false;
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size() && std::isfinite(out);
}

bool parseInteger(const std::string& text, int64_t& out) {
  const char* first = text.data();
  const char* last = first + text.size();
  if (first != last && *first == '+') ++first;
  auto [ptr, ec] = std::from_chars(first, last, out);
  return ec == std::errc() && ptr == last && first != last;
}

// A choice/grid value as the YAML text that --set will read back as the same value.
std::string scalarYamlText(const YAML::Node& n) {
  const std::string& s = n.Scalar();
  if (n.Tag() != "!") return s;  // plain scalar: exactly as written
  // Quoted in the file: it is a string. Keep it bare unless YAML would read the
  // bare text as something else (a number, a bool, null) or not as one scalar.
  double ignored = 0.0;
  bool needsQuotes = s.empty() || parseNumber(s, ignored);
  static const char* kWords[] = {"true", "false", "yes", "no", "on", "off", "null", "~", "y", "n"};
  std::string lower = s;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* w : kWords) needsQuotes = needsQuotes || lower == w;
  if (!needsQuotes) {
    try {
      const YAML::Node back = YAML::Load(s);
      needsQuotes = !back.IsScalar() || back.Scalar() != s;
    } catch (const YAML::Exception&) {
      needsQuotes = true;
    }
  }
  if (!needsQuotes) return s;
  YAML::Emitter out;
  out << YAML::DoubleQuoted << s;
  return out.c_str();
}

std::string listText(const YAML::Node& list) {
  std::string out = "[";
  bool first = true;
  for (const auto& item : list) {
    out += (first ? "" : ", ") + (item.IsScalar() ? item.Scalar() : std::string("..."));
    first = false;
  }
  return out + "]";
}

double clampUnit(double u) {
  if (std::isnan(u)) throw std::invalid_argument("SearchSpace: unit-cube coordinate is NaN");
  return std::clamp(u, 0.0, std::nextafter(1.0, 0.0));
}

int64_t cellIndex(double u, int64_t n) { return std::min<int64_t>(static_cast<int64_t>(std::floor(u * n)), n - 1); }

std::string valueText(const Dimension& dim, double u) {
  switch (dim.kind) {
    case DimensionKind::kUniform: {
      double v = dim.low + u * (dim.high - dim.low);
      if (v >= dim.high) v = std::nextafter(dim.high, dim.low);
      return exactNumberText(std::max(v, dim.low));
    }
    case DimensionKind::kLogUniform: {
      // low * exp(u log(high/low)), as AlgoPerf: u = 0 gives exactly low.
      const double v = dim.low * std::exp(u * std::log(dim.high / dim.low));
      return exactNumberText(std::clamp(v, dim.low, dim.high));
    }
    case DimensionKind::kInt: return std::to_string(dim.intLow + cellIndex(u, dim.cardinality()));
    case DimensionKind::kChoice:
    case DimensionKind::kGrid: return dim.values[static_cast<std::size_t>(cellIndex(u, dim.cardinality()))];
  }
  return {};
}

}  // namespace

const char* dimensionKindName(DimensionKind kind) {
  switch (kind) {
    case DimensionKind::kGrid: return "grid";
    case DimensionKind::kChoice: return "choice";
    case DimensionKind::kUniform: return "uniform";
    case DimensionKind::kLogUniform: return "log_uniform";
    case DimensionKind::kInt: return "int";
  }
  return "?";
}

std::string exactNumberText(double v) {
  if (!std::isfinite(v)) throw std::invalid_argument("exactNumberText: value is not finite");
  if (v == 0.0) return "0";  // also -0
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof(buf), v);  // shortest round-trip form
  if (ec != std::errc()) throw std::runtime_error("exactNumberText: formatting failed");
  return std::string(buf, ptr);
}

const std::string* TrialPoint::find(const std::string& key) const {
  for (const auto& [k, v] : values)
    if (k == key) return &v;
  return nullptr;
}

bool isHelperKey(const std::string& key) { return !key.empty() && key.front() == '_'; }

std::vector<std::string> TrialPoint::setAssignments() const {
  std::vector<std::string> out;
  out.reserve(values.size());
  for (const auto& [k, v] : values)
    if (!isHelperKey(k)) out.push_back(k + "=" + v);
  return out;
}

int64_t Dimension::cardinality() const {
  switch (kind) {
    case DimensionKind::kInt: return intHigh - intLow + 1;
    case DimensionKind::kChoice:
    case DimensionKind::kGrid: return static_cast<int64_t>(values.size());
    default: return 0;
  }
}

bool Dimension::numeric() const {
  if (kind != DimensionKind::kChoice && kind != DimensionKind::kGrid) return true;
  double ignored = 0.0;
  return std::all_of(values.begin(), values.end(), [&](const std::string& v) { return parseNumber(v, ignored); });
}

SearchSpace SearchSpace::parse(const ConfigSection& sweep, const YAML::Node& sweepNode) {
  SearchSpace space;
  const YAML::Node spaceNode = sweepNode.IsMap() ? sweepNode["space"] : YAML::Node();
  const ConfigSection spaceSection = sweep.section("space");  // fails unless a mapping
  if (spaceNode && spaceNode.IsMap()) {
    for (const auto& kv : spaceNode) {
      const std::string key = kv.first.Scalar();
      const YAML::Node spec = kv.second;
      const std::string where = spaceSection.where(key);
      auto fail = [&](const std::string& problem) -> void { throw ConfigError(where + ": " + problem); };
      if (!spec.IsMap() || spec.size() != 1)
        fail("expected a mapping with one kind, e.g. {log_uniform: [1.0e-4, 1.0e-1]}; kinds: grid, choice, uniform, "
             "log_uniform, int");
      const std::string kindName = spec.begin()->first.Scalar();
      const YAML::Node list = spec.begin()->second;
      Dimension dim;
      dim.key = key;
      dim.where = where;
      bool known = false;
      for (DimensionKind k : kAllKinds)
        if (kindName == dimensionKindName(k)) {
          dim.kind = k;
          known = true;
        }
      if (!known) fail("unknown kind '" + kindName + "'; expected one of grid, choice, uniform, log_uniform, int");
      if (!list.IsSequence()) fail(kindName + " needs a list, e.g. " + kindName + ": [a, b]");
      for (const auto& item : list)
        if (!item.IsScalar()) fail(kindName + " values must be scalars, got " + listText(list));
      // Mark the kind as read so checkUnknownKeys() accepts it (values come from the node).
      spaceSection.section(key).getStringList(kindName, {});

      if (dim.kind == DimensionKind::kChoice || dim.kind == DimensionKind::kGrid) {
        if (list.size() == 0) fail(kindName + " needs at least one value, got []");
        for (const auto& item : list) dim.values.push_back(scalarYamlText(item));
      } else {
        if (list.size() != 2)
          fail(kindName + " needs exactly two bounds [low, high], got " + std::to_string(list.size()) + ": " +
               listText(list));
        const std::string lowText = list[0].Scalar(), highText = list[1].Scalar();
        if (dim.kind == DimensionKind::kInt) {
          if (!parseInteger(lowText, dim.intLow) || !parseInteger(highText, dim.intHigh))
            fail("int bounds must be integers, got " + listText(list));
          if (dim.intLow >= dim.intHigh) fail("int bounds need low < high, got " + listText(list));
          if (static_cast<double>(dim.intHigh) - static_cast<double>(dim.intLow) > 0x1.0p52)  // no overflow, exact cells
            fail("int range is too wide, got " + listText(list));
        } else {
          if (!parseNumber(lowText, dim.low) || !parseNumber(highText, dim.high))
            fail(kindName + " bounds must be finite numbers, got " + listText(list));
          if (dim.kind == DimensionKind::kLogUniform && (dim.low <= 0.0 || dim.high <= 0.0))
            fail("log_uniform bounds must be > 0, got " + listText(list));
          if (dim.low >= dim.high) fail(kindName + " bounds need low < high, got " + listText(list));
        }
      }
      space.dimensions_.push_back(std::move(dim));
    }
  }

  const YAML::Node derivedNode = sweepNode.IsMap() ? sweepNode["derived"] : YAML::Node();
  if (derivedNode && !derivedNode.IsNull()) {
    const ConfigSection derivedSection = sweep.section("derived");
    std::map<std::string, const Dimension*> known;
    for (const auto& d : space.dimensions_) known[d.key] = &d;
    std::vector<std::string> earlierDerived;
    for (const auto& kv : derivedNode) {
      const std::string key = kv.first.Scalar();
      const std::string where = derivedSection.where(key);
      const std::string text = derivedSection.getString(key, "");
      if (known.count(key))
        throw ConfigError(where + ": '" + key + "' is also a space dimension (" + known[key]->where +
                          "); a key is either sampled or derived");
      if (std::find(earlierDerived.begin(), earlierDerived.end(), key) != earlierDerived.end())
        throw ConfigError(where + ": '" + key + "' is derived twice");
      DerivedExpression expression;
      try {
        expression = DerivedExpression::parse(text);
      } catch (const ConfigError& e) {
        throw ConfigError(where + ": " + e.what());
      }
      for (const std::string& name : expression.names()) {
        auto it = known.find(name);
        const bool isEarlier = std::find(earlierDerived.begin(), earlierDerived.end(), name) != earlierDerived.end();
        if (it == known.end() && !isEarlier) {
          std::string available;
          for (const auto& d : space.dimensions_) available += (available.empty() ? "" : ", ") + d.key;
          for (const auto& d : earlierDerived) available += (available.empty() ? "" : ", ") + d;
          throw ConfigError(where + ": expression '" + text + "' names unknown key '" + name +
                            "'; expected a space key or an earlier derived key" +
                            (available.empty() ? std::string() : " (" + available + ")"));
        }
        if (it != known.end() && !it->second->numeric())
          throw ConfigError(where + ": expression '" + text + "' uses '" + name +
                            "', whose values are not all numbers");
      }
      earlierDerived.push_back(key);
      space.derived_.push_back(DerivedValue{key, std::move(expression), where});
    }
  }
  return space;
}

int SearchSpace::sampledDimensions() const {
  return static_cast<int>(std::count_if(dimensions_.begin(), dimensions_.end(),
                                        [](const Dimension& d) { return d.kind != DimensionKind::kGrid; }));
}

std::vector<TrialPoint> SearchSpace::gridCombinations() const {
  std::vector<TrialPoint> out(1);
  for (const auto& dim : dimensions_) {
    if (dim.kind != DimensionKind::kGrid) continue;
    std::vector<TrialPoint> next;
    next.reserve(out.size() * dim.values.size());
    for (const auto& prefix : out)
      for (const auto& v : dim.values) {
        TrialPoint p = prefix;
        p.values.emplace_back(dim.key, v);
        next.push_back(std::move(p));
      }
    out = std::move(next);
  }
  return out;
}

TrialPoint SearchSpace::fromUnitCube(std::span<const double> u) const {
  const int d = sampledDimensions();
  if (static_cast<int>(u.size()) != d)
    throw std::invalid_argument("SearchSpace::fromUnitCube: got " + std::to_string(u.size()) +
                                " coordinates for " + std::to_string(d) + " sampled dimensions");
  TrialPoint p;
  std::size_t j = 0;
  for (const auto& dim : dimensions_) {
    if (dim.kind == DimensionKind::kGrid) continue;
    const double c = clampUnit(u[j++]);
    p.unit.push_back(c);
    p.values.emplace_back(dim.key, valueText(dim, c));
  }
  return p;
}

void SearchSpace::applyDerived(TrialPoint& point) const {
  if (derived_.empty()) return;
  std::map<std::string, double> numbers;
  for (const auto& [k, v] : point.values) {
    double x = 0.0;
    if (parseNumber(v, x)) numbers[k] = x;
  }
  for (const auto& d : derived_) {
    double v = 0.0;
    try {
      v = d.expression.evaluate(numbers);
    } catch (const std::invalid_argument& e) {
      throw ConfigError(d.where + ": " + e.what());
    }
    if (!std::isfinite(v)) {
      std::string inputs;
      for (const auto& name : d.expression.names())
        inputs += (inputs.empty() ? "" : ", ") + name + "=" + exactNumberText(numbers.at(name));
      throw ConfigError(d.where + ": expression '" + d.expression.text() + "' is not finite for " + inputs);
    }
    const std::string text = exactNumberText(v);
    numbers[d.key] = v;
    bool replaced = false;
    for (auto& [k, old] : point.values)
      if (k == d.key) {
        old = text;
        replaced = true;
      }
    if (!replaced) point.values.emplace_back(d.key, text);
  }
}

TrialPoint SearchSpace::compose(const TrialPoint& gridCombination, std::span<const double> u) const {
  const TrialPoint sampled = fromUnitCube(u);
  TrialPoint p;
  p.unit = sampled.unit;
  for (const auto& dim : dimensions_) {
    const TrialPoint& from = dim.kind == DimensionKind::kGrid ? gridCombination : sampled;
    const std::string* v = from.find(dim.key);
    if (!v) throw std::invalid_argument("SearchSpace::compose: the grid combination has no value for " + dim.key);
    p.values.emplace_back(dim.key, *v);
  }
  applyDerived(p);
  return p;
}

std::vector<TrialPoint> SearchSpace::enumerateAll() const {
  int64_t total = 1;
  for (const auto& dim : dimensions_) {
    if (dim.kind == DimensionKind::kUniform || dim.kind == DimensionKind::kLogUniform)
      throw ConfigError(dim.where + ": the grid sampler cannot enumerate a " + dimensionKindName(dim.kind) +
                        " dimension; expected grid, choice or int dimensions only (or sampler random, halton, "
                        "sobol or bayes)");
    total *= dim.cardinality();
    if (total > kMaxEnumeratedPoints)
      throw ConfigError(dim.where + ": the grid sampler would enumerate more than " +
                        std::to_string(kMaxEnumeratedPoints) + " points; expected a smaller space");
  }
  std::vector<TrialPoint> out(1);
  for (const auto& dim : dimensions_) {
    const int64_t n = dim.cardinality();
    std::vector<TrialPoint> next;
    next.reserve(out.size() * static_cast<std::size_t>(n));
    for (const auto& prefix : out)
      for (int64_t i = 0; i < n; ++i) {
        TrialPoint p = prefix;
        const double centre = (static_cast<double>(i) + 0.5) / static_cast<double>(n);
        p.values.emplace_back(dim.key, valueText(dim, centre));
        if (dim.kind != DimensionKind::kGrid) p.unit.push_back(centre);
        next.push_back(std::move(p));
      }
    out = std::move(next);
  }
  for (auto& p : out) applyDerived(p);
  return out;
}

}  // namespace gaplab
