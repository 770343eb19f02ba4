// workloads/weight_distance.h — ||w_t - w_0||, the L2 distance of the trainable
// parameters from their initial values.
//
// Why: Hoffer, Hubara & Soudry (2017, "Train longer, generalize better") show
// that the weights travel like an ultra-slow diffusion, ||w_t - w_0|| ~ log t,
// and that a large batch with too few updates stops short of the distance small
// batches reach. The trainer records this distance at every evaluation (as the
// extra metric kWeightDistanceMetric) when `training.track_weight_distance` is
// set; the initial values are part of the trial's checkpoint so that a resumed
// run measures from the same w_0.
#pragma once

#include <vector>

#include "core/parameter_arena.h"

namespace gaplab {

// The name under which the distance is stored in /eval_metrics (EvalRecord::extras).
inline constexpr const char* kWeightDistanceMetric = "train/weight_distance";

// A copy of every trainable value of `arena` (ParameterArena::values(), [size()]);
// buffers such as BatchNorm running statistics are not trainable and not included.
std::vector<float> snapshotParameters(const ParameterArena& arena);

// sqrt(sum_i (w_i - w0_i)^2) over all arena values, accumulated in double.
// initial: [arena.size()]; throws std::invalid_argument naming both sizes otherwise.
double weightDistance(const ParameterArena& arena, const std::vector<float>& initial);

}  // namespace gaplab
