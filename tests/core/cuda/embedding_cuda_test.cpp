// tests/core/cuda/embedding_cuda_test.cpp — embedding on the GPU against the CPU
// reference: odd and model-like shapes, heavily repeated ids, a vocabulary with
// unused rows, gradients that accumulate over two backward passes, and a
// bit-identical table gradient on a second run (no atomics in backward). The
// device-ids overload (ids already on the GPU, scanned in backward) is held to
// the same CPU reference.
#include "core/ops/embedding.h"

#include "core/device_memory.h"

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

// ids uploaded to a device buffer (the caller of the device-ids overload owns it).
std::shared_ptr<void> uploadIds(const std::vector<int32_t>& ids) {
  std::shared_ptr<void> buffer = allocateDeviceBytes(ids.size() * sizeof(int32_t));
  copyHostToDevice(buffer.get(), ids.data(), ids.size() * sizeof(int32_t));
  return buffer;
}

// The device-ids overload on the GPU against the host-ids op on the CPU.
void checkDeviceIds(const Shape& idsShape, int64_t vocab, int64_t d, bool few) {
  GAPLAB_REQUIRE_GPU();
  const std::vector<int32_t> ids = randomIds(shapeNumel(idsShape), vocab, few, 4);
  const std::shared_ptr<void> deviceIds = uploadIds(ids);
  testing::TwinArenas twin;
  ParamView table[2];
  twin.allocate([&](ParameterArena& arena, Device dev) {
    table[dev == Device::kCpu ? 0 : 1] = arena.addParameter("table", {vocab, d}, Init::normal(1.0f));
  });
  auto op = [&](Tape& tape, std::vector<Variable>&, Device dev) {
    if (dev == Device::kCpu) return embedding(tape, ids, idsShape, table[0]);
    return embedding(tape, static_cast<const int32_t*>(deviceIds.get()), idsShape, table[1]);
  };
  // A copy forward; backward adds each row's dy rows in position order, as the CPU does.
  testing::expectOpParity(twin, op, {}, ParityTolerance{1e-7f, 0.0f}, ParityTolerance{1e-6f, 1e-6f});
}

// Bytes: V = 256, more ids than one shared-memory chunk (1024), one column tile.
TEST(EmbeddingCudaDeviceIds, MatchesCpuForBytes) { checkDeviceIds({9, 128}, 256, 128, false); }
// V = 300 with heavily repeated ids, columns over two tiles (130 = 128 + 2).
TEST(EmbeddingCudaDeviceIds, MatchesCpuWithRepeatedIds) { checkDeviceIds({4, 65}, 300, 130, true); }
TEST(EmbeddingCudaDeviceIds, MatchesCpuOnOddShape) { checkDeviceIds({3, 7}, 300, 24, false); }
// The largest table the overload takes, three chunks of ids.
TEST(EmbeddingCudaDeviceIds, MatchesCpuAtTheRowLimit) { checkDeviceIds({5, 500}, kMaxDeviceIdsEmbeddingRows, 3, false); }
TEST(EmbeddingCudaDeviceIds, MatchesCpuOnOneId) { checkDeviceIds({1}, 3, 1, false); }

TEST(EmbeddingCudaDeviceIds, TableGradientAccumulatesAndIsBitIdenticalAcrossRuns) {
  GAPLAB_REQUIRE_GPU();
  for (const int64_t vocab : {int64_t{256}, int64_t{300}}) {
    const Shape idsShape{16, 64};
    const int64_t d = 48;
    const std::vector<int32_t> ids = randomIds(shapeNumel(idsShape), vocab, true, 11);
    const std::shared_ptr<void> deviceIds = uploadIds(ids);
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
        Variable y = dev == Device::kCpu
                         ? embedding(tape, ids, idsShape, t)
                         : embedding(tape, static_cast<const int32_t*>(deviceIds.get()), idsShape, t);
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
    for (std::size_t i = 0; i < first.size(); ++i) ASSERT_EQ(first[i], second[i]) << "V " << vocab << " dtable[" << i << "]";
  }
}

// keepAlive: the op holds an upload the caller drops at once, until backward.
TEST(EmbeddingCudaDeviceIds, KeepAliveHoldsTheIdsUntilBackward) {
  GAPLAB_REQUIRE_GPU();
  const Shape idsShape{4, 33};
  const int64_t vocab = 256, d = 16;
  const std::vector<int32_t> ids = randomIds(shapeNumel(idsShape), vocab, true, 21);
  const Tensor dy = testing::randomHostTensor({4, 33, d}, 22);
  testing::TwinArenas twin;
  ParamView table[2];
  twin.allocate([&](ParameterArena& arena, Device dev) {
    table[dev == Device::kCpu ? 0 : 1] = arena.addParameter("table", {vocab, d}, Init::normal(1.0f));
  });
  {
    Tape tape;
    Variable y = embedding(tape, ids, idsShape, table[0]);
    tape.backward(y, dy);
  }
  {
    Tape tape;
    Variable y;
    {
      std::shared_ptr<void> upload = uploadIds(ids);
      const auto* p = static_cast<const int32_t*>(upload.get());
      y = embedding(tape, p, idsShape, table[1], std::move(upload));
    }
    // Reuse of a freed block would overwrite the ids before backward reads them.
    const std::shared_ptr<void> other = uploadIds(std::vector<int32_t>(ids.size(), 255));
    tape.backward(y, dy.to(Device::kCuda));
  }
  twin.expectGradsClose(1e-6f, 1e-6f);
}

TEST(EmbeddingCudaDeviceIds, TablesAboveTheRowLimitAreRefusedNamingIt) {
  GAPLAB_REQUIRE_GPU();
  ParameterArena arena;
  ParamView table = arena.addParameter("big", {kMaxDeviceIdsEmbeddingRows + 1, 2}, Init::zeros());
  RngStream rng(1, RngPurpose::kInit);
  arena.allocate(rng);
  arena.moveTo(Device::kCuda);
  const std::shared_ptr<void> ids = uploadIds({0, 1});
  Tape tape;
  try {
    embedding(tape, static_cast<const int32_t*>(ids.get()), Shape{2}, table);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(std::to_string(kMaxDeviceIdsEmbeddingRows)), std::string::npos) << e.what();
  }
  // The host-ids overload still takes it.
  EXPECT_NO_THROW(embedding(tape, std::vector<int32_t>{0, 4096}, Shape{2}, table));
}

}  // namespace
}  // namespace gaplab
