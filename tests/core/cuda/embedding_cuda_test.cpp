// tests/core/cuda/embedding_cuda_test.cpp — embedding on the GPU against the CPU
// reference: odd and model-like shapes, heavily repeated ids, a vocabulary with
// unused rows, gradients that accumulate over two backward passes, and a
// bit-identical table gradient on a second run (no atomics in backward).
#include "core/ops/embedding.h"

#include "core/rng.h"
#include "tests/core/cuda/parity.h"

namespace gaplab {
namespace {

using testing::ParityTolerance;

// `count` ids in [0, vocab); with `few` set they come from the first 5 rows only
// (every used row then gets many dy rows).
std::vector<int32_t> randomIds(int64_t count, int64_t vocab, bool few, uint64_t seed) {
  RngStream rng(seed, RngPurpose::kSynthetic, 5);
  std::vector<int32_t> ids(static_cast<std::size_t>(count));
  const int64_t range = few ? std::min<int64_t>(5, vocab) : vocab;
  for (auto& id : ids) id = static_cast<int32_t>(rng.below(static_cast<uint64_t>(range)));
  return ids;
}

void checkEmbedding(const Shape& idsShape, int64_t vocab, int64_t d, bool few) {
  GAPLAB_REQUIRE_GPU();
  const std::vector<int32_t> ids = randomIds(shapeNumel(idsShape), vocab, few, 3);
  testing::TwinArenas twin;
  ParamView table[2];
  twin.allocate([&](ParameterArena& arena, Device dev) {
    table[dev == Device::kCpu ? 0 : 1] = arena.addParameter("table", {vocab, d}, Init::normal(1.0f));
  });
  auto op = [&](Tape& tape, std::vector<Variable>&, Device dev) {
    return embedding(tape, ids, idsShape, table[dev == Device::kCpu ? 0 : 1]);
  };
  // Forward is a copy; backward adds in the CPU's order: both exact up to rounding of the same sums.
  testing::expectOpParity(twin, op, {}, ParityTolerance{1e-7f, 0.0f}, ParityTolerance{1e-6f, 1e-6f});
}

TEST(EmbeddingCuda, MatchesCpuOnOddShape) { checkEmbedding({3, 7}, 256, 24, false); }
TEST(EmbeddingCuda, MatchesCpuOnModelShape) { checkEmbedding({8, 128}, 256, 128, false); }
TEST(EmbeddingCuda, MatchesCpuWithRepeatedIds) { checkEmbedding({4, 65}, 256, 37, true); }
TEST(EmbeddingCuda, MatchesCpuWithWideRowsAndLargeVocabulary) { checkEmbedding({2, 33}, 5000, 300, false); }
TEST(EmbeddingCuda, MatchesCpuOnOneDimensionalIds) { checkEmbedding({1}, 3, 1, false); }

TEST(EmbeddingCuda, TableGradientAccumulatesAndIsBitIdenticalAcrossRuns) {
  GAPLAB_REQUIRE_GPU();
  const Shape idsShape{16, 64};
  const int64_t vocab = 256, d = 48;
  const std::vector<int32_t> ids = randomIds(shapeNumel(idsShape), vocab, true, 11);
  const Tensor dy = testing::randomHostTensor({16, 64, d}, 12);
  testing::TwinArenas twin;
  ParamView table[2];
  twin.allocate([&](ParameterArena& arena, Device dev) {
    table[dev == Device::kCpu ? 0 : 1] = arena.addParameter("table", {vocab, d}, Init::normal(1.0f));
  });
  // Two backward passes without zeroing: the second adds to the first.
  auto twoPasses = [&](ParameterArena& arena, const ParamView& t, Device dev) {
    arena.zeroGrad();
    for (int pass = 0; pass < 2; ++pass) {
      Tape tape;
      Variable y = embedding(tape, ids, idsShape, t);
      tape.backward(y, dy.to(dev));
    }
  };
  twoPasses(twin.cpu, table[0], Device::kCpu);
  twoPasses(twin.gpu, table[1], Device::kCuda);
  twin.expectGradsClose(1e-6f, 1e-6f);
  twin.gpu.syncToHost();
  const std::vector<float> first(twin.gpu.gradBuffer().begin(), twin.gpu.gradBuffer().end());
  twoPasses(twin.gpu, table[1], Device::kCuda);
  twin.gpu.syncToHost();
  const std::vector<float> second(twin.gpu.gradBuffer().begin(), twin.gpu.gradBuffer().end());
  ASSERT_EQ(first.size(), second.size());
  for (std::size_t i = 0; i < first.size(); ++i) ASSERT_EQ(first[i], second[i]) << "dtable[" << i << "]";
}

TEST(EmbeddingCuda, OutOfRangeIdIsRefusedBeforeAnyDeviceWork) {
  GAPLAB_REQUIRE_GPU();
  ParameterArena arena;
  ParamView table = arena.addParameter("table", {4, 2}, Init::zeros());
  RngStream rng(1, RngPurpose::kInit);
  arena.allocate(rng);
  arena.moveTo(Device::kCuda);
  Tape tape;
  EXPECT_THROW(embedding(tape, {0, 4}, {2}, table), std::out_of_range);
}

}  // namespace
}  // namespace gaplab
