// core/data/token_stream.h — from a text corpus to byte tokens: the record-level
// train/validation split, concatenation into one token array, unigram entropy.
//
// Why: a byte-level language model reads one long array of byte tokens (vocab
// 256). The validation split must be by record, stable under the seed, so that
// no fortune is half in training and half in validation and a rerun holds out
// the same records. The unigram entropy (bits per byte) is the loss of the best
// model that ignores context: a workload prints it next to its target so that
// the target can be read as "how much better than counting bytes".
#pragma once

#include <cstdint>
#include <vector>

#include "core/data/text_corpus.h"

namespace gaplab {

// The byte written between two consecutive records by concatenateRecords.
inline constexpr uint8_t kRecordSeparator = '\n';

// The RngPurpose::kShuffle sub-streams used by splitByRecord start here, far
// above any step or epoch number, so the split never shares a stream with the
// batch order drawn from the same seed.
inline constexpr uint64_t kSplitStreamBase = uint64_t{1} << 62;

struct CorpusSplit {
  TextCorpus train;       // name "<corpus>/train"
  TextCorpus validation;  // name "<corpus>/validation"
};

// Record i goes to validation when u_i < validationFraction, where u_i in [0, 1)
// is the first 53-bit draw of RngStream(seed, RngPurpose::kShuffle,
// kSplitStreamBase + i). So a record's side depends only on (seed, i): the same
// seed gives the same split, and appending records never moves earlier ones.
// Both sides keep the corpus order. The validation share is validationFraction
// in expectation, not exactly.
// Throws std::invalid_argument unless 0 < validationFraction < 1, and when
// either side would be empty (naming the corpus, its record count, the fraction
// and the seed).
CorpusSplit splitByRecord(const TextCorpus& corpus, double validationFraction, uint64_t seed);

// The bytes of all records in order, with one kRecordSeparator ('\n') between
// consecutive records (none before the first or after the last); records may
// themselves contain '\n'. Size: corpus.bytes() + records - 1 (0 when empty).
std::vector<uint8_t> concatenateRecords(const TextCorpus& corpus);

// Shannon entropy of the byte histogram of `tokens`, in bits per byte:
// -sum_b p_b log2 p_b. 8 for a uniform stream over all 256 values, 0 for a
// constant one. Throws std::invalid_argument for an empty array.
double unigramEntropyBits(const std::vector<uint8_t>& tokens);

}  // namespace gaplab
