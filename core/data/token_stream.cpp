// core/data/token_stream.cpp — the per-record split draw, concatenation and the
// byte histogram (see the header for the contracts).
#include "core/data/token_stream.h"

#include <array>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "core/rng.h"

namespace gaplab {

CorpusSplit splitByRecord(const TextCorpus& corpus, double validationFraction, uint64_t seed) {
  const auto n = static_cast<int64_t>(corpus.records.size());
  auto describe = [&] {
    std::ostringstream s;
    s << "splitByRecord of corpus '" << corpus.name << "' (" << n << " records) with validation fraction "
      << validationFraction << " and seed " << seed;
    return s.str();
  };
  if (!(validationFraction > 0.0 && validationFraction < 1.0))
    throw std::invalid_argument(describe() + ": expected 0 < validation fraction < 1");

  CorpusSplit split;
  split.train.name = corpus.name + "/train";
  split.validation.name = corpus.name + "/validation";
  for (int64_t i = 0; i < n; ++i) {
    RngStream rng(seed, RngPurpose::kShuffle, kSplitStreamBase + static_cast<uint64_t>(i));
    const double u = static_cast<double>(rng.nextU64() >> 11) * 0x1.0p-53;
    TextCorpus& side = u < validationFraction ? split.validation : split.train;
    side.records.push_back(corpus.records[static_cast<std::size_t>(i)]);
  }
  if (split.train.records.empty() || split.validation.records.empty())
    throw std::invalid_argument(describe() + ": gives " + std::to_string(split.train.records.size()) +
                                " training and " + std::to_string(split.validation.records.size()) +
                                " validation records; expected at least one on each side (use more records or "
                                "another fraction)");
  return split;
}

std::vector<uint8_t> concatenateRecords(const TextCorpus& corpus) {
  std::vector<uint8_t> tokens;
  if (corpus.records.empty()) return tokens;
  tokens.reserve(static_cast<std::size_t>(corpus.bytes()) + corpus.records.size() - 1);
  for (std::size_t i = 0; i < corpus.records.size(); ++i) {
    if (i > 0) tokens.push_back(kRecordSeparator);
    const std::string& r = corpus.records[i];
    tokens.insert(tokens.end(), r.begin(), r.end());
  }
  return tokens;
}

double unigramEntropyBits(const std::vector<uint8_t>& tokens) {
  if (tokens.empty())
    throw std::invalid_argument("unigramEntropyBits: the token array is empty; expected at least one token");
  std::array<int64_t, 256> counts{};
  for (uint8_t t : tokens) ++counts[t];
  const double total = static_cast<double>(tokens.size());
  double bits = 0.0;
  for (int64_t c : counts) {
    if (c == 0) continue;
    const double p = static_cast<double>(c) / total;
    bits -= p * std::log2(p);
  }
  return bits;
}

}  // namespace gaplab
