// core/data/lm_batch_loader.cpp — argument checks, the per-step draw of sources
// and window starts, and the evaluation windows (see the header for the order,
// sharding and budget contract).
#include "core/data/lm_batch_loader.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace gaplab {
namespace {

void copyWindow(const std::vector<uint8_t>& tokens, int64_t start, int64_t context, int64_t row, LmBatch& out) {
  const uint8_t* src = tokens.data() + start;
  int32_t* in = out.inputs.data() + row * context;
  int32_t* tg = out.targets.data() + row * context;
  for (int64_t t = 0; t < context; ++t) {
    in[t] = src[t];
    tg[t] = src[t + 1];
  }
}

LmBatch emptyBatch(int64_t rows, int64_t context) {
  LmBatch b;
  b.batch = rows;
  b.context = context;
  b.inputs.resize(static_cast<std::size_t>(rows * context));
  b.targets.resize(static_cast<std::size_t>(rows * context));
  return b;
}

}  // namespace

LmBatchLoader::LmBatchLoader(std::vector<LmSource> sources, int64_t batchSize, int64_t context, uint64_t seed,
                             ShardSpec shard, int64_t tokenBudget)
    : sources_(std::move(sources)),
      batchSize_(batchSize),
      context_(context),
      seed_(seed),
      shard_(shard),
      tokenBudget_(tokenBudget) {
  const std::string who = "LmBatchLoader (batch " + std::to_string(batchSize_) + ", context " +
                          std::to_string(context_) + ")";
  if (sources_.empty()) throw std::invalid_argument(who + ": no sources; expected at least one token source");
  if (batchSize_ < 1)
    throw std::invalid_argument(who + ": batch size " + std::to_string(batchSize_) + "; expected >= 1");
  if (context_ < 1) throw std::invalid_argument(who + ": context " + std::to_string(context_) + "; expected >= 1");
  if (shard_.worldSize < 1 || shard_.rank < 0 || shard_.rank >= shard_.worldSize)
    throw std::invalid_argument(who + ": shard rank " + std::to_string(shard_.rank) + " of world size " +
                                std::to_string(shard_.worldSize) +
                                "; expected worldSize >= 1 and 0 <= rank < worldSize");

  double totalWeight = 0.0;
  for (std::size_t i = 0; i < sources_.size(); ++i) {
    const LmSource& s = sources_[i];
    const std::string src = who + ": source '" + s.name + "'";
    if (!s.tokens) throw std::invalid_argument(src + " has no token array (null pointer)");
    const auto n = static_cast<int64_t>(s.tokens->size());
    if (n < context_ + 1)
      throw std::invalid_argument(src + " holds " + std::to_string(n) + " tokens; expected at least context + 1 = " +
                                  std::to_string(context_ + 1));
    if (!(std::isfinite(s.weight) && s.weight > 0.0)) {
      std::ostringstream w;
      w << s.weight;
      throw std::invalid_argument(src + " has weight " + w.str() + "; expected a finite weight > 0");
    }
    for (std::size_t j = 0; j < i; ++j)
      if (sources_[j].name == s.name)
        throw std::invalid_argument(src + " appears twice; expected unique source names");
    totalWeight += s.weight;
  }
  double running = 0.0;
  for (const LmSource& s : sources_) {
    running += s.weight;
    cumulative_.push_back(running / totalWeight);
  }
  cumulative_.back() = 1.0;
  rowsFrom_.assign(sources_.size(), 0);

  const int64_t perStep = tokensPerStep();
  if (tokenBudget_ < 0)
    throw std::invalid_argument(who + ": token budget " + std::to_string(tokenBudget_) +
                                "; expected 0 (unlimited) or a positive multiple of " + std::to_string(perStep));
  if (tokenBudget_ > 0) {
    if (tokenBudget_ % perStep != 0) {
      const int64_t below = tokenBudget_ / perStep * perStep;
      const int64_t above = below + perStep;
      std::string nearest = below > 0 ? std::to_string(below) + " or " + std::to_string(above) : std::to_string(above);
      throw std::invalid_argument(who + ": token budget D = " + std::to_string(tokenBudget_) +
                                  " is not a multiple of the tokens per step B * worldSize * T = " +
                                  std::to_string(batchSize_) + " * " + std::to_string(shard_.worldSize) + " * " +
                                  std::to_string(context_) + " = " + std::to_string(perStep) +
                                  ", so it cannot be consumed exactly; nearest valid budgets: " + nearest);
    }
    maxSteps_ = tokenBudget_ / perStep;
  }
}

std::vector<int> LmBatchLoader::drawSources(RngStream& rng) const {
  const int64_t g = globalBatchSize();
  std::vector<int> which(static_cast<std::size_t>(g), 0);
  if (sources_.size() == 1) {
    for (int64_t j = 0; j < g; ++j) rng.nextU64();  // keep the stream layout of a mixture
    return which;
  }
  for (int64_t j = 0; j < g; ++j) {
    const double u = static_cast<double>(rng.nextU64() >> 11) * 0x1.0p-53;
    const auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), u);
    which[static_cast<std::size_t>(j)] =
        static_cast<int>(std::min<std::ptrdiff_t>(it - cumulative_.begin(), static_cast<std::ptrdiff_t>(sources_.size()) - 1));
  }
  return which;
}

LmBatch LmBatchLoader::batchAt(int64_t step) const {
  if (step < 0 || step >= maxSteps_)
    throw std::out_of_range("LmBatchLoader::batchAt: step " + std::to_string(step) + "; expected 0 <= step < " +
                            std::to_string(maxSteps_) + " (token budget " + std::to_string(tokenBudget_) + ")");
  std::vector<int> which;
  return build(step, which);
}

LmBatch LmBatchLoader::build(int64_t step, std::vector<int>& which) const {
  RngStream rng(seed_, RngPurpose::kShuffle, static_cast<uint64_t>(step));
  which = drawSources(rng);
  LmBatch out = emptyBatch(batchSize_, context_);
  const int64_t first = shard_.rank * batchSize_, last = first + batchSize_;
  for (int64_t j = 0; j < last; ++j) {
    const LmSource& src = sources_[static_cast<std::size_t>(which[static_cast<std::size_t>(j)])];
    const auto n = static_cast<int64_t>(src.tokens->size());
    const auto start = static_cast<int64_t>(rng.below(static_cast<uint64_t>(n - context_)));
    if (j >= first) copyWindow(*src.tokens, start, context_, j - first, out);
  }
  return out;
}

LmBatch LmBatchLoader::next() {
  if (step_ >= maxSteps_)
    throw std::out_of_range("LmBatchLoader::next: the token budget of " + std::to_string(tokenBudget_) +
                            " tokens is spent after " + std::to_string(maxSteps_) + " steps of " +
                            std::to_string(tokensPerStep()) + " tokens; expected no batch beyond maxSteps()");
  std::vector<int> which;
  LmBatch out = build(step_, which);
  for (int s : which) ++rowsFrom_[static_cast<std::size_t>(s)];
  ++step_;
  return out;
}

void LmBatchLoader::seek(int64_t step) {
  if (step < 0 || step > maxSteps_)
    throw std::out_of_range("LmBatchLoader::seek: step " + std::to_string(step) + "; expected 0 <= step <= " +
                            std::to_string(maxSteps_) + " (maxSteps for token budget " +
                            std::to_string(tokenBudget_) + ")");
  std::fill(rowsFrom_.begin(), rowsFrom_.end(), 0);
  if (sources_.size() == 1) {
    rowsFrom_[0] = step * globalBatchSize();
  } else {
    for (int64_t k = 0; k < step; ++k) {
      RngStream rng(seed_, RngPurpose::kShuffle, static_cast<uint64_t>(k));
      for (int s : drawSources(rng)) ++rowsFrom_[static_cast<std::size_t>(s)];
    }
  }
  step_ = step;
}

int64_t LmBatchLoader::tokensConsumedFrom(const std::string& name) const {
  std::string known;
  for (std::size_t i = 0; i < sources_.size(); ++i) {
    if (sources_[i].name == name) return rowsFrom_[i] * context_;
    known += (i > 0 ? ", '" : "'") + sources_[i].name + "'";
  }
  throw std::invalid_argument("LmBatchLoader::tokensConsumedFrom: no source named '" + name + "'; expected one of " +
                              known);
}

void forEachEvalWindow(const std::vector<uint8_t>& tokens, int64_t batch, int64_t context,
                       const std::function<void(const LmBatch&)>& fn, int64_t maxWindows) {
  const auto n = static_cast<int64_t>(tokens.size());
  const std::string who = "forEachEvalWindow over " + std::to_string(n) + " tokens (batch " + std::to_string(batch) +
                          ", context " + std::to_string(context) + ", maxWindows " + std::to_string(maxWindows) + ")";
  if (batch < 1) throw std::invalid_argument(who + ": expected batch >= 1");
  if (context < 1) throw std::invalid_argument(who + ": expected context >= 1");
  if (maxWindows < 0) throw std::invalid_argument(who + ": expected maxWindows >= 0 (0: all windows)");
  if (n < context + 1)
    throw std::invalid_argument(who + ": expected at least context + 1 = " + std::to_string(context + 1) + " tokens");
  int64_t windows = (n - 1) / context;
  if (maxWindows > 0) windows = std::min(windows, maxWindows);
  for (int64_t first = 0; first < windows; first += batch) {
    const int64_t rows = std::min(batch, windows - first);
    LmBatch b = emptyBatch(rows, context);
    for (int64_t r = 0; r < rows; ++r) copyWindow(tokens, (first + r) * context, context, r, b);
    fn(b);
  }
}

}  // namespace gaplab
