// sweeps/lm_trial_config.h — the facts a study needs about one recorded
// language-model trial, read from its resolved config (TrialResult::configYaml).
//
// Why: the Step Law fit needs N (non-embedding parameters), D (tokens), the
// peak learning rate and the batch in tokens; the MoE sparsity table needs the
// experts, top-k and total/active parameters. Both read them here, through the
// same readGptSpec the lm / moe_lm workloads build their model from, so an
// analysis can never count parameters differently from the model that trained.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "workloads/gpt_model.h"
#include "workloads/trial_result.h"

namespace gaplab {

struct LmTrialConfig {
  GptSpec spec;
  GptCounts counts;              // countGptParameters(spec): total, active, non-embedding (N)
  int64_t experts = 1;           // model.experts (1 for a dense model, moe_every = 0)
  int64_t topK = 1;              // model.top_k (1 for a dense model)
  int64_t sequenceLength = 0;    // data.sequence_length, or model.context when it is 0
  int64_t batchTokens = 0;       // training.batch_size (per rank) * ranks * sequenceLength
  int64_t tokenBudget = 0;       // data.token_budget (0: unlimited)
  double learningRate = 0.0;     // optimizer.lr (the peak of the schedule)
  std::vector<std::string> corpora;  // data.corpus, e.g. {"memorization"}
};

// The workloads whose config readLmTrialConfig understands: lm and moe_lm.
bool isLmWorkload(const std::string& workload);

// Reads `trial.configYaml` (ranks from trial.ranks). Throws std::invalid_argument
// naming the trial id when the config does not parse or holds a bad value for
// one of these keys (the message includes the key and what was expected), or
// when the trial is not of an lm workload (isLmWorkload).
LmTrialConfig readLmTrialConfig(const TrialResult& trial);

// The corpora of a trial joined with '+', e.g. "fortunes_en+fortunes_de".
std::string corpusLabel(const LmTrialConfig& config);

}  // namespace gaplab
