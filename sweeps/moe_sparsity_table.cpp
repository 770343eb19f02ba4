// sweeps/moe_sparsity_table.cpp — see moe_sparsity_table.h for the columns.
#include "sweeps/moe_sparsity_table.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <tuple>

#include "sweeps/lm_trial_config.h"

namespace gaplab {

double extraOrNaN(const EvalRecord& eval, const std::string& name) {
  for (const NamedMetric& m : eval.extras)
    if (m.name == name) return m.value;
  return std::numeric_limits<double>::quiet_NaN();
}

MoeSparsityTable buildMoeSparsityTable(const std::vector<TrialResult>& trials) {
  MoeSparsityTable table;
  for (const TrialResult& t : trials) {
    if (!isLmWorkload(t.workload)) {
      table.skipped.push_back("trial " + t.trialId + ": workload '" + t.workload + "' is not lm or moe_lm");
      continue;
    }
    const EvalRecord* last = t.finalEval();
    if (last == nullptr) {
      table.skipped.push_back("trial " + t.trialId + ": no evaluation recorded (status " + toString(t.status) + ")");
      continue;
    }
    const LmTrialConfig config = readLmTrialConfig(t);
    if (t.parameterCount != 0 && t.parameterCount != config.counts.total)
      throw std::invalid_argument("trial '" + t.trialId + "': recorded parameter_count " +
                                  std::to_string(t.parameterCount) + " differs from the " +
                                  std::to_string(config.counts.total) + " parameters its config's model has");
    MoeSparsityRow r;
    r.trialId = t.trialId;
    r.corpus = corpusLabel(config);
    r.seed = t.seed;
    r.status = t.status;
    r.experts = config.experts;
    r.topK = config.topK;
    r.totalParameters = config.counts.total;
    r.activeParameters = config.counts.active;
    r.steps = last->step;
    r.trainLoss = last->trainLoss;
    r.evalTrainLoss = last->evalTrainLoss;
    r.validationLoss = last->validationLoss;
    r.lossGap = last->lossGap();
    r.validationBitsPerByte = last->validationMetric;
    r.nextByteAccuracy = extraOrNaN(*last, "validation/next_byte_accuracy");
    r.exactMatch = extraOrNaN(*last, "validation/exact_match");
    r.expertLoadCv = extraOrNaN(*last, "validation/moe_load_cv");
    r.droppedFraction = extraOrNaN(*last, "validation/moe_dropped_fraction");
    table.rows.push_back(std::move(r));
  }
  std::sort(table.rows.begin(), table.rows.end(), [](const MoeSparsityRow& a, const MoeSparsityRow& b) {
    return std::tie(a.totalParameters, a.activeParameters, a.corpus, a.seed, a.trialId) <
           std::tie(b.totalParameters, b.activeParameters, b.corpus, b.seed, b.trialId);
  });
  return table;
}

}  // namespace gaplab
