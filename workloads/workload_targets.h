// workloads/workload_targets.h — the one table of validation targets of every
// registered workload, with how each was set.
//
// Why one table: a target is the benchmark's finish line. The workload defaults
// (`target:` section), `gaplab workloads`, `gaplab benchmark` and the table in
// docs/workloads.md all read it from here (a test checks the docs against
// workloadTargetsMarkdown()), so a target can never be changed in one place only.
// A workload (variant) whose target was not yet set by scripts/set_targets.sh has
// no value: it can be run, but the benchmark refuses it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "workloads/trial_result.h"

namespace gaplab {

struct WorkloadTarget {
  std::string workload;
  std::string metric;              // validation metric: accuracy, bits_per_byte
  TargetDirection direction = TargetDirection::kAtLeast;
  std::optional<double> value;     // absent: not set yet
  std::string setBy;               // how: optimizer, LR grid and best LR, seeds, reference budget, median
};

// Every row, in registration order (base workload, then its variants).
const std::vector<WorkloadTarget>& workloadTargets();

// The row of `workload`; std::invalid_argument naming the known workloads when there is none.
const WorkloadTarget& workloadTarget(const std::string& workload);

// The `target:` section of a workload's defaults. Without a value the target is
// unreachable (accuracy 2, bits per byte -1), as during target setting.
std::string targetDefaultsYaml(const std::string& workload);

// The Markdown table docs/workloads.md quotes between its targets markers.
std::string workloadTargetsMarkdown();

}  // namespace gaplab
