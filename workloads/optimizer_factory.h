// workloads/optimizer_factory.h — config sections -> optimizer and LR schedule objects.
//
// Why here and not in core/optim: the mapping of config names to classes is
// a property of the run configuration; core/optim stays free of config types.
#pragma once

#include <memory>

#include "core/optim/optimizer.h"
#include "core/optim/schedule.h"
#include "workloads/run_config.h"

namespace gaplab {

std::unique_ptr<Optimizer> makeOptimizer(const OptimizerConfig& config);
std::unique_ptr<LrSchedule> makeSchedule(const ScheduleConfig& config, double peakLearningRate);

}  // namespace gaplab
