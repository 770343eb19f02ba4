// core/data/fashion_mnist.h — Fashion-MNIST from Debian's dataset-fashion-mnist.
//
// Why: the small real dataset every end-to-end test and the image workloads
// train on. Nothing is fetched at run time: the files come from the system
// package, and a missing package is reported with the command that installs it.
#pragma once

#include <cstdint>
#include <string>

#include "core/data/dataset.h"

namespace gaplab {

inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";
inline constexpr int kFashionMnistClasses = 10;
inline constexpr int64_t kFashionMnistSide = 28;
inline constexpr int64_t kFashionMnistTrainSize = 60000;
inline constexpr int64_t kFashionMnistTestSize = 10000;
// Pixel statistics of the training set after scaling to [0, 1].
inline constexpr float kFashionMnistMean = 0.2860f;
inline constexpr float kFashionMnistStd = 0.3530f;

enum class FashionMnistSplit { kTrain, kTest };

// Reads <directory>/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz.
// inputs: [N, 1, 28, 28], (pixel / 255 - kFashionMnistMean) / kFashionMnistStd.
// labels: 0..9. name: "fashion-mnist/train" or "fashion-mnist/test".
// `limit` >= 1 keeps the first `limit` examples (all if larger); -1 keeps all.
// Throws std::runtime_error naming the path (and the Debian package to install)
// when the directory or a file is missing, plus readIdxFile's errors, wrong
// shapes, image/label count mismatch or a label >= 10; std::invalid_argument
// for limit == 0 or < -1.
ClassificationDataset loadFashionMnist(const std::string& directory, FashionMnistSplit split, int64_t limit = -1);

// The same from kFashionMnistDir.
ClassificationDataset loadFashionMnist(FashionMnistSplit split, int64_t limit = -1);

}  // namespace gaplab
