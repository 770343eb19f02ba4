// core/config/config_node.h — validated reading of a YAML configuration.
//
// Why: a typo in a sweep config must fail before hours of compute, with the
// file, line and key. ConfigDocument owns the parsed YAML (plus `--set`
// overrides); ConfigSection reads typed values with ranges and defaults and
// records every key it reads, so checkUnknownKeys() can reject the rest.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/config/config_error.h"

namespace gaplab {

// Inclusive numeric bounds; `above` makes the lower bound exclusive (e.g. lr > 0).
struct Range {
  double min = -1e300;
  double max = 1e300;
  enum class Lower { kInclusive, kExclusive } lower = Lower::kInclusive;
  static Range atLeast(double v) { return {v, 1e300, Lower::kInclusive}; }
  static Range above(double v) { return {v, 1e300, Lower::kExclusive}; }
  static Range between(double lo, double hi) { return {lo, hi, Lower::kInclusive}; }
  static Range any() { return {}; }
  std::string describe() const;
  bool contains(double v) const;
};

class ConfigSection;

class ConfigDocument {
 public:
  // Throws ConfigError naming the path when the file is missing or not valid YAML.
  static ConfigDocument loadFile(const std::string& path);
  static ConfigDocument parse(const std::string& text, const std::string& sourceName);

  // "a.b.c=value": value is parsed as YAML (numbers, lists [1, 2], strings).
  void applyOverride(const std::string& assignment);
  // Fills keys absent from this document with those of `defaults` (recursively).
  // Keys filled in this way never count as unknown and isExplicit() is false for them.
  void mergeDefaults(const YAML::Node& defaults);

  ConfigSection root();
  // Throws ConfigError for the first key that no ConfigSection read.
  void checkUnknownKeys() const;
  // The document as YAML text (after overrides and defaults): the resolved config.
  std::string dump() const;
  const std::string& sourceName() const { return state_->sourceName; }

  struct State {
    std::string sourceName;
    YAML::Node root;
    std::set<std::string> readKeys;                   // dotted paths that were read
    std::map<std::string, std::string> overrideText;  // dotted path -> "--set a.b=v"
    std::set<std::string> defaultKeys;                // dotted paths filled in by mergeDefaults
  };

 private:
  std::shared_ptr<State> state_;
};

class ConfigSection {
 public:
  ConfigSection(std::shared_ptr<ConfigDocument::State> state, YAML::Node node, std::string path);

  bool has(const std::string& key) const;
  // True when `key` is present because the user (file or --set) wrote it, not a default.
  bool isExplicit(const std::string& key) const;
  int64_t getInt(const std::string& key, int64_t fallback, Range range = Range::any()) const;
  double getDouble(const std::string& key, double fallback, Range range = Range::any()) const;
  std::string getString(const std::string& key, const std::string& fallback) const;
  // One of `choices`; the error lists them.
  std::string getChoice(const std::string& key, const std::string& fallback,
                        const std::vector<std::string>& choices) const;
  std::vector<int64_t> getIntList(const std::string& key, const std::vector<int64_t>& fallback,
                                  Range range = Range::any()) const;
  std::vector<std::string> getStringList(const std::string& key, const std::vector<std::string>& fallback) const;
  std::vector<double> getDoubleList(const std::string& key, const std::vector<double>& fallback,
                                    Range range = Range::any()) const;
  // A nested mapping; absent keys give an empty section (all defaults).
  ConfigSection section(const std::string& key) const;
  const std::string& path() const { return path_; }

  // "file:line: key" for messages about `key` in this section.
  std::string where(const std::string& key) const;
  [[noreturn]] void fail(const std::string& key, const std::string& problem, const std::string& expected) const;

 private:
  std::optional<YAML::Node> lookup(const std::string& key) const;
  std::string fullKey(const std::string& key) const;
  std::shared_ptr<ConfigDocument::State> state_;
  YAML::Node node_;
  std::string path_;
};

}  // namespace gaplab
