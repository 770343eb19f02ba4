// sweeps/asha.h — asynchronous successive halving (ASHA) as an early-stopping rule.
//
// Why: a sweep spends most of its compute on bad configurations. ASHA (Li et al.
// 2020, "A System for Massively Parallel Hyperparameter Tuning") stops a trial at
// fixed resource levels ("rungs") unless it is among the best 1/eta of the trials
// that reached the same rung so far. It needs no synchronisation between trials,
// so the coordinator can decide on every report as it arrives. This is the
// stopping form that schedulers running trials continuously use (Ray Tune's
// AsyncHyperBandScheduler / ASHAScheduler, Optuna's SuccessiveHalvingPruner):
// trials are never paused and resumed, only continued or stopped. One bracket
// (Ray's brackets = 1, Optuna's min_early_stopping_rate = 0): min_resource is the
// grace period.
//
// The rule, exactly:
//  * Rungs are r * eta^k for k = 0, 1, ... while r * eta^k < R.
//  * A report (trial, resource, value) reaches every rung with rung <= resource
//    that the trial has not reached before ("at or first past a rung"). Rungs are
//    taken lowest first; at each, the value is recorded and then judged against
//    all values recorded at that rung so far, its own included (n values):
//      - n < eta: continue (too few values to rank; see below).
//      - else k = floor(n / eta) and the trial continues iff its value is at
//        least as good as the k-th best recorded value (ties continue); "good"
//        is lower for kMinimize, higher for kMaximize.
//    The first rung it fails stops the trial; later rungs of the same report
//    are not recorded. A report that reaches no new rung (between rungs, or a
//    second report for a rung already reached) records nothing and continues:
//    a trial keeps the first value it reported for a rung.
//  * A NaN or infinite value stops the trial and records nothing.
//  * resource >= R stops the trial after recording its rungs (it has had its
//    maximum resource; Ray Tune does the same at max_t).
//  * A stopped trial stays stopped: every later report returns kStop.
//
// Which implementation this follows: the ranking for n >= eta is Optuna's
// (optuna/pruners/_successive_halving.py, _is_trial_promotable_to_next_rung:
// competing values include the trial's own, promotable index floor(n/eta) - 1,
// `<=` / `>=` so ties are promoted), as is taking every crossed rung in turn
// (its prune() loop). For n < eta the two libraries differ and this file follows
// neither exactly: Optuna continues only the best of the first eta - 1 values,
// Ray Tune (python/ray/tune/schedulers/async_hyperband.py, _Bracket.on_result)
// continues the first trial and then compares with the (1 - 1/eta) percentile of
// the values recorded before it. Here the first eta - 1 trials at a rung always
// continue, as the ASHA paper promotes nobody from a rung before it holds eta
// values and a trial that cannot be paused must not be stopped for lack of
// competitors. Ray Tune also records a trial at only the highest rung a report
// crosses; Optuna's way (each crossed rung) keeps every rung's population
// complete.
//
// Deterministic: decisions depend only on the sequence of reports. Not thread
// safe; the sweep coordinator owns one AshaStopper per sweep and calls it from
// one thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace gaplab {

class ConfigSection;

enum class AshaResourceUnit { kSteps, kSeconds };  // training steps or timed seconds
enum class AshaDirection { kMinimize, kMaximize };  // of the reported metric
enum class AshaDecision { kContinue, kStop };

// Ray Tune's ASHAScheduler and Optuna's SuccessiveHalvingPruner both default to 4.
inline constexpr int kAshaDefaultReductionFactor = 4;

struct AshaConfig {
  int reductionFactor = kAshaDefaultReductionFactor;  // eta >= 2
  double minResource = 1.0;                            // r > 0: the first rung (grace period)
  double maxResource = 100.0;                          // R > r
  AshaResourceUnit unit = AshaResourceUnit::kSteps;
  AshaDirection direction = AshaDirection::kMinimize;
};

std::string toString(AshaResourceUnit unit);
std::string toString(AshaDirection direction);
std::string toString(AshaDecision decision);

class AshaStopper {
 public:
  // Throws std::invalid_argument when eta < 2, r <= 0 or not finite, R <= r or not finite.
  explicit AshaStopper(AshaConfig config);

  const AshaConfig& config() const { return config_; }
  // r * eta^k < R, ascending.
  std::vector<double> rungs() const { return rungs_; }

  // One report of `trialId` at `resource` (steps or seconds, in config().unit)
  // with metric `metricValue`. Throws std::invalid_argument for an empty id or a
  // negative or NaN resource.
  AshaDecision report(const std::string& trialId, double resource, double metricValue);

  // Values recorded at rung `rungIndex`, in arrival order (for logs and tests).
  // Throws std::out_of_range for an index >= rungs().size().
  const std::vector<double>& rungValues(std::size_t rungIndex) const;
  bool isStopped(const std::string& trialId) const;

 private:
  struct TrialState {
    std::size_t nextRung = 0;  // rungs below this index hold a value of this trial
    bool stopped = false;
  };
  bool promotable(std::size_t rungIndex, double value) const;

  AshaConfig config_;
  std::vector<double> rungs_;
  std::vector<std::vector<double>> recorded_;  // per rung
  std::unordered_map<std::string, TrialState> trials_;
};

// Reads `early_stopping: {asha: {reduction_factor: 3, min_resource: 200,
// max_resource: 2000, unit: steps|seconds}}` from the section that holds the
// `early_stopping` key (the sweep root). Absent `early_stopping` or `asha`:
// std::nullopt. min_resource and max_resource are required; reduction_factor
// defaults to 4, unit to steps. `direction` is not in the YAML: it is the
// direction of the metric the sweep reports (the workload target's).
// Throws ConfigError with file:line and key for every bad value.
std::optional<AshaConfig> parseAshaConfig(const ConfigSection& sweepRoot, AshaDirection direction);

}  // namespace gaplab
