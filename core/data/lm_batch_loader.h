// core/data/lm_batch_loader.h — deterministic, resumable, shardable batches of
// byte windows for language models, from one source or a weighted mixture,
// under an exact token budget.
//
// Why: scaling-law sweeps and the continual pre-training and MoE studies count
// data in tokens, mix corpora by weight, resume after preemption and run data
// parallel. All of that is simple when batch k depends only on (seed, k): a
// resumed run replays exactly, and W ranks see the same global batches as one
// rank with a W times larger batch.
//
// Training windows. Step k draws its whole global batch of G = B * worldSize
// rows from one stream, RngStream(seed, RngPurpose::kShuffle, k):
//   1. G 53-bit uniforms u_0..u_{G-1}; row j takes the source whose cumulative
//      normalised weight interval holds u_j (sources in constructor order);
//   2. then, for rows j = 0, 1, ... in order, a window start s_j uniform in
//      [0, n_j - T) by below(), n_j the length of row j's source.
// Row j: inputs = tokens[s_j, s_j + T), targets = tokens[s_j + 1, s_j + T + 1).
// Every rank draws the same global batch; rank r returns rows [r*B, (r+1)*B).
//
// Token budget. Tokens are counted as targets: each step consumes
// tokensPerStep() = B * worldSize * T tokens globally (all ranks together). A
// budget D > 0 must be a multiple of tokensPerStep() (else the constructor
// throws, naming the nearest valid budgets), so that after maxSteps() = D /
// tokensPerStep() steps exactly D tokens were consumed; next() beyond that
// throws std::out_of_range. D = 0 means unlimited.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "core/data/batch_loader.h"
#include "core/rng.h"

namespace gaplab {

// Row-major [batch, context] token ids (bytes, 0..255); targets[i] is the token
// that follows inputs[i] in the source (inputs shifted by one).
struct LmBatch {
  std::vector<int32_t> inputs;
  std::vector<int32_t> targets;
  int64_t batch = 0;
  int64_t context = 0;
};

// One token array of a mixture, drawn with probability weight / sum(weights).
// `name` must be unique within a loader (tokensConsumedFrom looks it up).
struct LmSource {
  std::string name;
  std::shared_ptr<const std::vector<uint8_t>> tokens;
  double weight = 1.0;
};

class LmBatchLoader {
 public:
  // maxSteps() when the budget is unlimited.
  static constexpr int64_t kUnlimitedSteps = std::numeric_limits<int64_t>::max();

  // batchSize B is per rank; context T is the window length. Throws
  // std::invalid_argument naming the source and sizes for: no sources, a null
  // token array, a source shorter than T + 1 tokens, a weight that is not
  // finite and > 0, a duplicate source name, B < 1, T < 1, an invalid shard
  // (worldSize < 1 or rank outside [0, worldSize)), a negative budget, or a
  // budget that is not a multiple of tokensPerStep() (naming D, B, worldSize,
  // T and the nearest valid budgets).
  LmBatchLoader(std::vector<LmSource> sources, int64_t batchSize, int64_t context, uint64_t seed, ShardSpec shard = {},
                int64_t tokenBudget = 0);

  // This rank's rows of global step step(), then advances the step and the
  // consumed-token counters. Throws std::out_of_range once maxSteps() steps
  // were taken.
  LmBatch next();

  // This rank's rows of global step `step`, without moving the cursor: the
  // batch next() returns at that step. A pure function of (seed, step, rank).
  LmBatch batchAt(int64_t step) const;

  // Resume: the next batch is global step `step`, and the counters are those of
  // an uninterrupted run after `step` steps (the per-source counters replay the
  // source draws of steps [0, step): O(step * G) draws, no copying). Throws
  // std::out_of_range unless 0 <= step <= maxSteps().
  void seek(int64_t step);

  // Global steps taken (the next batch's step).
  int64_t step() const { return step_; }
  // Target tokens consumed by all ranks together: step() * tokensPerStep().
  int64_t tokensConsumed() const { return step_ * tokensPerStep(); }
  // The part of tokensConsumed() drawn from the source named `name` (global,
  // all ranks). Throws std::invalid_argument for an unknown name.
  int64_t tokensConsumedFrom(const std::string& name) const;

  // tokenBudget / tokensPerStep(), or kUnlimitedSteps when the budget is 0.
  int64_t maxSteps() const { return maxSteps_; }
  int64_t tokenBudget() const { return tokenBudget_; }  // 0: unlimited
  int64_t tokensPerStep() const { return batchSize_ * shard_.worldSize * context_; }
  int64_t batchSize() const { return batchSize_; }  // per rank
  int64_t globalBatchSize() const { return batchSize_ * shard_.worldSize; }
  int64_t context() const { return context_; }
  const std::vector<LmSource>& sources() const { return sources_; }

 private:
  // Source index of each of the G global rows (step 1 of the draw) from the step's stream.
  std::vector<int> drawSources(RngStream& rng) const;
  // This rank's rows of `step`; `which` receives the source of every global row.
  LmBatch build(int64_t step, std::vector<int>& which) const;

  std::vector<LmSource> sources_;
  std::vector<double> cumulative_;  // normalised cumulative weights; last is 1
  int64_t batchSize_;
  int64_t context_;
  uint64_t seed_;
  ShardSpec shard_;
  int64_t tokenBudget_;
  int64_t maxSteps_ = kUnlimitedSteps;
  int64_t step_ = 0;
  std::vector<int64_t> rowsFrom_;  // global rows drawn from each source so far
};

// Evaluation over `tokens` in order: window w has inputs tokens[w*T, w*T + T)
// and targets tokens[w*T + 1, w*T + T + 1), non-overlapping, for w = 0, 1, ...
// while the window fits ((size - 1) / T full windows; a shorter tail is not
// evaluated). Windows are grouped into batches of `batch` rows in order and
// `fn` is called once per batch; the last batch may have fewer rows. At most
// `maxWindows` windows are used (0: all). Deterministic: no randomness.
// Throws std::invalid_argument for batch < 1, context < 1, maxWindows < 0, or
// fewer than context + 1 tokens (naming the sizes).
void forEachEvalWindow(const std::vector<uint8_t>& tokens, int64_t batch, int64_t context,
                       const std::function<void(const LmBatch&)>& fn, int64_t maxWindows);

}  // namespace gaplab
