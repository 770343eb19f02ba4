// core/config/config_node.cpp — see config_node.h.
#include "core/config/config_node.h"

#include <cmath>
#include <fstream>
#include <sstream>

namespace gaplab {
namespace {

std::string scalarText(const YAML::Node& n) {
  if (n.IsScalar()) return "'" + n.Scalar() + "'";
  if (n.IsSequence()) return "a list";
  if (n.IsMap()) return "a mapping";
  return "nothing";
}

std::string numberText(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

void collectUnknown(const YAML::Node& node, const std::string& path, const ConfigDocument::State& state,
                    std::vector<std::pair<std::string, YAML::Mark>>& unknown) {
  if (!node.IsMap()) return;
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    const std::string full = path.empty() ? key : path + "." + key;
    if (state.defaultKeys.count(full)) continue;  // a workload default the run does not use
    if (!state.readKeys.count(full)) {
      unknown.emplace_back(full, kv.first.Mark());
    } else if (kv.second.IsMap()) {
      collectUnknown(kv.second, full, state, unknown);
    }
  }
}

void mergeInto(YAML::Node target, const YAML::Node& defaults, const std::string& path,
               std::set<std::string>& defaultKeys) {
  for (const auto& kv : defaults) {
    const std::string key = kv.first.Scalar();
    const std::string full = path.empty() ? key : path + "." + key;
    if (!target[key]) {
      target[key] = YAML::Clone(kv.second);
      defaultKeys.insert(full);
    } else if (target[key].IsMap() && kv.second.IsMap()) {
      mergeInto(target[key], kv.second, full, defaultKeys);
    }
  }
}

// The --set assignment that created `key` or a key below it, if any.
const std::string* overrideFor(const ConfigDocument::State& state, const std::string& key) {
  for (const auto& [path, text] : state.overrideText)
    if (path == key || path.rfind(key + ".", 0) == 0) return &text;
  return nullptr;
}

std::string lineSuffix(int line) { return line >= 0 ? ":" + std::to_string(line + 1) : ""; }

}  // namespace

std::string Range::describe() const {
  const bool hasMin = min > -1e299, hasMax = max < 1e299;
  if (hasMin && hasMax) return "between " + numberText(min) + " and " + numberText(max);
  if (hasMin) return (lower == Lower::kExclusive ? "> " : ">= ") + numberText(min);
  if (hasMax) return "<= " + numberText(max);
  return "any value";
}

bool Range::contains(double v) const {
  if (std::isnan(v)) return false;
  if (lower == Lower::kExclusive ? v <= min : v < min) return false;
  return v <= max;
}

ConfigDocument ConfigDocument::loadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError(path + ": cannot open config file (does it exist and is it readable?)");
  std::stringstream text;
  text << in.rdbuf();
  return parse(text.str(), path);
}

ConfigDocument ConfigDocument::parse(const std::string& text, const std::string& sourceName) {
  ConfigDocument doc;
  doc.state_ = std::make_shared<State>();
  doc.state_->sourceName = sourceName;
  try {
    doc.state_->root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw ConfigError(sourceName + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) +
                      ": YAML syntax error: " + e.msg);
  }
  if (doc.state_->root.IsNull()) doc.state_->root = YAML::Node(YAML::NodeType::Map);
  if (!doc.state_->root.IsMap())
    throw ConfigError(sourceName + ":1: the config must be a YAML mapping of keys to values, got " +
                      scalarText(doc.state_->root));
  return doc;
}

void ConfigDocument::applyOverride(const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ConfigError("--set " + assignment + ": expected key=value, e.g. --set training.batch_size=256");
  const std::string key = assignment.substr(0, eq);
  YAML::Node value;
  try {
    value = YAML::Load(assignment.substr(eq + 1));
  } catch (const YAML::ParserException& e) {
    throw ConfigError("--set " + assignment + ": the value is not valid YAML: " + e.msg);
  }
  std::vector<std::string> parts;
  std::stringstream ss(key);
  for (std::string part; std::getline(ss, part, '.');) {
    if (part.empty()) throw ConfigError("--set " + assignment + ": empty component in key '" + key + "'");
    parts.push_back(part);
  }
  YAML::Node node = state_->root;
  std::string path;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    path += (i ? "." : "") + parts[i];
    YAML::Node child = node[parts[i]];
    if (child && !child.IsMap())
      throw ConfigError("--set " + assignment + ": '" + path + "' is a value, not a section");
    if (!child) node[parts[i]] = YAML::Node(YAML::NodeType::Map);
    node.reset(node[parts[i]]);
  }
  node[parts.back()] = value;
  state_->overrideText[key] = "--set " + assignment;
}

void ConfigDocument::mergeDefaults(const YAML::Node& defaults) {
  if (defaults.IsMap()) mergeInto(state_->root, defaults, "", state_->defaultKeys);
}

ConfigSection ConfigDocument::root() { return ConfigSection(state_, state_->root, ""); }

void ConfigDocument::checkUnknownKeys() const {
  std::vector<std::pair<std::string, YAML::Mark>> unknown;
  collectUnknown(state_->root, "", *state_, unknown);
  if (unknown.empty()) return;
  const auto& [key, mark] = unknown.front();
  const std::string* assignment = overrideFor(*state_, key);
  const std::string where = assignment ? *assignment : state_->sourceName + lineSuffix(mark.line);
  throw ConfigError(where + ": " + key + ": unknown key; expected one of the keys listed in docs/config.md");
}

std::string ConfigDocument::dump() const {
  YAML::Emitter out;
  out << state_->root;
  return out.c_str();
}

ConfigSection::ConfigSection(std::shared_ptr<ConfigDocument::State> state, YAML::Node node, std::string path)
    : state_(std::move(state)), node_(node), path_(std::move(path)) {}

std::string ConfigSection::fullKey(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

std::optional<YAML::Node> ConfigSection::lookup(const std::string& key) const {
  state_->readKeys.insert(fullKey(key));
  if (!node_.IsMap()) return std::nullopt;
  YAML::Node child = node_[key];
  if (!child) return std::nullopt;
  // `lr:` with nothing after it is a mistake, not a request for the default.
  if (child.IsNull()) fail(key, "got no value", "a value (or remove the key to use its default)");
  return child;
}

bool ConfigSection::isExplicit(const std::string& key) const {
  return has(key) && !state_->defaultKeys.count(fullKey(key));
}

bool ConfigSection::has(const std::string& key) const {
  if (!node_.IsMap()) return false;
  YAML::Node child = node_[key];
  return child && !child.IsNull();
}

std::string ConfigSection::where(const std::string& key) const {
  const std::string full = fullKey(key);
  if (const std::string* assignment = overrideFor(*state_, full)) return *assignment + ": " + full;
  int line = -1;
  if (node_.IsMap()) {
    for (const auto& kv : node_)
      if (kv.first.Scalar() == key) line = kv.first.Mark().line;
  }
  if (line < 0 && node_.Mark().line >= 0) line = node_.Mark().line;
  return state_->sourceName + (line >= 0 ? ":" + std::to_string(line + 1) : "") + ": " + full;
}

void ConfigSection::fail(const std::string& key, const std::string& problem, const std::string& expected) const {
  throw ConfigError(where(key) + ": " + problem + "; expected " + expected);
}

int64_t ConfigSection::getInt(const std::string& key, int64_t fallback, Range range) const {
  auto n = lookup(key);
  if (!n) return fallback;
  int64_t v = 0;
  if (!n->IsScalar()) fail(key, "got " + scalarText(*n), "an integer " + range.describe());
  try {
    v = n->as<int64_t>();
  } catch (const YAML::Exception&) {
    fail(key, "got " + scalarText(*n), "an integer " + range.describe());
  }
  if (!range.contains(static_cast<double>(v))) fail(key, "got " + std::to_string(v), "an integer " + range.describe());
  return v;
}

double ConfigSection::getDouble(const std::string& key, double fallback, Range range) const {
  auto n = lookup(key);
  if (!n) return fallback;
  double v = 0;
  if (!n->IsScalar()) fail(key, "got " + scalarText(*n), "a number " + range.describe());
  try {
    v = n->as<double>();
  } catch (const YAML::Exception&) {
    fail(key, "got " + scalarText(*n), "a number " + range.describe());
  }
  if (!range.contains(v)) fail(key, "got " + numberText(v), "a number " + range.describe());
  return v;
}

std::string ConfigSection::getString(const std::string& key, const std::string& fallback) const {
  auto n = lookup(key);
  if (!n) return fallback;
  if (!n->IsScalar()) fail(key, "got " + scalarText(*n), "a string");
  return n->Scalar();
}

std::string ConfigSection::getChoice(const std::string& key, const std::string& fallback,
                                     const std::vector<std::string>& choices) const {
  const std::string v = getString(key, fallback);
  for (const auto& c : choices)
    if (c == v) return v;
  std::string list;
  for (std::size_t i = 0; i < choices.size(); ++i) list += (i ? ", " : "") + choices[i];
  fail(key, "got '" + v + "'", "one of: " + list);
}

std::vector<int64_t> ConfigSection::getIntList(const std::string& key, const std::vector<int64_t>& fallback,
                                               Range range) const {
  auto n = lookup(key);
  if (!n) return fallback;
  if (!n->IsSequence()) fail(key, "got " + scalarText(*n), "a list of integers " + range.describe());
  std::vector<int64_t> out;
  for (const auto& item : *n) {
    try {
      out.push_back(item.as<int64_t>());
    } catch (const YAML::Exception&) {
      fail(key, "element " + scalarText(item), "a list of integers " + range.describe());
    }
    if (!range.contains(static_cast<double>(out.back())))
      fail(key, "element " + std::to_string(out.back()), "integers " + range.describe());
  }
  return out;
}

std::vector<std::string> ConfigSection::getStringList(const std::string& key,
                                                     const std::vector<std::string>& fallback) const {
  auto n = lookup(key);
  if (!n) return fallback;
  if (n->IsScalar()) return {n->Scalar()};  // a single name is a one-element list
  if (!n->IsSequence()) fail(key, "got " + scalarText(*n), "a list of names");
  std::vector<std::string> out;
  for (const auto& item : *n) {
    if (!item.IsScalar()) fail(key, "element " + scalarText(item), "a list of names");
    out.push_back(item.Scalar());
  }
  return out;
}

std::vector<double> ConfigSection::getDoubleList(const std::string& key, const std::vector<double>& fallback,
                                                 Range range) const {
  auto n = lookup(key);
  if (!n) return fallback;
  if (!n->IsSequence()) fail(key, "got " + scalarText(*n), "a list of numbers " + range.describe());
  std::vector<double> out;
  for (const auto& item : *n) {
    try {
      out.push_back(item.as<double>());
    } catch (const YAML::Exception&) {
      fail(key, "element " + scalarText(item), "a list of numbers " + range.describe());
    }
    if (!range.contains(out.back())) fail(key, "element " + numberText(out.back()), "numbers " + range.describe());
  }
  return out;
}

ConfigSection ConfigSection::section(const std::string& key) const {
  state_->readKeys.insert(fullKey(key));
  const YAML::Node child = node_.IsMap() ? node_[key] : YAML::Node();
  if (!child || child.IsNull()) return ConfigSection(state_, YAML::Node(YAML::NodeType::Map), fullKey(key));
  std::optional<YAML::Node> n = child;
  if (!n->IsMap()) fail(key, "got " + scalarText(*n), "a section (a mapping of keys to values)");
  return ConfigSection(state_, *n, fullKey(key));
}

}  // namespace gaplab
