// workloads/run_config.cpp — see run_config.h.
#include "workloads/run_config.h"
#include <cmath>

#include <cstdio>

#include "workloads/workload_registry.h"

namespace gaplab {

namespace {

ConfigDocument withOverridesAndDefaults(ConfigDocument doc, const std::string& path,
                                        const std::vector<std::string>& overrides) {
  for (const auto& o : overrides) doc.applyOverride(o);
  ConfigSection root = doc.root();
  if (!root.has("workload"))
    throw ConfigError(path + ": workload: missing; expected one of the registered workloads (see `gaplab workloads`)");
  const std::string name = root.getChoice("workload", "", WorkloadRegistry::instance().names());
  doc.mergeDefaults(WorkloadRegistry::instance().get(name).defaults());
  return doc;
}

}  // namespace

RunConfig parseRunConfig(ConfigDocument& doc) {
  ConfigSection root = doc.root();
  RunConfig rc;
  rc.workload = root.getChoice("workload", "", WorkloadRegistry::instance().names());
  rc.seed = static_cast<uint64_t>(root.getInt("seed", 0, Range::atLeast(0)));
  rc.threads = static_cast<int>(root.getInt("threads", 2, Range::between(1, 256)));
  rc.device = root.getChoice("device", "cpu", {"cpu", "cuda"}) == "cuda" ? Device::kCuda : Device::kCpu;
  const std::string precision = root.getChoice("precision", "fp32", {"fp32", "tf32", "bf16"});
  rc.precision = precision == "tf32"   ? ComputePrecision::kTf32
                 : precision == "bf16" ? ComputePrecision::kBf16
                                       : ComputePrecision::kFp32;
  // Not among the workload defaults: configs that do not set it keep their trial ids.
  rc.training.cudaGraph = root.section("training").getChoice("cuda_graph", "false", {"false", "true"}) == "true";
  if (rc.training.cudaGraph && rc.device == Device::kCpu)
    root.section("training").fail("cuda_graph", "true with device: cpu", "false, or device: cuda (a CUDA graph replays GPU work)");
  if (rc.precision != ComputePrecision::kFp32 && rc.device == Device::kCpu)
    root.fail("precision", "'" + precision + "' with device: cpu",
              "fp32 on the cpu (tf32 and bf16 are GPU tensor-core modes; set device: cuda)");

  ConfigSection t = root.section("training");
  TrainingConfig& tc = rc.training;
  tc.batchSize = t.getInt("batch_size", tc.batchSize, Range::atLeast(1));
  tc.maxSteps = t.getInt("max_steps", tc.maxSteps, Range::atLeast(1));
  tc.maxRuntimeS = t.getDouble("max_runtime_s", tc.maxRuntimeS, Range::above(0));
  tc.evalEverySteps = t.getInt("eval_every_steps", tc.evalEverySteps, Range::atLeast(0));
  tc.evalEverySeconds = t.getDouble("eval_every_s", tc.evalEverySeconds, Range::atLeast(0));
  if (tc.evalEverySteps == 0 && tc.evalEverySeconds == 0.0)
    t.fail("eval_every_steps", "neither eval_every_steps nor eval_every_s is set",
           "one of them > 0 (evaluations are how time-to-result is measured)");
  tc.labelSmoothing = t.getDouble("label_smoothing", tc.labelSmoothing, Range::between(0, 0.99));
  tc.evalAtStart = t.getChoice("eval_at_start", "false", {"true", "false"}) == "true";
  tc.gradClipNorm = t.getDouble("grad_clip_norm", tc.gradClipNorm, Range::atLeast(0));
  // Not among the workload defaults, so configs that do not set it keep their resolved YAML (and trial ids).
  tc.weightDistance = t.getChoice("track_weight_distance", "false", {"false", "true"}) == "true"
                          ? WeightDistanceTracking::kOn
                          : WeightDistanceTracking::kOff;

  ConfigSection o = root.section("optimizer");
  OptimizerConfig& oc = rc.optimizer;
  oc.name = o.getChoice("name", oc.name, {"sgd", "momentum", "nesterov", "adamw", "nadamw", "lamb"});
  oc.learningRate = o.getDouble("lr", oc.learningRate, Range::above(0));
  const bool usesMomentum = oc.name == "momentum" || oc.name == "nesterov";
  const bool usesAdam = oc.name == "adamw" || oc.name == "nadamw" || oc.name == "lamb";
  // Keys of another optimizer are an error only when the user wrote them: workload
  // defaults (e.g. the Adam betas of the LM workloads) are simply unused.
  if (usesMomentum || o.isExplicit("momentum")) {
    if (!usesMomentum)
      o.fail("momentum", "'momentum' is set but optimizer '" + oc.name + "' has no momentum",
             "beta1 for adamw/nadamw/lamb, or name: momentum|nesterov");
    oc.momentum = o.getDouble("momentum", oc.momentum, Range::between(0, 0.999999));
  }
  if (usesAdam || o.isExplicit("beta1") || o.isExplicit("beta2") || o.isExplicit("eps")) {
    if (!usesAdam)
      o.fail(o.isExplicit("beta1") ? "beta1" : o.isExplicit("beta2") ? "beta2" : "eps",
             "Adam-family key set for optimizer '" + oc.name + "'", "it only with adamw, nadamw or lamb");
    oc.beta1 = o.getDouble("beta1", oc.beta1, Range::between(0, 0.999999));
    oc.beta2 = o.getDouble("beta2", oc.beta2, Range::between(0, 0.999999999));
    oc.eps = o.getDouble("eps", oc.eps, Range::above(0));
  }
  oc.weightDecay = o.getDouble("weight_decay", oc.weightDecay, Range::atLeast(0));

  ConfigSection s = root.section("schedule");
  ScheduleConfig& sc = rc.schedule;
  sc.name = s.getChoice("name", sc.name, {"constant", "warmup_cosine", "warmup_linear", "step", "wsd"});
  sc.warmupSteps = s.getInt("warmup_steps", sc.warmupSteps, Range::atLeast(0));
  sc.floorRatio = s.getDouble("floor_ratio", sc.floorRatio, Range::between(0, 1));
  sc.milestones = s.getIntList("milestones", sc.milestones, Range::atLeast(1));
  sc.gamma = s.getDouble("gamma", sc.gamma, Range::above(0));
  sc.decayFraction = s.getDouble("decay_fraction", sc.decayFraction, Range::between(0, 1));
  sc.totalSteps = s.getInt("total_steps", 0, Range::atLeast(0));
  if (sc.totalSteps == 0) sc.totalSteps = tc.maxSteps;
  // warmup_fraction (AlgoPerf's warmup_factor): warmup as a fraction of the schedule, so one
  // workload-agnostic setting fits every budget; it replaces warmup_steps.
  const double warmupFraction = s.getDouble("warmup_fraction", 0.0, Range::between(0, 1));
  if (warmupFraction > 0.0) {
    if (s.isExplicit("warmup_steps"))
      s.fail("warmup_fraction", "set together with warmup_steps", "one of warmup_steps and warmup_fraction");
    sc.warmupSteps = static_cast<int64_t>(std::llround(warmupFraction * static_cast<double>(sc.totalSteps)));
  }
  if (sc.warmupSteps > sc.totalSteps)
    s.fail("warmup_steps", "warmup of " + std::to_string(sc.warmupSteps) + " steps",
           "at most the total of " + std::to_string(sc.totalSteps) + " steps");

  ConfigSection g = root.section("target");
  TargetConfig& gc = rc.target;
  gc.metric = g.getChoice("metric", gc.metric, {"accuracy", "bits_per_byte", "loss"});
  const std::string dir = g.getChoice("direction", gc.metric == "accuracy" ? "at_least" : "at_most",
                                      {"at_least", "at_most"});
  gc.direction = dir == "at_least" ? TargetDirection::kAtLeast : TargetDirection::kAtMost;
  gc.value = g.getDouble("value", gc.value, Range::any());

  ConfigSection d = root.section("distributed");
  Range bucketRange = Range::above(0);
  bucketRange.max = 1024;
  rc.distributed.bucketMb = d.getDouble("bucket_mb", rc.distributed.bucketMb, bucketRange);
  return rc;
}

ConfigDocument loadRunDocument(const std::string& path, const std::vector<std::string>& overrides) {
  return withOverridesAndDefaults(ConfigDocument::loadFile(path), path, overrides);
}

ConfigDocument parseRunDocument(const std::string& yaml, const std::string& sourceName,
                                const std::vector<std::string>& overrides) {
  return withOverridesAndDefaults(ConfigDocument::parse(yaml, sourceName), sourceName, overrides);
}

std::string trialIdOf(const std::string& resolvedYaml) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : resolvedYaml) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace gaplab
