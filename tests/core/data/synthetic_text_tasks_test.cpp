// tests/core/data/synthetic_text_tasks_test.cpp — formats, determinism by seed,
// train/evaluation disjointness of the reasoning task, and the exact-match scorer.
#include "core/data/synthetic_text_tasks.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>

namespace gaplab {
namespace {

std::vector<std::string> lines(const std::vector<uint8_t>& bytes) {
  std::vector<std::string> out;
  std::istringstream in(std::string(bytes.begin(), bytes.end()));
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The value of the final variable of a reasoning prompt, evaluated independently.
int evaluate(const std::string& prompt, int modulus) {
  std::map<char, long long> vars;
  std::istringstream in(prompt);
  std::string stmt;
  while (std::getline(in, stmt, ';')) {
    if (stmt.find('%') != std::string::npos) return static_cast<int>(((vars[stmt[0]] % modulus) + modulus) % modulus);
    const char lhs = stmt[0];
    if (stmt.size() >= 3 && stmt[2] >= '0' && stmt[2] <= '9') {
      vars[lhs] = std::stoll(stmt.substr(2));
    } else {
      const long long k = std::stoll(stmt.substr(4));
      const long long v = vars[stmt[2]];
      vars[lhs] = stmt[3] == '+' ? v + k : stmt[3] == '-' ? v - k : v * k;
    }
  }
  return -1;
}

TEST(MemorizationTask, FormatEpochsAndEvaluationFromTrainingKeys) {
  MemorizationConfig cfg;
  cfg.numKeys = 50;
  cfg.epochs = 3;
  cfg.numEvalKeys = 20;
  const SyntheticTextTask task = makeMemorizationTask(cfg, 5);
  EXPECT_EQ(task.name, "memorization");
  const std::vector<std::string> ls = lines(task.train);
  ASSERT_EQ(ls.size(), 150u);
  EXPECT_EQ(task.train.size(), 150u * 14);  // "abcdef:123456\n"
  std::map<std::string, std::string> facts;
  std::map<std::string, int> seen;
  for (const std::string& l : ls) {
    ASSERT_EQ(l.size(), 13u) << l;
    ASSERT_EQ(l[6], ':');
    for (int i = 0; i < 6; ++i) ASSERT_TRUE(l[i] >= 'a' && l[i] <= 'z') << l;
    for (int i = 7; i < 13; ++i) ASSERT_TRUE(l[i] >= '0' && l[i] <= '9') << l;
    const std::string key = l.substr(0, 6), value = l.substr(7);
    if (facts.count(key)) EXPECT_EQ(facts[key], value);  // a key always maps to one value
    facts[key] = value;
    ++seen[key];
  }
  EXPECT_EQ(facts.size(), 50u);
  for (const auto& [key, count] : seen) EXPECT_EQ(count, 3) << key;
  // Each epoch is its own order.
  EXPECT_NE(std::vector<std::string>(ls.begin(), ls.begin() + 50), std::vector<std::string>(ls.begin() + 50, ls.begin() + 100));

  ASSERT_EQ(task.evaluation.size(), 20u);
  for (const SyntheticExample& e : task.evaluation) {
    ASSERT_EQ(e.prompt.size(), 7u);
    EXPECT_EQ(e.prompt.back(), ':');
    EXPECT_EQ(facts.at(e.prompt.substr(0, 6)), e.answer);
  }
}

TEST(MemorizationTask, DeterministicBySeedAndChecksArguments) {
  MemorizationConfig cfg;
  cfg.numKeys = 30;
  cfg.numEvalKeys = 10;
  const SyntheticTextTask a = makeMemorizationTask(cfg, 1), b = makeMemorizationTask(cfg, 1), c = makeMemorizationTask(cfg, 2);
  EXPECT_EQ(a.train, b.train);
  EXPECT_EQ(a.evaluation[3].prompt, b.evaluation[3].prompt);
  EXPECT_NE(a.train, c.train);
  cfg.numEvalKeys = 31;
  EXPECT_THROW(makeMemorizationTask(cfg, 1), std::invalid_argument);
  cfg = MemorizationConfig{};
  cfg.keyLength = 1;
  cfg.numKeys = 14;  // more than half of the 26 one-letter keys
  cfg.numEvalKeys = 1;
  EXPECT_THROW(makeMemorizationTask(cfg, 1), std::invalid_argument);
  cfg.numKeys = 13;
  EXPECT_NO_THROW(makeMemorizationTask(cfg, 1));
}

TEST(ReasoningTask, FormatAndAnswersAreCorrect) {
  ReasoningConfig cfg;
  cfg.steps = 3;
  cfg.modulus = 7;
  cfg.numTrain = 200;
  cfg.numEval = 50;
  const SyntheticTextTask task = makeReasoningTask(cfg, 9);
  EXPECT_EQ(task.name, "reasoning");
  const std::vector<std::string> ls = lines(task.train);
  ASSERT_EQ(ls.size(), 200u);
  for (const std::string& l : ls) {
    const std::size_t eq = l.rfind('=');
    ASSERT_NE(eq, std::string::npos);
    EXPECT_EQ(l.substr(0, 2), "a=");
    EXPECT_NE(l.find(";d%7="), std::string::npos) << l;
    EXPECT_EQ(std::stoi(l.substr(eq + 1)), evaluate(l.substr(0, eq + 1), 7)) << l;
  }
  ASSERT_EQ(task.evaluation.size(), 50u);
  for (const SyntheticExample& e : task.evaluation) {
    EXPECT_EQ(e.answer.size(), 1u);
    EXPECT_EQ(std::stoi(e.answer), evaluate(e.prompt, 7)) << e.prompt;
  }
}

TEST(ReasoningTask, AnswersAreZeroPaddedToOneWidth) {
  ReasoningConfig cfg;
  cfg.modulus = 97;
  cfg.numTrain = 50;
  cfg.numEval = 50;
  for (const SyntheticExample& e : makeReasoningTask(cfg, 3).evaluation) {
    EXPECT_EQ(e.answer.size(), 2u) << e.answer;
    EXPECT_EQ(std::stoi(e.answer), evaluate(e.prompt, 97)) << e.prompt;
  }
}

TEST(ReasoningTask, DeterministicBySeedAndTrainEvalDisjoint) {
  ReasoningConfig cfg;
  cfg.steps = 2;  // 10 * 27^2 = 7290 problems: overlap would be likely without the check
  cfg.numTrain = 3000;
  cfg.numEval = 500;
  const SyntheticTextTask a = makeReasoningTask(cfg, 4), b = makeReasoningTask(cfg, 4), c = makeReasoningTask(cfg, 5);
  EXPECT_EQ(a.train, b.train);
  ASSERT_EQ(a.evaluation.size(), b.evaluation.size());
  for (std::size_t i = 0; i < a.evaluation.size(); ++i) EXPECT_EQ(a.evaluation[i].prompt, b.evaluation[i].prompt);
  EXPECT_NE(a.train, c.train);

  std::set<std::string> trainPrompts;
  for (const std::string& l : lines(a.train)) trainPrompts.insert(l.substr(0, l.rfind('=') + 1));
  std::set<std::string> evalPrompts;
  for (const SyntheticExample& e : a.evaluation) {
    EXPECT_EQ(trainPrompts.count(e.prompt), 0u) << e.prompt;
    EXPECT_TRUE(evalPrompts.insert(e.prompt).second) << "duplicate " << e.prompt;
  }
}

TEST(ReasoningTask, ImpossibleSizesAndBadArgumentsThrow) {
  ReasoningConfig cfg;
  cfg.steps = 1;  // only 270 distinct problems, all drawn by 20000 training draws
  EXPECT_THROW(makeReasoningTask(cfg, 1), std::runtime_error);
  cfg.steps = 0;
  EXPECT_THROW(makeReasoningTask(cfg, 1), std::invalid_argument);
  cfg.steps = 3;
  cfg.modulus = 1;
  EXPECT_THROW(makeReasoningTask(cfg, 1), std::invalid_argument);
}

TEST(ExactMatchAccuracy, ComparesTheFirstAnswerBytes) {
  const std::vector<SyntheticExample> examples = {{"k1:", "123"}, {"k2:", "456"}, {"k3:", "789"}, {"k4:", "000"}};
  // A fake model: right on k1 (and keeps going), right on k2, wrong on k3, too short on k4.
  const std::map<std::string, std::string> replies = {{"k1:", "123\nmore"}, {"k2:", "456"}, {"k3:", "780"}, {"k4:", "00"}};
  std::vector<int64_t> asked;
  const double acc = exactMatchAccuracy(examples, [&](const std::string& prompt, int64_t maxNewBytes) {
    asked.push_back(maxNewBytes);
    return replies.at(prompt);
  });
  EXPECT_DOUBLE_EQ(acc, 0.5);
  EXPECT_EQ(asked, std::vector<int64_t>(4, 3));
  EXPECT_THROW(exactMatchAccuracy({}, [](const std::string&, int64_t) { return std::string(); }), std::invalid_argument);
}

}  // namespace
}  // namespace gaplab
