// sweeps/sweep_spec.cpp — see sweep_spec.h.
#include "sweeps/sweep_spec.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "workloads/run_config.h"
#include "workloads/single_run.h"
#include "workloads/workload_registry.h"
#include "distributed/communicator.h"

namespace gaplab {
namespace {

std::string readFile(const std::string& path, const std::string& where) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(where + ": cannot read '" + path + "' (missing or not readable)");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The YAML text of a value as `--set key=<text>` reads it back (lists in flow style).
std::string inlineYaml(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "";
  YAML::Emitter out;
  out << YAML::Flow << node;
  return out.c_str();
}

// A `set:` mapping of dotted keys to scalars or lists, as "key=value" overrides.
std::vector<std::string> readOverrides(const ConfigSection& parent, const YAML::Node& parentNode) {
  std::vector<std::string> out;
  const YAML::Node set = parentNode.IsMap() ? parentNode["set"] : YAML::Node();
  if (!set || set.IsNull()) return out;
  const ConfigSection section = parent.section("set");  // fails unless a mapping
  for (const auto& kv : set) {
    const std::string key = kv.first.Scalar();
    if (kv.second.IsMap())
      section.fail(key, "a mapping", "a scalar or a list; write nested keys dotted, e.g. set: {training.batch_size: 256}");
    if (kv.second.IsSequence()) section.getStringList(key, {});  // marks the key read
    else section.getString(key, "");
    out.push_back(key + "=" + inlineYaml(kv.second));
  }
  return out;
}

std::string fnv1a(const std::string& text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// Thrown by keysRead() below to stop a workload factory before it loads data or builds a model.
struct KeysChecked {};

// Unknown keys (a typo in `set:`, a space key the workload does not have) are only
// found when a workload factory reads its keys: do that once per submission here, with
// one point of its space, stopping each factory at keysRead(), instead of failing every
// trial. Only ConfigErrors count; other problems (a missing dataset) are the trial's.
void checkTrialKeys(const SweepSpec& spec, const SubmissionSpec& sub, const std::string& where) {
  std::vector<std::string> overrides = spec.overrides;
  overrides.insert(overrides.end(), sub.overrides.begin(), sub.overrides.end());
  try {
    const std::vector<TrialPoint> grid = sub.space.gridCombinations();
    const std::vector<double> centre(static_cast<std::size_t>(sub.space.sampledDimensions()), 0.5);
    for (const std::string& a : sub.space.compose(grid.front(), centre).setAssignments()) overrides.push_back(a);
  } catch (const ConfigError&) {
    // A derived value that is not finite at the centre: no key to check that way; the space is checked elsewhere.
  }
  try {
    PreparedRun run = prepareRunFromText(spec.baseYaml, spec.basePath, overrides);
    const WorkloadEntry& entry = WorkloadRegistry::instance().get(run.config.workload);
    LocalCommunicator comm;
    WorkloadContext ctx{run.config, run.document.root(), comm, [&run] {
                          run.document.checkUnknownKeys();
                          throw KeysChecked{};
                        }};
    (void)entry.factory(ctx);  // a factory that never calls keysRead() is built once, and dropped
    run.document.checkUnknownKeys();
  } catch (const KeysChecked&) {
  } catch (const ConfigError& e) {
    throw ConfigError(std::string(e.what()) + " (in the trials of submission '" + sub.name + "', " + where + ")");
  } catch (const std::exception&) {
  }
}

}  // namespace

const char* sweepObjectiveName(SweepObjective objective) {
  switch (objective) {
    case SweepObjective::kTimeToResult: return "time_to_result";
    case SweepObjective::kFinalValidationMetric: return "final_validation_metric";
    case SweepObjective::kFinalValidationLoss: return "final_validation_loss";
  }
  return "time_to_result";
}

SweepSpec SweepSpec::load(const std::string& path) {
  SweepSpec spec;
  spec.path = path;
  spec.definitionYaml = readFile(path, path);
  ConfigDocument doc = ConfigDocument::parse(spec.definitionYaml, path);
  const YAML::Node rootNode = YAML::Load(spec.definitionYaml);
  if (!rootNode.IsMap()) throw ConfigError(path + ": expected a mapping of sweep keys (see docs/sweeps.md)");
  ConfigSection root = doc.root();

  spec.name = root.getString("name", std::filesystem::path(path).stem().string());
  if (!root.has("base")) root.fail("base", "missing", "the run config every trial starts from, e.g. base: fmnist_mlp.yaml");
  const std::string base = root.getString("base", "");
  const std::filesystem::path basePath = std::filesystem::path(base).is_absolute()
                                             ? std::filesystem::path(base)
                                             : std::filesystem::path(path).parent_path() / base;
  spec.basePath = basePath.lexically_normal().string();
  spec.baseYaml = readFile(spec.basePath, root.where("base"));
  spec.overrides = readOverrides(root, rootNode);

  const std::string samplerName = root.getString("sampler", "halton");
  try {
    spec.sampler = parseSamplerKind(samplerName);
  } catch (const std::exception& e) {
    throw ConfigError(root.where("sampler") + ": " + e.what());
  }
  spec.samplerSeed = static_cast<uint64_t>(root.getInt("sampler_seed", 0, Range::atLeast(0)));
  spec.trials = root.getInt("trials", spec.sampler == SamplerKind::kGrid ? 1 : 8, Range::between(1, 1000000));
  spec.studies = static_cast<int>(root.getInt("studies", 1, Range::between(1, 1000)));
  spec.seed = static_cast<uint64_t>(root.getInt("seed", 0, Range::atLeast(0)));
  const std::string objective = root.getChoice("objective", "time_to_result",
                                               {"time_to_result", "final_validation_metric", "final_validation_loss"});
  spec.objective = objective == "time_to_result"            ? SweepObjective::kTimeToResult
                   : objective == "final_validation_metric" ? SweepObjective::kFinalValidationMetric
                                                            : SweepObjective::kFinalValidationLoss;
  spec.ranksPerTrial = static_cast<int>(root.getInt("ranks_per_trial", 1, Range::between(1, 4096)));
  spec.threadsPerRank = static_cast<int>(root.getInt("threads_per_rank", 0, Range::between(0, 256)));
  spec.maxRetries = static_cast<int>(root.getInt("max_retries", 1, Range::between(0, 100)));
  spec.checkpointEverySeconds = root.getDouble("checkpoint_every_s", 60.0, Range::atLeast(0));

  const YAML::Node submissionsNode = rootNode["submissions"];
  const bool hasSubmissions = submissionsNode && !submissionsNode.IsNull();
  if (hasSubmissions) {
    if (!submissionsNode.IsMap() || submissionsNode.size() == 0)
      root.fail("submissions", "not a non-empty mapping", "submission names mapping to {set: ..., space: ...}");
    if (rootNode["space"] || rootNode["derived"])
      root.fail("space", "top-level space next to submissions", "a space inside each submission");
    const ConfigSection subs = root.section("submissions");
    for (const auto& kv : submissionsNode) {
      const std::string name = kv.first.Scalar();
      // file:line and key in every message: the submission's key, or the top-level `space` key.
      spec.submissions.push_back(SubmissionSpec::parse(name, subs.section(name), kv.second, subs.where(name)));
    }
  } else {
    SubmissionSpec sub = SubmissionSpec::parse("default", root, rootNode, root.where("space"));
    sub.overrides.clear();  // the top-level `set:` is the sweep's (spec.overrides), not the submission's
    spec.submissions.push_back(std::move(sub));
  }
  spec.finish();

  TargetDirection direction = TargetDirection::kAtLeast;
  try {
    direction = prepareRunFromText(spec.baseYaml, spec.basePath, spec.overrides).config.target.direction;
  } catch (const ConfigError&) {  // finish() has reported a bad base config already
  }
  spec.asha = parseAshaConfig(root, direction == TargetDirection::kAtLeast ? AshaDirection::kMaximize
                                                                           : AshaDirection::kMinimize);
  doc.checkUnknownKeys();
  return spec;
}

SubmissionSpec SubmissionSpec::parse(std::string name, const ConfigSection& section, const YAML::Node& node,
                                     std::string where) {
  SubmissionSpec sub;
  sub.name = std::move(name);
  sub.where = std::move(where);
  sub.overrides = readOverrides(section, node);
  sub.space = SearchSpace::parse(section, node);
  sub.definitionText = inlineYaml(node.IsMap() ? node["space"] : YAML::Node()) + "\n" +
                       inlineYaml(node.IsMap() ? node["derived"] : YAML::Node());
  return sub;
}

void SweepSpec::finish() {
  // The base config must itself be valid with the sweep's overrides: fail here, not in every trial.
  try {
    workload = prepareRunFromText(baseYaml, basePath, overrides).config.workload;
  } catch (const ConfigError& e) {
    throw ConfigError(std::string(e.what()) + " (in the base config of sweep " + path + ")");
  }
  const std::string samplerName = samplerKindName(sampler);
  for (const SubmissionSpec& sub : submissions) {
    if (sub.tuning == SubmissionTuning::kSelf) {
      if (!sub.space.empty())
        throw ConfigError(sub.where + ": a self-tuning submission has one fixed configuration; expected no space:");
      if (sampler == SamplerKind::kBayes)
        throw ConfigError(sub.where + ": a self-tuning submission cannot be run by the bayes sampler");
    } else {
      if (sampler != SamplerKind::kGrid && sub.space.sampledDimensions() == 0)
        throw ConfigError(sub.where + ": the search space has nothing to sample for sampler '" + samplerName +
                          "'; expected at least one choice, uniform, log_uniform or int dimension under space: "
                          "(or sampler: grid for grid values only)");
      if (sampler == SamplerKind::kGrid && sub.space.empty() && submissions.size() == 1 && studies == 1)
        throw ConfigError(sub.where + ": the search space is empty; expected at least one dimension under space:");
      if (sampler == SamplerKind::kGrid) (void)sub.space.enumerateAll();  // uniform dims fail here, with their line
    }
    checkTrialKeys(*this, sub, sub.where);
  }

  // The sweep's identity: everything that decides which trials exist and what they train.
  std::ostringstream identity;
  identity << baseYaml << "\n--\n" << workload << "\n";
  for (const auto& o : overrides) identity << o << "\n";
  identity << samplerKindName(sampler) << " " << samplerSeed << " " << trials << " " << studies << " " << seed << "\n";
  for (const SubmissionSpec& sub : submissions) {
    identity << "submission " << sub.name << "\n";
    if (sub.tuning == SubmissionTuning::kSelf) identity << "self-tuning\n";
    for (const auto& o : sub.overrides) identity << o << "\n";
    identity << sub.definitionText << "\n";
  }
  sweepId = fnv1a(identity.str());
}

}  // namespace gaplab
