// workloads/noop_workload.cpp — the `noop` workload: no model, no data, a
// metric taken from the config.
//
// Why: the sweep scheduler has to be measured and tested on its own — how many
// trials per second it dispatches and records, how close its makespan comes to
// the ideal, how it handles failing, diverging and early-stopped trials —
// without training noise. A noop trial "trains" by sleeping `model.work_s`
// seconds spread over its steps; its validation accuracy rises linearly to
// `model.quality` at the last step (eval-train is `model.gap` higher), and it
// can be told to throw or diverge at a step.
#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <thread>

#include "core/rng.h"
#include "workloads/workload_registry.h"
#include "workloads/workload_targets.h"

namespace gaplab {
namespace {

constexpr const char* kNoopDefaults = R"(
seed: 0
threads: 1
model:
  work_s: 0.0          # seconds of simulated training per trial (slept, spread over the steps)
  quality: 1.0         # validation accuracy at the last step
  gap: 0.0             # eval-train accuracy minus validation accuracy
  fail_at_step: -1     # throw at this step (a failing trial); -1: never
  diverge_at_step: -1  # loss NaN at this step; -1: never
  quality_per_lr: 0.0  # > 0: quality = quality_per_lr * optimizer.lr (a training algorithm that matters; benchmark tests)
  eval_work_s: 0.0     # seconds slept in each evaluation (untimed work; protocol tests)
training:
  batch_size: 64       # splits over up to 64 ranks (the global batch must divide)
  max_steps: 1
  max_runtime_s: 1000000
  eval_every_steps: 1
optimizer:
  name: sgd
  lr: 0.1
)";

struct NoopSpec {
  double workSeconds = 0.0;
  double quality = 1.0;
  double gap = 0.0;
  int64_t failAtStep = -1;
  int64_t divergeAtStep = -1;
  int64_t maxSteps = 1;
  double evalWorkSeconds = 0.0;
};

class NoopWorkload final : public Workload {
 public:
  explicit NoopWorkload(const NoopSpec& spec) : spec_(spec) {
    arena_.addParameter("w", Shape{1}, Init::zeros());
    RngStream rng(0, RngPurpose::kInit, 0);
    arena_.allocate(rng);
  }
  ParameterArena& arena() override { return arena_; }
  std::string describeModel() const override { return "noop (no model)"; }
  std::string describeData() const override { return "noop (no data)"; }
  std::string metricName() const override { return "accuracy"; }
  TargetDirection metricDirection() const override { return TargetDirection::kAtLeast; }
  Variable trainForward(Tape&, int64_t step) override {
    if (step == spec_.failAtStep) throw std::runtime_error("noop workload: failing at step " + std::to_string(step) + " as configured");
    if (spec_.workSeconds > 0.0)
      std::this_thread::sleep_for(std::chrono::duration<double>(spec_.workSeconds / static_cast<double>(spec_.maxSteps)));
    step_ = step + 1;
    Tensor loss = Tensor::zeros(Shape{1});
    loss.data()[0] = step == spec_.divergeAtStep ? std::numeric_limits<float>::quiet_NaN() : 1.0f - static_cast<float>(metricNow());
    return Variable(loss, RequiresGrad::kYes);
  }
  EvalResult evaluate(EvalSplit split) override {
    if (spec_.evalWorkSeconds > 0.0) std::this_thread::sleep_for(std::chrono::duration<double>(spec_.evalWorkSeconds));
    EvalResult r;
    r.metric = metricNow() + (split == EvalSplit::kEvalTrain ? spec_.gap : 0.0);
    r.loss = 1.0 - r.metric;
    r.examples = 1;
    return r;
  }
  double epochsDone() const override { return static_cast<double>(step_) / static_cast<double>(spec_.maxSteps); }
  int64_t examplesPerStep() const override { return 1; }
  void seekTrainingData(int64_t step) override { step_ = step; }

 private:
  double metricNow() const { return spec_.quality * static_cast<double>(step_) / static_cast<double>(spec_.maxSteps); }
  NoopSpec spec_;
  ParameterArena arena_;
  int64_t step_ = 0;
};

std::unique_ptr<Workload> makeNoopWorkload(WorkloadContext& ctx) {
  const ConfigSection m = ctx.root.section("model");
  NoopSpec spec;
  spec.workSeconds = m.getDouble("work_s", 0.0, Range::atLeast(0));
  spec.quality = m.getDouble("quality", 1.0, Range::any());
  spec.gap = m.getDouble("gap", 0.0, Range::any());
  spec.failAtStep = m.getInt("fail_at_step", -1, Range::atLeast(-1));
  spec.divergeAtStep = m.getInt("diverge_at_step", -1, Range::atLeast(-1));
  const double qualityPerLr = m.getDouble("quality_per_lr", 0.0, Range::atLeast(0));
  if (qualityPerLr > 0.0) spec.quality = qualityPerLr * ctx.run.optimizer.learningRate;
  spec.evalWorkSeconds = m.getDouble("eval_work_s", 0.0, Range::atLeast(0));
  spec.maxSteps = ctx.run.training.maxSteps;
  ctx.keysRead();
  return std::make_unique<NoopWorkload>(spec);
}

}  // namespace

void registerNoopWorkload(WorkloadRegistry& registry) {
  registry.add({"noop", "no training: sleeps model.work_s, accuracy rises to model.quality (scheduler tests, benchmarks)",
                std::string(kNoopDefaults) + targetDefaultsYaml("noop"), "accuracy", makeNoopWorkload,
                [](const RunConfig&, const ConfigSection& root) {  // the trial's cost: its seconds of work
                  return root.section("model").getDouble("work_s", 0.0);
                }});
}

}  // namespace gaplab
