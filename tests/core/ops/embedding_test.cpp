// tests/core/ops/embedding_test.cpp — lookup, scatter-add and finite differences for embedding.
#include "core/ops/embedding.h"

#include "tests/core/ops/grad_check.h"

namespace gaplab {
namespace {

struct Table {
  ParameterArena arena;
  ParamView table;
  Table(int64_t vocab, int64_t d) {
    table = arena.addParameter("tok", {vocab, d}, Init::normal(1.0f));
    RngStream rng(9, RngPurpose::kInit);
    arena.allocate(rng);
  }
};

TEST(Embedding, HandComputedForwardAndBackward) {
  Table t(3, 2);
  const float values[] = {0, 1, 2, 3, 4, 5};
  std::copy(values, values + 6, t.table.value());
  Tape tape;
  Variable y = embedding(tape, {2, 0, 2}, {3}, t.table);
  EXPECT_EQ(y.shape(), (Shape{3, 2}));
  EXPECT_EQ(y.value().toVector(), (std::vector<float>{4, 5, 0, 1, 4, 5}));
  tape.backward(y, Tensor::fromVector({3, 2}, {1, 1, 2, 2, 3, 3}));
  // Row 2 is used twice: its gradient is the sum of both positions.
  EXPECT_EQ(std::vector<float>(t.table.grad(), t.table.grad() + 6), (std::vector<float>{2, 2, 0, 0, 4, 4}));
}

TEST(Embedding, OutputShapeAppendsD) {
  Table t(5, 3);
  Tape tape(TapeMode::kInference);
  Variable y = embedding(tape, {0, 1, 2, 3, 4, 0}, {2, 3}, t.table);
  EXPECT_EQ(y.shape(), (Shape{2, 3, 3}));
  EXPECT_EQ(tape.size(), 0u);
  EXPECT_FALSE(y.requiresGrad());
}

TEST(Embedding, OutOfRangeIdThrowsNamingIdAndVocabulary) {
  Table t(3, 2);
  Tape tape;
  try {
    embedding(tape, {0, 7, 1}, {3}, t.table);
    FAIL() << "expected std::out_of_range";
  } catch (const std::out_of_range& e) {
    EXPECT_NE(std::string(e.what()).find("id 7"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("V = 3"), std::string::npos) << e.what();
  }
  EXPECT_THROW(embedding(tape, {-1}, {1}, t.table), std::out_of_range);
  EXPECT_THROW(embedding(tape, {3}, {1}, t.table), std::out_of_range);
}

TEST(Embedding, IdsShapeMismatchThrows) {
  Table t(3, 2);
  Tape tape;
  EXPECT_THROW(embedding(tape, {0, 1, 2}, {2, 2}, t.table), std::invalid_argument);
}

// The device-ids overload is GPU only: a table on the cpu is refused in every
// build (without the CUDA backend: "device ids need the CUDA backend").
TEST(Embedding, DeviceIdsOverloadRefusesACpuTable) {
  Table t(3, 2);
  Tape tape;
  const int32_t hostIds[] = {0, 1};
  try {
    embedding(tape, hostIds, Shape{2}, t.table);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_TRUE(what.find("cuda") != std::string::npos || what.find("CUDA") != std::string::npos) << what;
  }
  EXPECT_EQ(tape.size(), 0u);
}

TEST(Embedding, ParameterGradientsAccumulateAcrossCalls) {
  Table t(2, 1);
  for (int i = 0; i < 2; ++i) {
    Tape tape;
    Variable y = embedding(tape, {1}, {1}, t.table);
    tape.backward(y, Tensor::fromVector({1, 1}, {3}));
  }
  EXPECT_FLOAT_EQ(t.table.grad()[0], 0.0f);
  EXPECT_FLOAT_EQ(t.table.grad()[1], 6.0f);
}

TEST(EmbeddingGradient, MatchesFiniteDifferences) {
  Table t(6, 4);
  const std::vector<int32_t> ids = {5, 0, 3, 3, 1, 5};
  testing::expectGradientsMatch(t.arena, {}, [&](Tape& tape, std::vector<Variable>&) {
    return embedding(tape, ids, {2, 3}, t.table);
  });
}

}  // namespace
}  // namespace gaplab
