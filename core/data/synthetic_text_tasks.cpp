// core/data/synthetic_text_tasks.cpp — key/value and modular-arithmetic
// generators, the train/evaluation disjointness check and the exact-match
// scorer (see the header for the formats and streams).
#include "core/data/synthetic_text_tasks.h"

#include <stdexcept>
#include <unordered_set>

#include "core/rng.h"

namespace gaplab {
namespace {

constexpr int kMaxFieldLength = 64;
constexpr int kMaxReasoningSteps = 25;  // variables a..z
constexpr int kMaxModulus = 1000;

// 26^length, saturating at a value far above any key count.
int64_t keySpace(int length) {
  int64_t space = 1;
  for (int i = 0; i < length && space < (int64_t{1} << 50); ++i) space *= 26;
  return space;
}

std::string randomString(RngStream& rng, int length, char first, int alphabet) {
  std::string s(static_cast<std::size_t>(length), first);
  for (char& c : s) c = static_cast<char>(first + static_cast<int>(rng.below(static_cast<uint64_t>(alphabet))));
  return s;
}

void append(std::vector<uint8_t>& out, const std::string& s) { out.insert(out.end(), s.begin(), s.end()); }

int decimalWidth(int value) {
  int width = 1;
  while (value >= 10) {
    value /= 10;
    ++width;
  }
  return width;
}

// One reasoning problem drawn from `rng`.
SyntheticExample drawProblem(RngStream& rng, int steps, int modulus) {
  static constexpr char kOps[3] = {'+', '-', '*'};
  const int start = static_cast<int>(rng.below(10));
  std::string prompt = "a=" + std::to_string(start);
  int value = start % modulus;
  for (int s = 0; s < steps; ++s) {
    const char op = kOps[rng.below(3)];
    const int k = 1 + static_cast<int>(rng.below(9));
    const char prev = static_cast<char>('a' + s), next = static_cast<char>('a' + s + 1);
    prompt += ';';
    prompt += next;
    prompt += '=';
    prompt += prev;
    prompt += op;
    prompt += std::to_string(k);
    if (op == '+') value = (value + k) % modulus;
    else if (op == '-') value = ((value - k) % modulus + modulus) % modulus;
    else value = (value * k) % modulus;
  }
  prompt += ';';
  prompt += static_cast<char>('a' + steps);
  prompt += '%' + std::to_string(modulus) + '=';
  std::string answer = std::to_string(value);
  answer.insert(0, static_cast<std::size_t>(decimalWidth(modulus - 1)) - answer.size(), '0');
  return {std::move(prompt), std::move(answer)};
}

}  // namespace

SyntheticTextTask makeMemorizationTask(const MemorizationConfig& config, uint64_t seed) {
  const std::string who = "makeMemorizationTask (numKeys " + std::to_string(config.numKeys) + ", keyLength " +
                          std::to_string(config.keyLength) + ", valueLength " + std::to_string(config.valueLength) +
                          ", epochs " + std::to_string(config.epochs) + ", numEvalKeys " +
                          std::to_string(config.numEvalKeys) + ")";
  if (config.numKeys < 1) throw std::invalid_argument(who + ": expected numKeys >= 1");
  if (config.keyLength < 1 || config.keyLength > kMaxFieldLength)
    throw std::invalid_argument(who + ": expected 1 <= keyLength <= " + std::to_string(kMaxFieldLength));
  if (config.valueLength < 1 || config.valueLength > kMaxFieldLength)
    throw std::invalid_argument(who + ": expected 1 <= valueLength <= " + std::to_string(kMaxFieldLength));
  if (config.epochs < 1) throw std::invalid_argument(who + ": expected epochs >= 1");
  if (config.numEvalKeys < 1 || config.numEvalKeys > config.numKeys)
    throw std::invalid_argument(who + ": expected 1 <= numEvalKeys <= numKeys");
  if (config.numKeys > keySpace(config.keyLength) / 2)
    throw std::invalid_argument(who + ": expected numKeys at most half of the " +
                                std::to_string(keySpace(config.keyLength)) + " possible keys (use longer keys)");

  RngStream rng(seed, RngPurpose::kSynthetic, kMemorizationStream);
  std::vector<std::string> lines;
  std::vector<SyntheticExample> pairs;
  std::unordered_set<std::string> seen;
  while (static_cast<int64_t>(pairs.size()) < config.numKeys) {
    std::string key = randomString(rng, config.keyLength, 'a', 26);
    std::string value = randomString(rng, config.valueLength, '0', 10);
    if (!seen.insert(key).second) continue;  // keys are distinct; the redraw keeps the stream deterministic
    lines.push_back(key + ':' + value + '\n');
    pairs.push_back({key + ':', std::move(value)});
  }

  SyntheticTextTask task;
  task.name = "memorization";
  task.train.reserve(lines.size() * lines[0].size() * static_cast<std::size_t>(config.epochs));
  std::vector<std::size_t> order(lines.size());
  for (int64_t e = 0; e < config.epochs; ++e) {
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    RngStream shuffle(seed, RngPurpose::kSynthetic, kMemorizationStream + 1 + static_cast<uint64_t>(e));
    for (std::size_t i = order.size() - 1; i > 0; --i)
      std::swap(order[i], order[static_cast<std::size_t>(shuffle.below(static_cast<uint64_t>(i) + 1))]);
    for (std::size_t i : order) append(task.train, lines[i]);
  }
  task.evaluation.assign(pairs.begin(), pairs.begin() + config.numEvalKeys);
  return task;
}

SyntheticTextTask makeReasoningTask(const ReasoningConfig& config, uint64_t seed) {
  const std::string who = "makeReasoningTask (steps " + std::to_string(config.steps) + ", modulus " +
                          std::to_string(config.modulus) + ", numTrain " + std::to_string(config.numTrain) +
                          ", numEval " + std::to_string(config.numEval) + ")";
  if (config.steps < 1 || config.steps > kMaxReasoningSteps)
    throw std::invalid_argument(who + ": expected 1 <= steps <= " + std::to_string(kMaxReasoningSteps));
  if (config.modulus < 2 || config.modulus > kMaxModulus)
    throw std::invalid_argument(who + ": expected 2 <= modulus <= " + std::to_string(kMaxModulus));
  if (config.numTrain < 1) throw std::invalid_argument(who + ": expected numTrain >= 1");
  if (config.numEval < 1) throw std::invalid_argument(who + ": expected numEval >= 1");

  SyntheticTextTask task;
  task.name = "reasoning";
  std::unordered_set<std::string> trainPrompts;
  RngStream trainRng(seed, RngPurpose::kSynthetic, kReasoningStream);
  for (int64_t i = 0; i < config.numTrain; ++i) {
    const SyntheticExample p = drawProblem(trainRng, config.steps, config.modulus);
    append(task.train, p.prompt + p.answer + '\n');
    trainPrompts.insert(p.prompt);
  }

  // The answer is a function of the prompt, so distinct prompts mean distinct problems.
  RngStream evalRng(seed, RngPurpose::kSynthetic, kReasoningStream + 1);
  std::unordered_set<std::string> evalPrompts;
  const int64_t maxDraws = 1000 + 100 * config.numEval;
  for (int64_t draws = 0; static_cast<int64_t>(task.evaluation.size()) < config.numEval; ++draws) {
    if (draws == maxDraws)
      throw std::runtime_error(who + ": found only " + std::to_string(task.evaluation.size()) +
                               " distinct evaluation problems outside the training set in " +
                               std::to_string(maxDraws) + " draws; expected " + std::to_string(config.numEval) +
                               " (use more steps or fewer training/evaluation problems)");
    SyntheticExample p = drawProblem(evalRng, config.steps, config.modulus);
    if (trainPrompts.count(p.prompt) != 0 || !evalPrompts.insert(p.prompt).second) continue;
    task.evaluation.push_back(std::move(p));
  }
  return task;
}

double exactMatchAccuracy(const std::vector<SyntheticExample>& examples,
                          const std::function<std::string(const std::string& prompt, int64_t maxNewBytes)>& greedyGenerate) {
  if (examples.empty())
    throw std::invalid_argument("exactMatchAccuracy: no examples; expected at least one (prompt, answer) pair");
  int64_t correct = 0;
  for (const SyntheticExample& e : examples) {
    const std::string generated = greedyGenerate(e.prompt, static_cast<int64_t>(e.answer.size()));
    if (generated.size() >= e.answer.size() && generated.compare(0, e.answer.size(), e.answer) == 0) ++correct;
  }
  return static_cast<double>(correct) / static_cast<double>(examples.size());
}

}  // namespace gaplab
