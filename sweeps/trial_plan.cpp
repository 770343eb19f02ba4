// sweeps/trial_plan.cpp — see trial_plan.h.
#include "sweeps/trial_plan.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <sstream>

#include "workloads/run_config.h"
#include "workloads/single_run.h"
#include "workloads/workload_registry.h"

namespace gaplab {
namespace {

std::string encodeUnit(const std::vector<double>& unit) {
  std::string out;
  for (double u : unit) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%a", u);
    out += (out.empty() ? "" : ",") + std::string(buf);
  }
  return out;
}

std::vector<double> decodeUnit(const std::string& text) {
  std::vector<double> out;
  std::istringstream in(text);
  for (std::string item; std::getline(in, item, ',');) out.push_back(std::strtod(item.c_str(), nullptr));
  return out;
}

uint64_t streamSeed(uint64_t samplerSeed, int submission, int study) {
  return samplerSeed * 1000003ull + static_cast<uint64_t>(submission) * 7919ull + static_cast<uint64_t>(study);
}

}  // namespace

// One (submission, study) sequence of the bayes sampler.
struct TrialPlan::Stream {
  int submission = 0;
  int study = 0;
  int64_t started = 0;  // proposals handed out (done ones from the file included)
  std::unique_ptr<Sampler> sampler;
  std::vector<Observation> done;
  std::map<std::string, std::vector<double>> pending;  // trial id -> unit point
};

TrialPlan::~TrialPlan() = default;

double TrialPlan::objectiveOf(const SweepSpec& spec, const TrialResult& r) {
  const double inf = std::numeric_limits<double>::infinity();
  const EvalRecord* last = r.finalEval();
  switch (spec.objective) {
    case SweepObjective::kTimeToResult: return r.reachedTarget() ? r.timeToResultSeconds : inf;
    case SweepObjective::kFinalValidationMetric: {
      if (!last || !std::isfinite(last->validationMetric)) return inf;
      // The direction of the workload's metric: accuracy up, bits per byte down. With a
      // loss target (metricName "loss") validationMetric is still the workload's metric.
      std::string metric = r.metricName;
      if (metric == "loss") {
        try {
          metric = WorkloadRegistry::instance().get(r.workload).metric;
        } catch (const std::exception&) {
        }
      }
      const bool higherIsBetter = metric == "accuracy";
      return higherIsBetter ? -last->validationMetric : last->validationMetric;
    }
    case SweepObjective::kFinalValidationLoss:
      return last && std::isfinite(last->validationLoss) ? last->validationLoss : inf;
  }
  return inf;
}

PlannedTrial TrialPlan::makeTrial(int submission, int study, int64_t index, const TrialPoint& point) const {
  const SubmissionSpec& sub = spec_.submissions[static_cast<std::size_t>(submission)];
  PlannedTrial t;
  t.submission = submission;
  t.submissionName = sub.name;
  t.study = study;
  t.index = index;
  t.seed = spec_.seed + static_cast<uint64_t>(study);
  t.point = point;
  t.samplePoint = encodeUnit(point.unit);
  for (const auto& [key, value] : point.values) t.parameters += (t.parameters.empty() ? "" : "; ") + key + "=" + value;
  t.overrides = spec_.overrides;
  t.overrides.insert(t.overrides.end(), sub.overrides.begin(), sub.overrides.end());
  for (const std::string& a : point.setAssignments()) t.overrides.push_back(a);
  t.overrides.push_back("seed=" + std::to_string(t.seed));
  // The id: workload, submission and the overrides that define the trial (the base text via the sweep id is
  // deliberately not in it: editing a comment in the base file must not orphan finished trials).
  std::string identity = spec_.workload + "\n" + sub.name + "\n";
  for (const std::string& o : t.overrides) identity += o + "\n";
  t.id = trialIdOf(identity);
  try {
    PreparedRun run = prepareRunFromText(spec_.baseYaml, spec_.basePath, t.overrides);
    t.estimatedCost = estimateTrialCost(WorkloadRegistry::instance().get(run.config.workload), run.config,
                                        run.document.root());
  } catch (const std::exception&) {
    t.estimatedCost = 0.0;  // an invalid value: the trial runs, fails fast and is recorded with the message
  }
  return t;
}

TrialPlan::TrialPlan(const SweepSpec& spec, const std::vector<TrialResult>& done, SweepShard shard) : spec_(spec) {
  if (shard.count < 1 || shard.index < 0 || shard.index >= shard.count)
    throw std::invalid_argument("sweep shard " + std::to_string(shard.index) + "/" + std::to_string(shard.count) +
                                ": expected 0 <= index < count");
  for (const TrialResult& r : done) doneIds_.insert(r.trialId);
  const int submissions = static_cast<int>(spec.submissions.size());
  if (spec.sampler == SamplerKind::kBayes) {
    int streamIndex = 0;
    for (int s = 0; s < submissions; ++s) {
      const SearchSpace& space = spec.submissions[static_cast<std::size_t>(s)].space;
      for (int study = 0; study < spec.studies; ++study) {
        if (streamIndex++ % shard.count != shard.index) continue;  // another shard's stream
        auto stream = std::make_unique<Stream>();
        stream->submission = s;
        stream->study = study;
        stream->sampler = makeSampler(SamplerKind::kBayes, space.sampledDimensions(), streamSeed(spec.samplerSeed, s, study));
        for (const TrialResult& r : done) {
          if (r.submission != spec.submissions[static_cast<std::size_t>(s)].name || r.study != study) continue;
          // Only this sweep's trials (an appended file may hold another sweep with the same
          // submission name): the trial its sample point makes here must have its id.
          const std::vector<double> unit = decodeUnit(r.samplePoint);
          if (static_cast<int>(unit.size()) != space.sampledDimensions() ||
              makeTrial(s, study, 0, space.compose(TrialPoint{}, unit)).id != r.trialId)
            continue;
          stream->done.push_back({unit, objectiveOf(spec, r)});
          ++stream->started;
          ++alreadyDone_;
        }
        streams_.push_back(std::move(stream));
      }
    }
    total_ = static_cast<int64_t>(streams_.size()) * spec.trials;
    return;
  }
  std::set<std::string> plannedIds;
  for (int s = 0; s < submissions; ++s) {
    const SearchSpace& space = spec.submissions[static_cast<std::size_t>(s)].space;
    for (int study = 0; study < spec.studies; ++study) {
      std::vector<TrialPoint> points;
      if (spec.submissions[static_cast<std::size_t>(s)].tuning == SubmissionTuning::kSelf) {
        points.push_back(TrialPoint{});  // self-tuning: one fixed configuration per study
      } else if (spec.sampler == SamplerKind::kGrid) {
        points = space.enumerateAll();
        if (points.empty()) points.push_back(TrialPoint{});
      } else {
        std::unique_ptr<Sampler> sampler = makeSampler(spec.sampler, space.sampledDimensions(), spec.samplerSeed);
        for (int64_t k = 0; k < spec.trials; ++k) {
          // Study t takes the t-th block of the sequence: studies are independent repetitions of the tuning.
          const std::vector<double> u = sampler->point(static_cast<int64_t>(study) * spec.trials + k);
          for (const TrialPoint& grid : space.gridCombinations()) points.push_back(space.compose(grid, u));
        }
      }
      for (std::size_t k = 0; k < points.size(); ++k) {
        // A point drawn twice in a study (a small choice space, a helper key that maps two
        // draws onto the same values) is the same trial: same id, identical training. Run it once.
        PlannedTrial t = makeTrial(s, study, static_cast<int64_t>(k), points[k]);
        if (plannedIds.insert(t.id).second) queue_.push_back(std::move(t));
      }
    }
  }
  // Longest estimated cost first (ties in plan order). Shards deal the sorted
  // list round-robin, so each gets a similar mix of long and short trials; done
  // trials are dealt too, so a shard's trials never depend on what is done.
  std::stable_sort(queue_.begin(), queue_.end(), [](const PlannedTrial& a, const PlannedTrial& b) {
    return a.estimatedCost > b.estimatedCost;
  });
  std::vector<PlannedTrial> mine;
  for (std::size_t i = 0; i < queue_.size(); ++i) {
    if (static_cast<int>(i % static_cast<std::size_t>(shard.count)) != shard.index) continue;
    ++total_;
    if (doneIds_.count(queue_[i].id)) {
      ++alreadyDone_;
      continue;
    }
    mine.push_back(std::move(queue_[i]));
  }
  queue_ = std::move(mine);
  std::reverse(queue_.begin(), queue_.end());  // next() takes from the back
}

std::optional<PlannedTrial> TrialPlan::next() {
  if (!streams_.empty()) {
    // The stream with budget left that has started the fewest trials.
    Stream* best = nullptr;
    for (auto& s : streams_)
      if (s->started < spec_.trials && (!best || s->started < best->started)) best = s.get();
    if (!best) return std::nullopt;
    std::vector<std::vector<double>> pending;
    for (const auto& [id, u] : best->pending) pending.push_back(u);
    const SearchSpace& space = spec_.submissions[static_cast<std::size_t>(best->submission)].space;
    const std::vector<double> u = best->sampler->propose(best->done, pending);
    PlannedTrial t = makeTrial(best->submission, best->study, best->started, space.compose(TrialPoint{}, u));
    ++best->started;
    best->pending[t.id] = u;
    return t;
  }
  if (queue_.empty()) return std::nullopt;
  PlannedTrial t = std::move(queue_.back());
  queue_.pop_back();
  return t;
}

void TrialPlan::finished(const PlannedTrial& trial, const TrialResult& result) {
  for (auto& s : streams_)
    if (s->submission == trial.submission && s->study == trial.study) {
      auto it = s->pending.find(trial.id);
      if (it == s->pending.end()) return;
      s->done.push_back({it->second, objectiveOf(spec_, result)});
      s->pending.erase(it);
    }
}

void TrialPlan::abandoned(const PlannedTrial& trial) {
  for (auto& s : streams_)
    if (s->submission == trial.submission && s->study == trial.study && s->pending.erase(trial.id)) --s->started;
}

bool TrialPlan::exhausted() const {
  if (!streams_.empty()) {
    for (const auto& s : streams_)
      if (s->started < spec_.trials) return false;
    return true;
  }
  return queue_.empty();
}

std::vector<PlannedTrial> TrialPlan::remainingInOrder() const { return {queue_.rbegin(), queue_.rend()}; }

}  // namespace gaplab
