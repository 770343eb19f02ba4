// tests/core/data/lm_batch_loader_test.cpp — windows and shifted targets,
// dependence on (seed, step) only, resume, sharding, mixture proportions, the
// exact token budget, evaluation windows and argument checks.
#include "core/data/lm_batch_loader.h"

#include <gtest/gtest.h>

#include <array>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

namespace gaplab {
namespace {

// Token i is i % 251 (a prime, so windows are distinguishable), offset by `base`.
std::shared_ptr<const std::vector<uint8_t>> ramp(int64_t n, int base = 0) {
  auto t = std::make_shared<std::vector<uint8_t>>(static_cast<std::size_t>(n));
  for (int64_t i = 0; i < n; ++i) (*t)[static_cast<std::size_t>(i)] = static_cast<uint8_t>((i + base) % 251);
  return t;
}

std::vector<LmSource> one(int64_t n = 5000) { return {LmSource{"ramp", ramp(n), 1.0}}; }

template <class E, class F>
std::string errorOf(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an exception";
  return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST(LmBatchLoader, RowsAreContiguousWindowsAndTargetsAreInputsShiftedByOne) {
  const auto tokens = ramp(3000);
  LmBatchLoader loader({LmSource{"ramp", tokens, 1.0}}, 4, 16, 9);
  for (int s = 0; s < 5; ++s) {
    const LmBatch b = loader.next();
    ASSERT_EQ(b.batch, 4);
    ASSERT_EQ(b.context, 16);
    ASSERT_EQ(b.inputs.size(), 64u);
    ASSERT_EQ(b.targets.size(), 64u);
    for (int64_t r = 0; r < 4; ++r) {
      // Find the window in the source and check inputs and targets against it.
      const int32_t* in = b.inputs.data() + r * 16;
      const int32_t* tg = b.targets.data() + r * 16;
      for (int64_t t = 0; t + 1 < 16; ++t) EXPECT_EQ(tg[t], in[t + 1]);
      for (int64_t t = 0; t < 16; ++t) EXPECT_EQ(tg[t], (in[t] + 1) % 251);
    }
  }
}

TEST(LmBatchLoader, BatchesDependOnlyOnSeedAndStep) {
  LmBatchLoader a(one(), 3, 8, 11), b(one(), 3, 8, 11), c(one(), 3, 8, 12);
  std::vector<LmBatch> fromA;
  for (int s = 0; s < 6; ++s) fromA.push_back(a.next());
  for (int s = 5; s >= 0; --s) EXPECT_EQ(b.batchAt(s).inputs, fromA[static_cast<std::size_t>(s)].inputs);
  EXPECT_EQ(b.step(), 0);
  EXPECT_NE(c.batchAt(0).inputs, fromA[0].inputs);
  EXPECT_NE(fromA[0].inputs, fromA[1].inputs);
}

TEST(LmBatchLoader, SeekReproducesBatchesAndCounters) {
  std::vector<LmSource> mix = {{"x", ramp(4000), 2.0}, {"y", ramp(4000, 100), 1.0}};
  LmBatchLoader run(mix, 4, 8, 3);
  std::vector<LmBatch> batches;
  for (int s = 0; s < 10; ++s) batches.push_back(run.next());
  LmBatchLoader resumed(mix, 4, 8, 3);
  for (int s = 0; s < 4; ++s) resumed.next();  // then interrupted; a fresh one resumes
  LmBatchLoader fresh(mix, 4, 8, 3);
  fresh.seek(4);
  EXPECT_EQ(fresh.step(), 4);
  EXPECT_EQ(fresh.tokensConsumed(), resumed.tokensConsumed());
  EXPECT_EQ(fresh.tokensConsumedFrom("x"), resumed.tokensConsumedFrom("x"));
  EXPECT_EQ(fresh.tokensConsumedFrom("y"), resumed.tokensConsumedFrom("y"));
  for (int s = 4; s < 10; ++s) {
    const LmBatch b = fresh.next();
    EXPECT_EQ(b.inputs, batches[static_cast<std::size_t>(s)].inputs);
    EXPECT_EQ(b.targets, batches[static_cast<std::size_t>(s)].targets);
  }
  EXPECT_EQ(fresh.tokensConsumedFrom("x"), run.tokensConsumedFrom("x"));
  fresh.seek(0);
  EXPECT_EQ(fresh.next().inputs, batches[0].inputs);
}

TEST(LmBatchLoader, ShardsTogetherAreTheGlobalBatch) {
  std::vector<LmSource> mix = {{"x", ramp(4000), 1.0}, {"y", ramp(4000, 50), 3.0}};
  constexpr int kWorld = 4;
  LmBatchLoader global(mix, 3 * kWorld, 8, 21);
  std::vector<LmBatchLoader> ranks;
  for (int r = 0; r < kWorld; ++r) ranks.emplace_back(mix, 3, 8, 21, ShardSpec{r, kWorld});
  for (int s = 0; s < 5; ++s) {
    const LmBatch g = global.next();
    std::vector<int32_t> joined;
    for (auto& rank : ranks) {
      const LmBatch b = rank.next();
      EXPECT_EQ(b.batch, 3);
      joined.insert(joined.end(), b.inputs.begin(), b.inputs.end());
    }
    EXPECT_EQ(joined, g.inputs) << "step " << s;
  }
  // Counters are global: every rank reports the whole group's consumption.
  for (auto& rank : ranks) {
    EXPECT_EQ(rank.tokensConsumed(), global.tokensConsumed());
    EXPECT_EQ(rank.tokensConsumedFrom("y"), global.tokensConsumedFrom("y"));
  }
}

TEST(LmBatchLoader, MixtureProportionsFollowTheWeights) {
  // Sources with disjoint byte ranges, so each row tells its source.
  auto low = std::make_shared<std::vector<uint8_t>>(2000, 1);
  auto mid = std::make_shared<std::vector<uint8_t>>(2000, 2);
  auto high = std::make_shared<std::vector<uint8_t>>(2000, 3);
  LmBatchLoader loader({{"low", low, 1.0}, {"mid", mid, 2.0}, {"high", high, 5.0}}, 16, 4, 77);
  std::array<int64_t, 4> rows{};
  constexpr int kSteps = 1000;
  for (int s = 0; s < kSteps; ++s) {
    const LmBatch b = loader.next();
    for (int64_t r = 0; r < b.batch; ++r) ++rows[static_cast<std::size_t>(b.inputs[static_cast<std::size_t>(r * 4)])];
  }
  const double total = 16.0 * kSteps;
  EXPECT_NEAR(rows[1] / total, 1.0 / 8, 0.01);
  EXPECT_NEAR(rows[2] / total, 2.0 / 8, 0.015);
  EXPECT_NEAR(rows[3] / total, 5.0 / 8, 0.015);
  EXPECT_EQ(loader.tokensConsumedFrom("low"), rows[1] * 4);
  EXPECT_EQ(loader.tokensConsumedFrom("mid"), rows[2] * 4);
  EXPECT_EQ(loader.tokensConsumedFrom("high"), rows[3] * 4);
  EXPECT_EQ(loader.tokensConsumed(), static_cast<int64_t>(total) * 4);
  EXPECT_TRUE(contains(errorOf<std::invalid_argument>([&] { loader.tokensConsumedFrom("nope"); }), "'low', 'mid', 'high'"));
}

TEST(LmBatchLoader, TokenBudgetIsExact) {
  // 2 per rank * 2 ranks * 8 context = 32 tokens per step; budget 10 steps.
  LmBatchLoader loader(one(), 2, 8, 1, ShardSpec{1, 2}, 320);
  EXPECT_EQ(loader.tokensPerStep(), 32);
  EXPECT_EQ(loader.maxSteps(), 10);
  for (int64_t s = 0; s < loader.maxSteps(); ++s) loader.next();
  EXPECT_EQ(loader.tokensConsumed(), 320);
  EXPECT_EQ(loader.tokensConsumedFrom("ramp"), 320);
  EXPECT_THROW(loader.next(), std::out_of_range);
  EXPECT_THROW(loader.seek(11), std::out_of_range);
  loader.seek(10);  // the end is a valid resume point
  EXPECT_THROW(loader.next(), std::out_of_range);

  LmBatchLoader unlimited(one(), 2, 8, 1);
  EXPECT_EQ(unlimited.maxSteps(), LmBatchLoader::kUnlimitedSteps);
  EXPECT_EQ(unlimited.tokenBudget(), 0);
}

TEST(LmBatchLoader, NonMultipleBudgetNamesSizesAndNearestValidBudgets) {
  const std::string msg =
      errorOf<std::invalid_argument>([] { LmBatchLoader(one(), 2, 8, 1, ShardSpec{0, 2}, 1000); });
  EXPECT_TRUE(contains(msg, "D = 1000")) << msg;
  EXPECT_TRUE(contains(msg, "2 * 2 * 8 = 32")) << msg;
  EXPECT_TRUE(contains(msg, "992 or 1024")) << msg;
  const std::string small = errorOf<std::invalid_argument>([] { LmBatchLoader(one(), 2, 8, 1, ShardSpec{}, 5); });
  EXPECT_TRUE(contains(small, "nearest valid budgets: 16")) << small;
  EXPECT_THROW(LmBatchLoader(one(), 2, 8, 1, ShardSpec{}, -16), std::invalid_argument);
}

TEST(LmBatchLoader, ArgumentErrorsNameTheSourceAndSizes) {
  EXPECT_TRUE(contains(errorOf<std::invalid_argument>([] { LmBatchLoader({}, 2, 8, 1); }), "no sources"));
  EXPECT_TRUE(contains(errorOf<std::invalid_argument>([] { LmBatchLoader({{"short", ramp(8), 1.0}}, 2, 8, 1); }),
                       "source 'short' holds 8 tokens; expected at least context + 1 = 9"));
  EXPECT_NO_THROW(LmBatchLoader({{"exact", ramp(9), 1.0}}, 2, 8, 1).next());
  EXPECT_TRUE(contains(errorOf<std::invalid_argument>([] { LmBatchLoader({{"w", ramp(100), 0.0}}, 2, 8, 1); }),
                       "source 'w' has weight 0"));
  EXPECT_THROW(LmBatchLoader({{"w", ramp(100), -1.0}}, 2, 8, 1), std::invalid_argument);
  EXPECT_THROW(LmBatchLoader({{"n", nullptr, 1.0}}, 2, 8, 1), std::invalid_argument);
  EXPECT_THROW(LmBatchLoader({{"d", ramp(100), 1.0}, {"d", ramp(100), 1.0}}, 2, 8, 1), std::invalid_argument);
  EXPECT_TRUE(contains(errorOf<std::invalid_argument>([] { LmBatchLoader(one(), 0, 8, 1); }), "batch size 0"));
  EXPECT_TRUE(contains(errorOf<std::invalid_argument>([] { LmBatchLoader(one(), 2, 0, 1); }), "context 0"));
  EXPECT_THROW(LmBatchLoader(one(), 2, 8, 1, ShardSpec{2, 2}), std::invalid_argument);
}

TEST(ForEachEvalWindow, NonOverlappingInOrderWithPartialLastBatchAndCap) {
  const auto tokens = ramp(101);  // (101 - 1) / 10 = 10 full windows
  std::vector<LmBatch> batches;
  forEachEvalWindow(*tokens, 4, 10, [&](const LmBatch& b) { batches.push_back(b); }, 0);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].batch, 4);
  EXPECT_EQ(batches[2].batch, 2);
  int64_t window = 0;
  for (const LmBatch& b : batches)
    for (int64_t r = 0; r < b.batch; ++r, ++window)
      for (int64_t t = 0; t < 10; ++t) {
        EXPECT_EQ(b.inputs[static_cast<std::size_t>(r * 10 + t)], window * 10 + t);
        EXPECT_EQ(b.targets[static_cast<std::size_t>(r * 10 + t)], window * 10 + t + 1);
      }
  EXPECT_EQ(window, 10);

  int64_t capped = 0;
  forEachEvalWindow(*tokens, 4, 10, [&](const LmBatch& b) { capped += b.batch; }, 5);
  EXPECT_EQ(capped, 5);

  int calls = 0;
  forEachEvalWindow(*ramp(100), 4, 10, [&](const LmBatch& b) { calls += static_cast<int>(b.batch); }, 0);
  EXPECT_EQ(calls, 9);  // a 10th window would need a target at token 100

  EXPECT_THROW(forEachEvalWindow(*ramp(10), 1, 10, [](const LmBatch&) {}, 0), std::invalid_argument);
  EXPECT_THROW(forEachEvalWindow(*tokens, 0, 10, [](const LmBatch&) {}, 0), std::invalid_argument);
  EXPECT_THROW(forEachEvalWindow(*tokens, 1, 10, [](const LmBatch&) {}, -1), std::invalid_argument);
}

}  // namespace
}  // namespace gaplab
