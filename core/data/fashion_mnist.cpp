// core/data/fashion_mnist.cpp — file names, shape checks and the normalising
// byte-to-float conversion (a 256-entry table, so loading is one pass).
#include "core/data/fashion_mnist.h"

#include <algorithm>
#include <array>
#include <filesystem>
#include <stdexcept>

#include "core/data/idx_file.h"

namespace gaplab {
namespace {

constexpr const char* kInstallHint =
    "install Debian's dataset-fashion-mnist package (apt-get install dataset-fashion-mnist)";

std::string requireFile(const std::filesystem::path& directory, const char* fileName) {
  const std::filesystem::path path = directory / fileName;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw std::runtime_error("Fashion-MNIST file " + path.string() + " is missing; expected it in " +
                             directory.string() + "; " + kInstallHint);
  return path.string();
}

}  // namespace

ClassificationDataset loadFashionMnist(const std::string& directory, FashionMnistSplit split, int64_t limit) {
  if (limit == 0 || limit < -1)
    throw std::invalid_argument("loadFashionMnist: limit " + std::to_string(limit) +
                                "; expected -1 (all examples) or a positive count");
  std::error_code ec;
  if (!std::filesystem::is_directory(directory, ec))
    throw std::runtime_error("Fashion-MNIST directory " + directory + " does not exist; " + kInstallHint);

  const bool train = split == FashionMnistSplit::kTrain;
  const std::string imagePath = requireFile(directory, train ? "train-images-idx3-ubyte.gz" : "t10k-images-idx3-ubyte.gz");
  const std::string labelPath = requireFile(directory, train ? "train-labels-idx1-ubyte.gz" : "t10k-labels-idx1-ubyte.gz");

  const IdxArray images = readIdxFile(imagePath);
  const IdxArray labels = readIdxFile(labelPath);
  if (images.dims.size() != 3 || images.dims[1] != kFashionMnistSide || images.dims[2] != kFashionMnistSide)
    throw std::runtime_error("Fashion-MNIST images " + imagePath + ": shape " + shapeToString(images.dims) +
                             "; expected [N, 28, 28]");
  if (labels.dims.size() != 1)
    throw std::runtime_error("Fashion-MNIST labels " + labelPath + ": shape " + shapeToString(labels.dims) +
                             "; expected [N]");
  if (images.dims[0] != labels.dims[0])
    throw std::runtime_error("Fashion-MNIST: " + imagePath + " holds " + std::to_string(images.dims[0]) +
                             " images but " + labelPath + " holds " + std::to_string(labels.dims[0]) +
                             " labels; expected equal counts");

  const int64_t n = limit < 0 ? images.dims[0] : std::min(limit, images.dims[0]);
  ClassificationDataset out;
  out.numClasses = kFashionMnistClasses;
  out.name = train ? "fashion-mnist/train" : "fashion-mnist/test";
  for (std::size_t i = 0; i < labels.data.size(); ++i)  // the whole file, not just the kept prefix
    if (labels.data[i] >= kFashionMnistClasses)
      throw std::runtime_error("Fashion-MNIST labels " + labelPath + ": label " + std::to_string(labels.data[i]) +
                               " at index " + std::to_string(i) + "; expected 0..9");
  out.labels.assign(labels.data.begin(), labels.data.begin() + n);

  std::array<float, 256> table;
  for (int v = 0; v < 256; ++v)
    table[static_cast<std::size_t>(v)] = (static_cast<float>(v) / 255.0f - kFashionMnistMean) / kFashionMnistStd;
  out.inputs = Tensor::empty({n, 1, kFashionMnistSide, kFashionMnistSide});
  float* dst = out.inputs.data();
  const uint8_t* src = images.data.data();
  const int64_t count = out.inputs.numel();
  for (int64_t i = 0; i < count; ++i) dst[i] = table[src[i]];
  return out;
}

ClassificationDataset loadFashionMnist(FashionMnistSplit split, int64_t limit) {
  return loadFashionMnist(kFashionMnistDir, split, limit);
}

}  // namespace gaplab
