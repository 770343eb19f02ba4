// sweeps/benchmark_submission.cpp — see benchmark_submission.h.
#include "sweeps/benchmark_submission.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "core/config/config_error.h"
#include "core/config/config_node.h"

namespace gaplab {

bool isSubmissionKey(const std::string& key) {
  if (isHelperKey(key)) return true;
  for (const char* prefix : {"optimizer.", "schedule."})
    if (key.rfind(prefix, 0) == 0 && key.size() > std::string(prefix).size()) return true;
  for (const char* exact : {"training.batch_size", "training.label_smoothing", "training.grad_clip_norm", "model.dropout"})
    if (key == exact) return true;
  return false;
}

namespace {

constexpr const char* kAllowedKeys =
    "optimizer.*, schedule.*, training.batch_size, training.label_smoothing, training.grad_clip_norm, model.dropout "
    "or a helper key starting with '_' (the workload owns its model, data, budget and target)";

void checkKey(const std::string& key, const std::string& where) {
  if (key == "optimizer.name")
    throw ConfigError(where + ": the optimizer is named by the top-level key `optimizer:`, not optimizer.name");
  if (!isSubmissionKey(key))
    throw ConfigError(where + ": '" + key + "' is not a submission hyperparameter; expected " + kAllowedKeys);
}

}  // namespace

BenchmarkSubmission BenchmarkSubmission::load(const std::string& path) {
  BenchmarkSubmission s;
  s.path = path;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path + ": cannot read the submission file (missing or not readable)");
  std::ostringstream text;
  text << in.rdbuf();
  s.text = text.str();
  ConfigDocument doc = ConfigDocument::parse(s.text, path);
  const YAML::Node node = YAML::Load(s.text);
  if (!node.IsMap()) throw ConfigError(path + ": expected a mapping of submission keys (see docs/benchmark.md)");
  ConfigSection root = doc.root();

  s.name = root.getString("name", std::filesystem::path(path).stem().string());
  if (!root.has("optimizer"))
    root.fail("optimizer", "missing", "the training algorithm's optimizer: sgd, momentum, nesterov, adamw, nadamw or lamb");
  s.optimizer = root.getChoice("optimizer", "", {"sgd", "momentum", "nesterov", "adamw", "nadamw", "lamb"});
  const std::string tuning = root.getChoice("tuning", "external", {"external", "self"});
  s.tuning = tuning == "self" ? SubmissionTuning::kSelf : SubmissionTuning::kExternal;
  if (s.tuning == SubmissionTuning::kExternal && root.has("budget_factor"))
    root.fail("budget_factor", "set on an externally tuned submission",
              "budget_factor only with tuning: self (external tuning runs the workload's budget)");
  s.budgetFactor = root.getDouble("budget_factor", s.tuning == SubmissionTuning::kSelf ? 3.0 : 1.0, Range::between(1, 100));

  s.spec = SubmissionSpec::parse(s.name, root, node, path + ": submission '" + s.name + "'");
  s.spec.tuning = s.tuning;
  if (node["set"] && node["set"].IsMap()) {
    const ConfigSection set = root.section("set");
    for (const auto& kv : node["set"]) checkKey(kv.first.Scalar(), set.where(kv.first.Scalar()));
  }
  for (const Dimension& d : s.spec.space.dimensions()) checkKey(d.key, d.where);
  for (const DerivedValue& d : s.spec.space.derived()) checkKey(d.key, d.where);
  if (s.tuning == SubmissionTuning::kExternal && s.spec.space.sampledDimensions() == 0)
    root.fail("space", s.spec.space.empty() ? "missing" : "only grid dimensions",
              "a search space to sample for tuning: external (Halton trials), or tuning: self with no space");
  if (s.tuning == SubmissionTuning::kSelf && !s.spec.space.empty())
    root.fail("space", "set on a self-tuning submission", "no space with tuning: self (one fixed configuration; use set:)");
  s.spec.overrides.insert(s.spec.overrides.begin(), "optimizer.name=" + s.optimizer);
  doc.checkUnknownKeys();
  return s;
}

}  // namespace gaplab
