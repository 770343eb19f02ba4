// core/data/synthetic.cpp — Gaussian class blobs; one Philox stream per example
// so generation can run on all cores and still give identical bytes.
#include "core/data/synthetic.h"

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/ops/parallel.h"
#include "core/rng.h"

namespace gaplab {

ClassificationDataset makeSyntheticClassification(int64_t n, Shape exampleShape, int numClasses, uint64_t seed) {
  if (n < 1) throw std::invalid_argument("makeSyntheticClassification: n = " + std::to_string(n) + "; expected >= 1");
  if (numClasses < 2)
    throw std::invalid_argument("makeSyntheticClassification: numClasses = " + std::to_string(numClasses) +
                                "; expected >= 2");
  if (exampleShape.empty())
    throw std::invalid_argument("makeSyntheticClassification: empty example shape; expected e.g. [1, 28, 28]");
  for (int64_t d : exampleShape)
    if (d < 1)
      throw std::invalid_argument("makeSyntheticClassification: example shape " + shapeToString(exampleShape) +
                                  "; expected every dimension >= 1");
  const int64_t dim = shapeNumel(exampleShape);

  std::vector<float> means(static_cast<std::size_t>(numClasses * dim));
  RngStream meanRng(seed, RngPurpose::kSynthetic, 0);
  const float meanStd = kSyntheticSeparation / std::sqrt(static_cast<float>(dim));
  for (float& m : means) m = meanStd * meanRng.normal();

  ClassificationDataset out;
  out.numClasses = numClasses;
  out.name = "synthetic";
  out.labels.resize(static_cast<std::size_t>(n));
  Shape shape{n};
  shape.insert(shape.end(), exampleShape.begin(), exampleShape.end());
  out.inputs = Tensor::empty(shape);
  float* x = out.inputs.data();
  int32_t* labels = out.labels.data();
  detail::parallelChunks(n, dim * 8, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      RngStream rng(seed, RngPurpose::kSynthetic, 1 + static_cast<uint64_t>(i));
      const auto label = static_cast<int32_t>(rng.below(static_cast<uint64_t>(numClasses)));
      labels[i] = label;
      const float* mean = means.data() + static_cast<int64_t>(label) * dim;
      float* row = x + i * dim;
      for (int64_t d = 0; d < dim; ++d) row[d] = mean[d] + rng.normal();
    }
  });
  return out;
}

}  // namespace gaplab
