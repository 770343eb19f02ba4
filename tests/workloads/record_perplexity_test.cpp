// tests/workloads/record_perplexity_test.cpp — per-record bits per byte under a GPT: equal to the model's cross-entropy on the record read alone, independent of batching and of windows, and rank-split by index.
#include "workloads/record_perplexity.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/autograd/tape.h"
#include "core/data/token_stream.h"
#include "core/ops/cross_entropy.h"
#include "core/rng.h"

namespace gaplab {
namespace {

GptSpec tinySpec() {
  GptSpec s;
  s.layers = 1;
  s.width = 32;
  s.heads = 2;
  s.context = 16;
  return s;
}

// A communicator that pretends to be rank `rank` of `size` and sums nothing.
class FakeRank final : public Communicator {
 public:
  FakeRank(int rank, int size) : rank_(rank), size_(size) {}
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void allReduceSum(float*, int64_t) override {}
  double allReduceMax(double v) override { return v; }
  double allReduceSum(double v) override { return v; }
  void barrier() override {}

 private:
  int rank_, size_;
};

class RecordPerplexityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = std::make_unique<GptModel>(arena_, tinySpec());
    RngStream init(3, RngPurpose::kInit);
    arena_.allocate(init);
  }
  ParameterArena arena_;
  std::unique_ptr<GptModel> model_;
};

TEST_F(RecordPerplexityTest, EqualsTheCrossEntropyOfTheRecordReadAfterASeparator) {
  const std::string record = "Hello, fortunes";  // 15 bytes: one window of context 16
  std::vector<int32_t> inputs = {kRecordSeparator}, targets;
  for (char c : record) {
    targets.push_back(static_cast<uint8_t>(c));
    inputs.push_back(static_cast<uint8_t>(c));
  }
  inputs.pop_back();
  Tape tape(TapeMode::kInference);
  CrossEntropyStats stats;
  GptModel::Output out = model_->forward(tape, inputs, 1, static_cast<int64_t>(inputs.size()),
                                         ForwardContext{NormMode::kEval, 0, 0});
  softmaxCrossEntropy(tape, out.logits, targets, 0.0f, &stats);
  LocalCommunicator comm;
  const std::vector<float> bpb = recordBitsPerByte(*model_, {record}, 4, comm);
  ASSERT_EQ(bpb.size(), 1u);
  EXPECT_NEAR(bpb[0], stats.lossSum / std::log(2.0) / 15.0, 1e-4);
  EXPECT_GT(bpb[0], 6.0);  // a fresh model: about 8 bits per byte
}

TEST_F(RecordPerplexityTest, BatchingDoesNotChangeScoresAndEmptyRecordsScoreZero) {
  // Records of several lengths, some longer than the context (several windows).
  std::vector<std::string> records;
  for (int i = 0; i < 11; ++i) records.push_back(std::string(static_cast<std::size_t>(3 + 7 * i), 'a' + i));
  records.push_back("");
  LocalCommunicator comm;
  const std::vector<float> one = recordBitsPerByte(*model_, records, 1, comm);
  const std::vector<float> many = recordBitsPerByte(*model_, records, 64, comm);
  ASSERT_EQ(one.size(), records.size());
  for (std::size_t i = 0; i < records.size(); ++i) EXPECT_NEAR(one[i], many[i], 1e-4) << i;
  EXPECT_EQ(one.back(), 0.0f);
}

TEST_F(RecordPerplexityTest, EachRankScoresEveryOtherRecord) {
  const std::vector<std::string> records = {"first", "second one", "third", "fourth record"};
  LocalCommunicator local;
  const std::vector<float> all = recordBitsPerByte(*model_, records, 8, local);
  FakeRank rank1(1, 2);  // without the sum, rank 1 holds only its records (1 and 3)
  const std::vector<float> mine = recordBitsPerByte(*model_, records, 8, rank1);
  EXPECT_EQ(mine[0], 0.0f);
  EXPECT_EQ(mine[2], 0.0f);
  EXPECT_NEAR(mine[1], all[1], 1e-5);
  EXPECT_NEAR(mine[3], all[3], 1e-5);
}

}  // namespace
}  // namespace gaplab
