// workloads/trial_checkpoint.h — everything a trial needs to continue exactly
// where it stopped, in one HDF5 file.
//
// Why: a run stopped by a signal, a preemption or `kill -9` must continue with
// bit-identical results (CPU, same rank layout). Parameters, optimizer state
// and BatchNorm statistics live in the ParameterArena (one dataset each); the
// optimizer's step counter and the trainer's loop state (step, timers, running
// losses, the curve so far) are small and go into one text attribute with
// doubles in hexadecimal (%a), which round-trips exactly. Data order, dropout
// masks and the learning rate are pure functions of (seed, step, rank), so the
// step is their whole state.
//
// Files are written to `<path>.tmp-<pid>` and renamed onto `path`: a reader
// sees the previous checkpoint or the new one, never half of one. A checksum of
// every stored float catches corruption that HDF5 itself would not notice.
//
// This lives in workloads/ (DESIGN.md first placed it in distributed/) because
// it stores the trainer's curve (TrialResult's EvalRecord), which distributed/
// must not know about; the collective part is the Communicator it is given.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/parameter_arena.h"
#include "distributed/communicator.h"
#include "workloads/trial_result.h"

namespace gaplab {

// A checkpoint that cannot be used: missing, truncated, corrupt, another format
// version, another config or another rank layout. The message names the file.
class CheckpointError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The trainer's loop state at a step boundary (what trainer.cpp keeps in locals).
struct TrainerState {
  int64_t step = 0;
  int64_t optimizerSteps = 0;
  double timedSeconds = 0.0;
  double evalSeconds = 0.0;
  double loggingSeconds = 0.0;
  double checkpointSeconds = 0.0;
  double communicationSeconds = 0.0;
  double wallSeconds = 0.0;       // wall clock of the run so far, setup excluded
  double setupSeconds = 0.0;      // of the first start
  double lossSinceEval = 0.0;
  int64_t stepsSinceEval = 0;
  double runningLoss = 0.0;
  double lastEvalTimed = 0.0;
  int64_t startedAtUnix = 0;
  int64_t resumes = 0;            // how many times this trial was resumed
  std::vector<EvalRecord> curve;
  // w_0, the trainable values at step 0, kept only with training.track_weight_distance
  // ([arena size] then, empty otherwise); stored as the dataset /initial_values.
  std::vector<float> initialValues;
};

// Which run a checkpoint belongs to; a checkpoint is refused by any other run.
struct CheckpointIdentity {
  std::string trialId;     // trialIdOf(resolved config)
  std::string configYaml;  // the resolved config (lets `gaplab run --resume` work without the YAML)
  int ranks = 1;
};

// How the run was started, so that `gaplab run --resume CHECKPOINT` can start
// it again without the YAML file: the user's config text (before workload
// defaults, which must stay defaults) and the --set overrides.
struct CheckpointOrigin {
  std::string resultsPath;   // the results file the run writes to
  std::string sourceName;    // the config file's path, for messages
  std::string sourceYaml;    // its text
  std::vector<std::string> overrides;
};

// What peek() reports without touching an arena.
struct CheckpointInfo {
  CheckpointIdentity identity;
  CheckpointOrigin origin;
  int64_t step = 0;
};

class TrialCheckpoint {
 public:
  // Stored in the file attribute `gaplab_checkpoint_version`; bump when the content changes.
  static constexpr int kFormatVersion = 1;
  static constexpr const char* kVersionAttribute = "gaplab_checkpoint_version";

  // Collective over `comm`: every rank calls it. Per-rank buffers (BatchNorm
  // running statistics differ between ranks with local BatchNorm) are gathered
  // to rank 0, which writes `path` atomically. Parameters and optimizer state
  // are identical on every rank after the averaged update, so rank 0's are stored.
  // When rank 0 cannot write, every rank throws (rank 0 with the reason).
  static void save(const std::string& path, const CheckpointIdentity& identity, const CheckpointOrigin& origin,
                   const TrainerState& state, ParameterArena& arena, Communicator& comm);

  // Every rank reads `path` and restores the arena (rank `rank`'s buffers) and
  // returns the trainer state (with initialValues when the checkpoint holds
  // /initial_values). Throws CheckpointError when the file is missing,
  // not HDF5 or truncated, of another format version, written for another
  // config (trial id), for another number of ranks, for another model layout,
  // or when the checksum does not match.
  static TrainerState load(const std::string& path, const CheckpointIdentity& expected, int rank,
                           ParameterArena& arena);

  // Continual pre-training: the parameters (and rank 0's buffers) of the run that
  // wrote `path` become `arena`'s, whatever config that run had, as long as the
  // model layout is the same; its optimizer state and trainer state are not
  // used (the new run starts its own). Same checks as load() otherwise.
  static void loadWeights(const std::string& path, ParameterArena& arena);

  // Reads only the identity, step and results path (same errors as load()
  // except the ones that need the run's own identity).
  static CheckpointInfo peek(const std::string& path);

  // Removes `<path>.tmp-<pid>` files whose writer is no longer running (a
  // process killed while writing a checkpoint leaves one behind).
  static void removeStaleTemporaries(const std::string& path);

  // `<resultsPath>.ckpt`: where `gaplab run` keeps the checkpoint of its run.
  static std::string defaultPathFor(const std::string& resultsPath) { return resultsPath + ".ckpt"; }
};

}  // namespace gaplab
