// core/data/record_subset.cpp — see record_subset.h.
#include "core/data/record_subset.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "core/rng.h"

namespace gaplab {

std::vector<std::size_t> keepRecordsInOrder(const std::vector<std::string>& records,
                                            const std::vector<std::size_t>& order, double fraction) {
  if (!(fraction > 0.0 && fraction <= 1.0))
    throw std::invalid_argument("record subset: fraction " + std::to_string(fraction) + "; expected 0 < fraction <= 1");
  if (records.empty()) throw std::invalid_argument("record subset: the corpus has no records");
  if (order.size() != records.size())
    throw std::invalid_argument("record subset: an order of " + std::to_string(order.size()) + " indices for " +
                                std::to_string(records.size()) + " records");
  int64_t total = 0;
  for (const std::string& r : records) total += static_cast<int64_t>(r.size());
  const auto target = static_cast<int64_t>(std::ceil(fraction * static_cast<double>(total)));
  std::vector<char> seen(records.size(), 0);
  std::vector<std::size_t> kept;
  int64_t bytes = 0;
  for (std::size_t i : order) {
    if (i >= records.size() || seen[i])
      throw std::invalid_argument("record subset: the order is not a permutation of the " +
                                  std::to_string(records.size()) + " record indices");
    seen[i] = 1;
    if (!kept.empty() && bytes >= target) continue;  // keep checking the permutation
    kept.push_back(i);
    bytes += static_cast<int64_t>(records[i].size());
  }
  std::sort(kept.begin(), kept.end());
  return kept;
}

std::vector<std::size_t> randomRecordSubset(const std::vector<std::string>& records, double fraction, uint64_t seed) {
  std::vector<std::size_t> order(records.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  RngStream rng(seed, RngPurpose::kShuffle, kSubsetStreamBase);
  for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
  return keepRecordsInOrder(records, order, fraction);
}

std::vector<std::size_t> lowestScoreRecordSubset(const std::vector<std::string>& records,
                                                 std::span<const float> scores, double fraction) {
  if (scores.size() != records.size())
    throw std::invalid_argument("record subset: " + std::to_string(scores.size()) + " scores for " +
                                std::to_string(records.size()) + " records");
  for (std::size_t i = 0; i < scores.size(); ++i)
    if (!std::isfinite(scores[i]))
      throw std::invalid_argument("record subset: the score of record " + std::to_string(i) + " is not finite");
  std::vector<std::size_t> order(records.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] < scores[b]; });
  return keepRecordsInOrder(records, order, fraction);
}

TextCorpus keepRecords(const TextCorpus& corpus, const std::vector<std::size_t>& kept) {
  TextCorpus out;
  out.name = corpus.name;
  out.records.reserve(kept.size());
  for (std::size_t i : kept) out.records.push_back(corpus.records.at(i));
  return out;
}

}  // namespace gaplab
