// sweeps/sweep_scheduler.cpp — see sweep_scheduler.h.
//
// Messages between the coordinator (world rank 0) and group leaders, all text:
//   leader -> coordinator  kReady            (once, at start)
//                          kResult  <TrialResult>   (after each trial)
//                          kReport  <id, resource, value>  (ASHA rung reached)
//   coordinator -> leader  kAssign  <trial>  |  kStop
//                          kDecision <0 continue | 1 stop>
// A leader broadcasts each assignment (or the stop) to its group.
#include "sweeps/sweep_scheduler.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <cmath>
#include <deque>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <thread>

#include "distributed/communicator.h"
#include "core/device_memory.h"
#include "distributed/message_channel.h"
#include "distributed/mpi_communicator.h"
#include "distributed/rank_groups.h"
#include "distributed/trial_communicator.h"
#include "sweeps/asha.h"
#include "sweeps/result_store.h"
#include "sweeps/trial_plan.h"
#include "workloads/single_run.h"
#include "workloads/trial_result_codec.h"

namespace gaplab {
namespace {

using Clock = std::chrono::steady_clock;

enum Tag : int { kReady = 1, kAssign = 2, kResult = 3, kReport = 4, kDecision = 5, kStop = 6 };

constexpr const char* kSweepIdAttribute = "gaplab_sweep_id";
constexpr const char* kSweepNameAttribute = "gaplab_sweep_name";
constexpr const char* kSweepYamlAttribute = "gaplab_sweep_yaml";

// ---- the trial as it travels to a group -------------------------------------

std::string encodeAssignment(const PlannedTrial& t) {
  TextEncoder out;
  out.put(t.id).put(static_cast<int64_t>(t.submission)).put(t.submissionName).put(static_cast<int64_t>(t.study));
  out.put(t.index).put(static_cast<int64_t>(t.seed)).put(t.parameters).put(t.samplePoint);
  out.put(static_cast<int64_t>(t.overrides.size()));
  for (const std::string& o : t.overrides) out.put(o);
  return out.text();
}

PlannedTrial decodeAssignment(const std::string& text) {
  TextDecoder in(text, "sweep trial assignment");
  PlannedTrial t;
  t.id = in.getString();
  t.submission = static_cast<int>(in.getInt());
  t.submissionName = in.getString();
  t.study = static_cast<int>(in.getInt());
  t.index = in.getInt();
  t.seed = static_cast<uint64_t>(in.getInt());
  t.parameters = in.getString();
  t.samplePoint = in.getString();
  const int64_t n = in.getInt();
  for (int64_t i = 0; i < n; ++i) t.overrides.push_back(in.getString());
  return t;
}

// ---- ASHA from inside a trial -----------------------------------------------

// The metric ASHA ranks: the target's (validation loss or the workload's metric).
double ashaValue(const RunConfig& config, const EvalRecord& r) {
  return config.target.metric == "loss" ? r.validationLoss : r.validationMetric;
}

double ashaResource(const AshaConfig& asha, const EvalRecord& r) {
  return asha.unit == AshaResourceUnit::kSteps ? static_cast<double>(r.step) : r.timedSeconds;
}

// Asks the sweep's AshaStopper at every rung a trial reaches. `decide` does the
// asking (directly, or through the coordinator); the group then agrees on the
// leader's answer with one max-reduction.
class AshaMonitor final : public TrialMonitor {
 public:
  AshaMonitor(const AshaConfig& asha, const RunConfig& config, Communicator& comm, bool asker,
              std::function<AshaDecision(double resource, double value)> decide)
      : asha_(asha), config_(config), comm_(comm), asker_(asker), decide_(std::move(decide)) {
    AshaStopper rungsOnly(asha);
    rungs_ = rungsOnly.rungs();
  }
  bool shouldContinue(const EvalRecord& record) override {
    const double resource = ashaResource(asha_, record);
    if (next_ >= rungs_.size() || resource < rungs_[next_]) return true;  // no new rung: no question to ask
    while (next_ < rungs_.size() && resource >= rungs_[next_]) ++next_;
    double stop = 0.0;
    if (asker_) stop = decide_(resource, ashaValue(config_, record)) == AshaDecision::kStop ? 1.0 : 0.0;
    if (comm_.size() > 1) stop = comm_.allReduceMax(stop);
    return stop == 0.0;
  }

 private:
  AshaConfig asha_;
  const RunConfig& config_;
  Communicator& comm_;
  bool asker_;
  std::function<AshaDecision(double, double)> decide_;
  std::vector<double> rungs_;
  std::size_t next_ = 0;
};

// ---- one trial on one group ---------------------------------------------------

int threadsPerRank(const SweepSpec& spec, int workerRanksOnNode) {
  if (spec.threadsPerRank > 0) return spec.threadsPerRank;
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return std::max(1, cores / std::max(1, workerRanksOnNode));
}

TrialResult failedTrial(const std::string& workload, const std::string& message) {
  TrialResult r;
  r.workload = workload;
  r.status = TrialStatus::kFailed;
  r.statusMessage = message;
  return r;
}

// Runs `t` on `comm`'s ranks (all of them call it). Never throws for the trial's own problems.
// `workerLocalRank`: this rank among the node's worker ranks; a `device: cuda`
// trial trains on GPU (workerLocalRank mod GPUs), and a trial of several ranks
// sums gradients over a device communicator made for it from `comm`'s ranks
// (NCCL, or MPI through host memory where ranks share a GPU).
TrialResult runTrial(const SweepSpec& spec, const PlannedTrial& t, Communicator& comm, int threads,
                     const std::string& checkpointDirectory, const std::atomic<bool>* stop,
                     const std::function<AshaDecision(const std::string&, double, double)>& askAsha,
                     int workerLocalRank) {
  TrialResult result;
  std::vector<std::string> overrides = t.overrides;
  overrides.push_back("threads=" + std::to_string(threads));
  CheckpointPlan plan;
  if (spec.checkpointEverySeconds > 0.0) {
    plan.path = checkpointDirectory + "/" + t.id + ".ckpt";
    plan.everyTimedSeconds = spec.checkpointEverySeconds;
    plan.origin.sourceName = spec.basePath;
    plan.origin.sourceYaml = spec.baseYaml;
    plan.origin.overrides = overrides;
    std::error_code ec;
    plan.resume = std::filesystem::exists(plan.path, ec);
  }
  auto attempt = [&]() {
    PreparedRun run = prepareRunFromText(spec.baseYaml, spec.basePath, overrides);
    Communicator* trialComm = &comm;
    std::unique_ptr<Communicator> deviceComm;
    if (run.config.device == Device::kCuda) {
      if (cudaAvailable()) selectDeviceForLocalRank(workerLocalRank);
      if (auto* mpiComm = dynamic_cast<MpiCommunicator*>(&comm); mpiComm && comm.size() > 1) {
        deviceComm = makeTrialCommunicator(mpiComm->handle(), Device::kCuda, comm.rank() == 0 ? stderr : nullptr);
        trialComm = deviceComm.get();
      }
    }
    std::unique_ptr<AshaMonitor> monitor;
    if (spec.asha)
      monitor = std::make_unique<AshaMonitor>(*spec.asha, run.config, *trialComm, trialComm->rank() == 0,
                                              [&](double resource, double value) { return askAsha(t.id, resource, value); });
    return executeRun(run, *trialComm, nullptr, stop, plan.path.empty() ? nullptr : &plan, monitor.get());
  };
  try {
    try {
      result = attempt();
    } catch (const CheckpointError&) {
      // A checkpoint from another layout (threads, ranks) cannot continue bit for bit: start afresh.
      comm.barrier();
      std::error_code ec;
      if (comm.rank() == 0) std::filesystem::remove(plan.path, ec);
      comm.barrier();
      plan.resume = false;
      result = attempt();
    }
    if (!plan.path.empty() && result.status != TrialStatus::kInterrupted && comm.rank() == 0) {
      std::error_code ec;
      std::filesystem::remove(plan.path, ec);
    }
  } catch (const std::exception& e) {
    result = failedTrial(spec.workload, std::string("trial could not start: ") + e.what());
  }
  result.trialId = t.id;  // the sweep's id (workload + defining overrides + seed), not the resolved-config hash
  result.submission = t.submissionName;
  result.study = t.study;
  result.parameters = t.parameters;
  result.samplePoint = t.samplePoint;
  if (result.workload.empty()) result.workload = spec.workload;
  return result;
}

// ---- the coordinator's side -----------------------------------------------------

// Holds `<results>.lock` for the sweep's lifetime: a second sweep on the same
// file is refused instead of corrupting it. The kernel drops the lock when the
// process dies, even by kill -9.
class ResultsLock {
 public:
  explicit ResultsLock(const std::string& resultsPath) : path_(resultsPath + ".lock") {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT, 0644);
    if (fd_ < 0) throw std::runtime_error("cannot create lock file " + path_ + ": " + std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd_);
      throw std::runtime_error("results file " + resultsPath + " is in use by another gaplab sweep (lock " + path_ +
                               " is held); wait for it or use --out");
    }
  }
  ~ResultsLock() {
    ::unlink(path_.c_str());
    ::close(fd_);
  }
  ResultsLock(const ResultsLock&) = delete;
  ResultsLock& operator=(const ResultsLock&) = delete;

 private:
  std::string path_;
  int fd_ = -1;
};

// Creates the sweep's results file, or checks that an existing one belongs to
// this sweep, and returns the trials already in it. Never changes an existing
// file (a refused one stays byte-identical).
std::vector<TrialResult> openResults(const SweepSpec& spec, const SweepRunOptions& options) {
  const std::string& path = options.resultsPath;
  std::vector<TrialResult> done;
  // A writer killed earlier may have left `<path>.tmp-<pid>`; we hold the lock, so none is running.
  ResultStore::removeStaleTemporaries(path);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    ResultStore created = ResultStore::create(path, OverwriteMode::kFail);
    created.setAttribute(kSweepIdAttribute, spec.sweepId);
    created.setAttribute(kSweepNameAttribute, spec.name);
    created.setAttribute(kSweepYamlAttribute, spec.definitionYaml);
    created.commit();
    return done;
  }
  if (!hdfIsHdf5File(path))
    throw std::runtime_error("results file " + path +
                             " exists but is not a readable HDF5 file (corrupt or not a results file); it was left "
                             "untouched: move it away or use --out");
  std::optional<std::string> id;
  try {
    id = ResultStore::readAttribute(path, kSweepIdAttribute);
    done = ResultStore::readAll(path);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string(e.what()) + " (the file was left untouched)");
  }
  if (!options.append && id.value_or("") != spec.sweepId) {
    const std::optional<std::string> name = ResultStore::readAttribute(path, kSweepNameAttribute);
    throw std::runtime_error("results file " + path + " holds " +
                             (id ? "another sweep ('" + name.value_or("?") + "', id " + *id + ")"
                                 : std::string("results that are not from a sweep")) +
                             "; this sweep '" + spec.name + "' has id " + spec.sweepId +
                             ". Pass --append to add its trials to that file, or --out another file");
  }
  return done;
}

struct RunningTrial {
  PlannedTrial trial;
  int attempt = 1;
};

class Coordinator {
 public:
  Coordinator(const SweepSpec& spec, const SweepRunOptions& options, int groups)
      : spec_(spec), options_(options), lock_(options.resultsPath) {
    trials_ = openResults(spec, options);
    plan_ = std::make_unique<TrialPlan>(spec, trials_, options.shard);
    if (spec.asha) asha_ = std::make_unique<AshaStopper>(*spec.asha);
    status_.total = plan_->total();
    status_.alreadyDone = plan_->alreadyDone();
    status_.groups = groups;
    for (const TrialResult& r : trials_) considerBest(r);
    std::filesystem::create_directories(sweepCheckpointDirectory(options.resultsPath));
    // A trial killed while writing its checkpoint leaves `<id>.ckpt.tmp-<pid>` (the checkpoint itself is renamed into place).
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(sweepCheckpointDirectory(options.resultsPath), ec))
      if (entry.path().filename().string().find(".tmp-") != std::string::npos) std::filesystem::remove(entry.path(), ec);
    start_ = Clock::now();
  }

  TrialPlan& plan() { return *plan_; }
  bool stopping() const { return stopping_; }
  void checkStop() {
    if (!stopping_ && options_.stop && options_.stop->load()) stopping_ = true;
  }

  // The next trial for a free group: retries first, then the plan.
  std::optional<RunningTrial> next() {
    if (stopping_) return std::nullopt;
    if (!retries_.empty()) {
      RunningTrial r = std::move(retries_.front());
      retries_.pop_front();
      return r;
    }
    std::optional<PlannedTrial> t = plan_->next();
    if (!t) return std::nullopt;
    return RunningTrial{std::move(*t), 1};
  }
  bool nothingLeft() const { return stopping_ || (retries_.empty() && plan_->exhausted()); }

  AshaDecision askAsha(const std::string& id, double resource, double value) {
    return asha_ ? asha_->report(id, resource, value) : AshaDecision::kContinue;
  }

  // A group finished `running` with `result`.
  void onResult(const RunningTrial& running, TrialResult result) {
    if (result.status == TrialStatus::kInterrupted) {
      plan_->abandoned(running.trial);
      ++status_.interrupted;
      return;
    }
    if (result.status == TrialStatus::kFailed && running.attempt <= spec_.maxRetries && !stopping_) {
      ++status_.retries;
      retries_.push_back({running.trial, running.attempt + 1});
      return;
    }
    result.attempts = running.attempt;
    plan_->finished(running.trial, result);  // bayes learns from it at once
    unwritten_.push_back(std::move(result));
  }

  // Writes what arrived since the last write (at most every kWriteInterval, so
  // that thousands of short trials cost a few file versions per second), then
  // tells the progress display: a trial counts as done once it is in the file.
  void flushAndReport(int64_t running, bool force) {
    const Clock::time_point now = Clock::now();
    if (!unwritten_.empty() && (force || now - lastWrite_ >= kWriteInterval)) {
      ResultStore::appendAtomically(options_.resultsPath, unwritten_);
      lastWrite_ = now;
      for (TrialResult& r : unwritten_) {
        ++status_.recorded;
        if (r.status == TrialStatus::kFailed || r.status == TrialStatus::kDiverged) ++status_.failed;
        if (r.status == TrialStatus::kStoppedEarly) ++status_.stoppedEarly;
        considerBest(r);
        trials_.push_back(std::move(r));
        justRecorded_.push_back(trials_.size() - 1);
      }
      unwritten_.clear();
    }
    status_.running = running;
    status_.elapsedSeconds = std::chrono::duration<double>(Clock::now() - start_).count();
    const int64_t remaining = status_.total - status_.alreadyDone - status_.recorded;
    status_.etaSeconds = status_.recorded > 0 ? status_.elapsedSeconds / static_cast<double>(status_.recorded) *
                                                    static_cast<double>(remaining)
                                              : -1.0;
    if (options_.progress) {
      for (std::size_t i : justRecorded_) options_.progress->onTrialRecorded(trials_[i], status_);
      if (force || now - lastUpdate_ > std::chrono::milliseconds(200)) {
        options_.progress->onUpdate(status_);
        lastUpdate_ = now;
      }
    }
    justRecorded_.clear();
  }

  SweepOutcome finish() {
    flushAndReport(0, true);
    SweepOutcome outcome;
    outcome.status = status_;
    outcome.trials = std::move(trials_);
    outcome.interrupted = stopping_;
    return outcome;
  }

 private:
  void considerBest(const TrialResult& r) {
    const double objective = TrialPlan::objectiveOf(spec_, r);
    if (!std::isfinite(objective)) return;
    if (!status_.hasBest || objective < status_.bestObjective) {
      status_.hasBest = true;
      status_.best = r;
      status_.best.curve.clear();
      status_.bestObjective = objective;
    }
  }

  const SweepSpec& spec_;
  const SweepRunOptions& options_;
  ResultsLock lock_;
  static constexpr std::chrono::milliseconds kWriteInterval{200};
  std::vector<TrialResult> unwritten_;  // finished, not yet in the file (nor counted as done)
  Clock::time_point lastWrite_{};
  std::unique_ptr<TrialPlan> plan_;
  std::unique_ptr<AshaStopper> asha_;
  std::vector<TrialResult> trials_;
  std::vector<std::size_t> justRecorded_;
  std::deque<RunningTrial> retries_;
  SweepStatus status_;
  bool stopping_ = false;
  Clock::time_point start_;
  Clock::time_point lastUpdate_{};
};

// ---- the two layouts ------------------------------------------------------------

SweepOutcome runInProcess(const SweepSpec& spec, const SweepRunOptions& options) {
  Coordinator coordinator(spec, options, 1);
  LocalCommunicator comm;
  const int threads = threadsPerRank(spec, 1);
  const std::string checkpoints = sweepCheckpointDirectory(options.resultsPath);
  auto askAsha = [&](const std::string& id, double resource, double value) {
    return coordinator.askAsha(id, resource, value);
  };
  for (;;) {
    coordinator.checkStop();
    std::optional<RunningTrial> running = coordinator.next();
    if (!running) break;
    coordinator.flushAndReport(1, true);
    TrialResult result = runTrial(spec, running->trial, comm, threads, checkpoints, options.stop, askAsha, 0);
    coordinator.onResult(*running, std::move(result));
    coordinator.flushAndReport(0, false);
  }
  return coordinator.finish();
}

SweepOutcome runCoordinator(const SweepSpec& spec, const SweepRunOptions& options, const RankLayout& layout) {
  MessageChannel channel(MPI_COMM_WORLD);
  std::unique_ptr<Coordinator> coordinator;
  std::string setupError;
  try {
    coordinator = std::make_unique<Coordinator>(spec, options, layout.groups);
  } catch (const std::exception& e) {
    setupError = e.what();
  }
  // Tell every leader whether to start (they wait for their first message).
  if (!setupError.empty()) {
    for (int g = 0; g < layout.groups; ++g) channel.send(layout.leaderOf(g), kStop, "");
    throw std::runtime_error(setupError);
  }
  std::deque<int> free;
  std::map<int, RunningTrial> running;
  Backoff backoff(std::chrono::milliseconds(2));
  for (;;) {
    bool progressed = false;
    while (std::optional<Message> m = channel.poll()) {
      progressed = true;
      const int group = layout.groupOf(m->source);
      if (m->tag == kReady) {
        free.push_back(group);
      } else if (m->tag == kResult) {
        auto it = running.find(group);
        if (it == running.end()) throw std::logic_error("sweep: a result from group " + std::to_string(group) + ", which runs no trial");
        coordinator->onResult(it->second, decodeTrialResult(m->body, "trial result from rank " + std::to_string(m->source)));
        running.erase(it);
        free.push_back(group);
      } else if (m->tag == kReport) {
        TextDecoder in(m->body, "ASHA report from rank " + std::to_string(m->source));
        const std::string id = in.getString();
        const double resource = in.getDouble();
        const double value = in.getDouble();
        channel.send(m->source, kDecision, coordinator->askAsha(id, resource, value) == AshaDecision::kStop ? "1" : "0");
      }
    }
    coordinator->checkStop();
    while (!free.empty()) {
      std::optional<RunningTrial> next = coordinator->next();
      if (!next) break;
      const int group = free.front();
      free.pop_front();
      channel.send(layout.leaderOf(group), kAssign, encodeAssignment(next->trial));
      running.emplace(group, std::move(*next));
      progressed = true;
    }
    coordinator->flushAndReport(static_cast<int64_t>(running.size()), false);
    if (running.empty() && coordinator->nothingLeft() && static_cast<int>(free.size()) == layout.groups) break;
    if (progressed) backoff.reset();
    else backoff.wait();
  }
  for (int g = 0; g < layout.groups; ++g) channel.send(layout.leaderOf(g), kStop, "");
  return coordinator->finish();
}

void runWorker(const SweepSpec& spec, const SweepRunOptions& options, RankGroups& groups) {
  MessageChannel channel(MPI_COMM_WORLD);
  MpiCommunicator& comm = groups.groupComm();
  const int threads = threadsPerRank(spec, groups.workerRanksOnNode());
  const std::string checkpoints = sweepCheckpointDirectory(options.resultsPath);
  auto askAsha = [&](const std::string& id, double resource, double value) {
    TextEncoder report;
    report.put(id).put(resource).put(value);
    channel.send(0, kReport, report.text());
    for (;;) {
      Message m = channel.wait(0);
      if (m.tag == kDecision) return m.body == "1" ? AshaDecision::kStop : AshaDecision::kContinue;
      throw std::logic_error("sweep: expected an ASHA decision from the coordinator, got message tag " + std::to_string(m.tag));
    }
  };
  if (groups.isLeader()) channel.send(0, kReady, "");
  for (;;) {
    std::string assignment;
    if (groups.isLeader()) {
      Message m = channel.wait(0);
      assignment = m.tag == kAssign ? m.body : std::string();
    }
    broadcastText(comm, assignment, 0);
    if (assignment.empty()) return;
    const PlannedTrial trial = decodeAssignment(assignment);
    TrialResult result =
        runTrial(spec, trial, comm, threads, checkpoints, options.stop, askAsha, groups.workerLocalRank());
    if (groups.isLeader()) channel.send(0, kResult, encodeTrialResult(result));
  }
}

}  // namespace

std::string sweepCheckpointDirectory(const std::string& resultsPath) { return resultsPath + ".ckpt.d"; }

SweepOutcome runSweep(const SweepSpec& spec, const SweepRunOptions& options, int worldSize) {
  if (worldSize <= 1) return runInProcess(spec, options);
  const RankLayout layout = RankLayout::forSweep(worldSize, spec.ranksPerTrial);
  RankGroups groups(layout);
  if (groups.role() == RankRole::kCoordinator) return runCoordinator(spec, options, layout);
  runWorker(spec, options, groups);
  SweepOutcome outcome;
  outcome.coordinator = false;
  return outcome;
}

}  // namespace gaplab
