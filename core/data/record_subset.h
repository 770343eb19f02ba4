// core/data/record_subset.h — which training records of a corpus to keep when
// only a subset of it is trained (data.subset_fraction, data.subset_select).
//
// Why: two continual pre-training strategies of Guo et al. (2024) train on part
// of the new-domain corpus for several epochs: a random subset, and the
// highest-quality subset (the records the pre-trained model finds most likely,
// i.e. lowest perplexity). Both keep records up to the same share of bytes, so
// the strategies see the same amount of distinct text; the selection is a pure
// function of its inputs, so every rank and every rerun keeps the same records.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/data/text_corpus.h"

namespace gaplab {

enum class SubsetSelect {
  kRandom,            // records in a seeded random order
  kLowestPerplexity,  // records in order of increasing score (bits per byte under a model)
};

// The RngPurpose::kShuffle sub-stream of the random subset's order: far from
// the step and epoch streams and from the record streams of splitByRecord.
inline constexpr uint64_t kSubsetStreamBase = (uint64_t{1} << 62) + (uint64_t{1} << 61);

// The rule both selections share: walk the records in `order` and keep them
// until the kept bytes reach ceil(fraction * total bytes) (the last record kept
// may overshoot; at least one record is kept). Returns the kept indices in
// ascending order (corpus order). Throws std::invalid_argument unless
// 0 < fraction <= 1, for an empty corpus, or for an order that is not a
// permutation of the record indices.
std::vector<std::size_t> keepRecordsInOrder(const std::vector<std::string>& records,
                                            const std::vector<std::size_t>& order, double fraction);

// Random subset: the order is a Fisher-Yates shuffle drawn from
// RngStream(seed, RngPurpose::kShuffle, kSubsetStreamBase). Same seed, same subset.
std::vector<std::size_t> randomRecordSubset(const std::vector<std::string>& records, double fraction, uint64_t seed);

// Lowest-score subset: the order is by increasing scores[i] (ties by index).
// Throws std::invalid_argument when scores.size() != records.size() or a score
// is not finite.
std::vector<std::size_t> lowestScoreRecordSubset(const std::vector<std::string>& records,
                                                 std::span<const float> scores, double fraction);

// The corpus holding only the records at `kept` (in that order), same name.
TextCorpus keepRecords(const TextCorpus& corpus, const std::vector<std::size_t>& kept);

}  // namespace gaplab
