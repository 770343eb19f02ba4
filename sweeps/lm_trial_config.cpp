// sweeps/lm_trial_config.cpp — see lm_trial_config.h.
#include "sweeps/lm_trial_config.h"

#include <stdexcept>

#include "core/config/config_node.h"
#include "workloads/lm_workload.h"

namespace gaplab {

bool isLmWorkload(const std::string& workload) { return workload == "lm" || workload == "moe_lm"; }

LmTrialConfig readLmTrialConfig(const TrialResult& trial) {
  const std::string where = "trial '" + trial.trialId + "' (workload '" + trial.workload + "')";
  if (!isLmWorkload(trial.workload))
    throw std::invalid_argument(where + ": not a language-model trial; expected workload lm or moe_lm");
  try {
    ConfigDocument doc = ConfigDocument::parse(trial.configYaml, "config of " + where);
    ConfigSection root = doc.root();
    LmTrialConfig c;
    c.spec = readGptSpec(root.section("model"));
    c.counts = countGptParameters(c.spec);
    if (c.spec.moeEvery > 0) {
      c.experts = c.spec.moe.experts;
      c.topK = c.spec.moe.topK;
    }
    ConfigSection data = root.section("data");
    c.sequenceLength = data.getInt("sequence_length", 0, Range::atLeast(0));
    if (c.sequenceLength == 0) c.sequenceLength = c.spec.context;
    c.tokenBudget = data.getInt("token_budget", 0, Range::atLeast(0));
    c.corpora = data.getStringList("corpus", {"fortunes_en"});
    const int64_t batchSize = root.section("training").getInt("batch_size", 32, Range::atLeast(1));
    if (trial.ranks < 1)
      throw std::invalid_argument("ranks = " + std::to_string(trial.ranks) + "; expected at least 1");
    c.batchTokens = batchSize * trial.ranks * c.sequenceLength;
    c.learningRate = root.section("optimizer").getDouble("lr", 0.003, Range::above(0));
    return c;
  } catch (const ConfigError& e) {
    throw std::invalid_argument(where + ": " + e.what());
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(where + ": " + e.what());
  }
}

std::string corpusLabel(const LmTrialConfig& config) {
  std::string label;
  for (const std::string& c : config.corpora) label += (label.empty() ? "" : "+") + c;
  return label;
}

}  // namespace gaplab
