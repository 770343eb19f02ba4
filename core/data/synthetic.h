// core/data/synthetic.h — a learnable classification task generated from a seed.
//
// Why: tests, benchmarks and quick sweeps need data without files. Each class
// is a Gaussian blob around its own mean, so a model can learn it, a finite
// sample can be overfit (a visible generalization gap), and the same seed gives
// the same bytes on every machine and rank layout.
#pragma once

#include <cstdint>

#include "core/data/dataset.h"
#include "core/tensor.h"

namespace gaplab {

// Distance between two class means, in units of the per-dimension noise std,
// is about kSyntheticSeparation * sqrt(2) whatever the example size: hard
// enough that it is not solved at initialisation, easy enough to learn.
inline constexpr float kSyntheticSeparation = 4.0f;

// n examples of shape `exampleShape` (inputs are [n, exampleShape...]).
// Class means: every coordinate ~ N(0, kSyntheticSeparation^2 / D) with
// D = product(exampleShape), drawn from RngStream(seed, kSynthetic, 0).
// Example i: label uniform in [0, numClasses), x = mean[label] + N(0, 1) noise,
// both from RngStream(seed, kSynthetic, 1 + i), so the first m examples do
// not depend on n. name: "synthetic". Throws std::invalid_argument for n < 1,
// numClasses < 2, or an empty exampleShape / a dimension < 1.
ClassificationDataset makeSyntheticClassification(int64_t n, Shape exampleShape, int numClasses, uint64_t seed);

}  // namespace gaplab
