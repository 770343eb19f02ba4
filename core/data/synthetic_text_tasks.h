// core/data/synthetic_text_tasks.h — two byte-level tasks generated from a seed
// for the Mixture-of-Experts generalization study: memorization and reasoning.
//
// Why: the MoE study asks whether more experts (more parameters at the same
// compute) help memorizing facts more than they help multi-step reasoning. Two
// tasks that isolate these skills, written as plain bytes for the byte-level
// language model, each with a training token stream and an exact-match
// evaluation set, make that measurable without any downloaded data.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace gaplab {

// One evaluation question: the model is given `prompt` and must continue it
// with exactly `answer`.
struct SyntheticExample {
  std::string prompt;
  std::string answer;
};

struct SyntheticTextTask {
  std::string name;                         // "memorization" or "reasoning"
  std::vector<uint8_t> train;               // training token stream (bytes)
  std::vector<SyntheticExample> evaluation; // exact-match evaluation set
};

// (a) Memorization: numKeys distinct random keys of keyLength lowercase letters,
// each mapped to a random value of valueLength decimal digits (values may
// repeat). Training text: every "key:value\n" line once per epoch, each epoch
// in its own random order, `epochs` epochs concatenated. Evaluation: prompt
// "key:" -> answer "value" for the first numEvalKeys keys in draw order (a
// random sample). The evaluation keys are training keys on purpose: the task is
// memorization, so "held out" means only that evaluation asks for the value
// without showing it.
struct MemorizationConfig {
  int64_t numKeys = 512;
  int keyLength = 6;
  int valueLength = 6;
  int64_t epochs = 8;
  int64_t numEvalKeys = 256;
};

// Streams: keys and values from RngStream(seed, kSynthetic, kMemorizationStream),
// epoch e's order from RngStream(seed, kSynthetic, kMemorizationStream + 1 + e).
// Throws std::invalid_argument for numKeys < 1, keyLength or valueLength < 1
// (or > 64), epochs < 1, numEvalKeys outside [1, numKeys], or numKeys above half
// the number of possible keys (26^keyLength / 2).
SyntheticTextTask makeMemorizationTask(const MemorizationConfig& config, uint64_t seed);

// (b) Reasoning: multi-step modular arithmetic. A problem with `steps` steps
// uses variables a, b, c, ...: "a=<d>" with d in 0..9, then `steps`
// assignments "<next>=<prev><op><k>" with op in {+, -, *} and k in 1..9, then
// the question "<last>%<modulus>=". Example (steps 2, modulus 7):
//   prompt "a=3;b=a+4;c=b*2;c%7="  answer "0"      ((3 + 4) * 2 = 14, 14 mod 7 = 0)
// The answer is the last value mod `modulus` in [0, modulus), in decimal,
// zero-padded to the width of modulus - 1 so all answers have one length (no
// answer is a prefix of another). Training text: numTrain lines
// "<prompt><answer>\n" (a problem may repeat). Evaluation: numEval distinct
// problems none of which occurs in training (exact string comparison).
struct ReasoningConfig {
  int steps = 3;
  int modulus = 7;
  int64_t numTrain = 20000;
  int64_t numEval = 500;
};

// Streams: training problems from RngStream(seed, kSynthetic, kReasoningStream),
// evaluation draws from RngStream(seed, kSynthetic, kReasoningStream + 1).
// Throws std::invalid_argument for steps outside [1, 25], modulus outside
// [2, 1000], numTrain or numEval < 1; std::runtime_error when numEval distinct
// problems outside the training set cannot be found (too few steps for the
// requested sizes), naming the sizes.
SyntheticTextTask makeReasoningTask(const ReasoningConfig& config, uint64_t seed);

// Sub-stream bases of RngPurpose::kSynthetic, apart from makeSyntheticClassification's
// streams (0 and 1 + example index) for any realistic example count.
inline constexpr uint64_t kMemorizationStream = uint64_t{1} << 60;
inline constexpr uint64_t kReasoningStream = uint64_t{1} << 61;

// The fraction of `examples` whose answer the model reproduces exactly:
// greedyGenerate(prompt, answer.size()) must return at least answer.size()
// bytes whose first answer.size() bytes equal the answer (later bytes are
// ignored). Throws std::invalid_argument for an empty example set.
double exactMatchAccuracy(const std::vector<SyntheticExample>& examples,
                          const std::function<std::string(const std::string& prompt, int64_t maxNewBytes)>& greedyGenerate);

}  // namespace gaplab
