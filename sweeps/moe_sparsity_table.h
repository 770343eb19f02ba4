// sweeps/moe_sparsity_table.h — the table of an MoE sparsity sweep: one row per
// trial with its experts, top-k, total and active parameters, losses, the
// train-validation gap and the task and load-balance metrics it recorded.
//
// Why: "Optimal Sparsity of Mixture-of-Experts Language Models for Reasoning
// Tasks" reads its findings off such a table (loss and task accuracy against
// total and against active parameters at a fixed token budget). This builds it
// from recorded TrialResults as pure logic, so `gaplab analyze moe` and tests
// share one definition of every column.
//
// Columns, from a trial's resolved config (sweeps/lm_trial_config.h) and its
// final evaluation (TrialResult::curve.back()):
//   experts, top_k      model.experts / model.top_k (1 / 1 for a dense lm, moe_every = 0)
//   total, active       countGptParameters of model: every parameter, and those
//                       a token uses (top-k of the experts; router included).
//                       total must equal the recorded parameter_count.
//   train loss          EvalRecord::trainLoss: mean minibatch loss since the previous evaluation
//   eval-train loss, validation loss, validation bits/byte (the workload's metric)
//   loss gap            validation loss - eval-train loss (EvalRecord::lossGap)
//   extras              validation/next_byte_accuracy, validation/exact_match
//                       (greedy exact match of the synthetic memorization /
//                       reasoning tasks; the workload pools every synthetic
//                       source of a trial, so one task per trial gives per-task
//                       numbers: `corpus` names it), validation/moe_load_cv,
//                       validation/moe_dropped_fraction. NaN when not recorded.
// Rows are sorted by total, then active parameters, then corpus, seed, trial id.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "workloads/trial_result.h"

namespace gaplab {

struct MoeSparsityRow {
  std::string trialId;
  std::string corpus;          // data.corpus joined with '+', e.g. "reasoning"
  uint64_t seed = 0;
  TrialStatus status = TrialStatus::kFailed;
  int64_t experts = 1;
  int64_t topK = 1;
  int64_t totalParameters = 0;
  int64_t activeParameters = 0;
  int64_t steps = 0;           // step of the final evaluation
  double trainLoss = 0.0;
  double evalTrainLoss = 0.0;
  double validationLoss = 0.0;
  double lossGap = 0.0;
  double validationBitsPerByte = 0.0;
  double nextByteAccuracy = 0.0;   // validation; NaN when not recorded
  double exactMatch = 0.0;         // validation, synthetic tasks only; NaN otherwise
  double expertLoadCv = 0.0;       // validation; NaN for a dense model
  double droppedFraction = 0.0;    // validation; NaN for a dense model
};

struct MoeSparsityTable {
  std::vector<MoeSparsityRow> rows;
  std::vector<std::string> skipped;  // "trial <id>: why" for trials without a row
};

// Trials of other workloads and trials without any evaluation are skipped (and
// listed). Throws std::invalid_argument naming the trial when an lm trial's
// config is bad or its recorded parameter_count differs from its config's total.
MoeSparsityTable buildMoeSparsityTable(const std::vector<TrialResult>& trials);

// The value of extra `name` (e.g. "validation/exact_match") in `eval`, NaN when absent.
double extraOrNaN(const EvalRecord& eval, const std::string& name);

}  // namespace gaplab
