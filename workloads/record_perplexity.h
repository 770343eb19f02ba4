// workloads/record_perplexity.h — bits per byte of every record of a corpus
// under a GPT, each record scored on its own.
//
// Why: the "highest-quality subset" strategy of continual pre-training (Guo et
// al. 2024; data.subset_select: lowest_perplexity) keeps the new-domain records
// the pre-trained model finds most likely. Scoring happens once, at set-up,
// before any training; ranks split the records and sum the scores, so every
// rank holds the same scores and hence keeps the same records.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "distributed/communicator.h"
#include "workloads/gpt_model.h"

namespace gaplab {

// Record i is read as the bytes kRecordSeparator + record (the separator that
// precedes a record in the training text) and every byte of the record is
// predicted: bits = -sum log2 p(byte | the bytes before it in the record), in
// windows of at most model.spec().context predictions (a record longer than
// the context restarts its context every `context` bytes, as the evaluation
// windows do). Returns bits / record bytes per record (an empty record: 0).
// Windows of equal length are batched together, `batchSize` at most, so no
// padding enters the model. Record i is scored on rank i % comm.size(); one sum
// over ranks then gives every rank all scores (exactly: the other ranks add 0).
// Inference only; the model's weights are not changed.
std::vector<float> recordBitsPerByte(GptModel& model, const std::vector<std::string>& records, int64_t batchSize,
                                     Communicator& comm, uint64_t seed = 0);

}  // namespace gaplab
