// workloads/record_perplexity.cpp — see record_perplexity.h.
#include "workloads/record_perplexity.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/autograd/tape.h"
#include "core/data/token_stream.h"

namespace gaplab {

std::vector<float> recordBitsPerByte(GptModel& model, const std::vector<std::string>& records, int64_t batchSize,
                                     Communicator& comm, uint64_t seed) {
  if (batchSize < 1) throw std::invalid_argument("recordBitsPerByte: batch size " + std::to_string(batchSize));
  const int64_t context = model.spec().context, vocab = model.spec().vocab;
  // This rank's windows: (record, first predicted byte, predictions), by length.
  struct Window {
    std::size_t record;
    int64_t start;   // index into the record of the window's first target byte
    int64_t length;  // targets (= inputs) in the window
  };
  std::vector<Window> windows;
  for (std::size_t i = static_cast<std::size_t>(comm.rank()); i < records.size();
       i += static_cast<std::size_t>(comm.size())) {
    const auto bytes = static_cast<int64_t>(records[i].size());
    for (int64_t start = 0; start < bytes; start += context)
      windows.push_back({i, start, std::min(context, bytes - start)});
  }
  std::stable_sort(windows.begin(), windows.end(),
                   [](const Window& a, const Window& b) { return a.length > b.length; });
  std::vector<double> nats(records.size(), 0.0);
  auto byteAt = [&](std::size_t record, int64_t k) {  // byte k of separator + record
    return static_cast<int32_t>(k == 0 ? kRecordSeparator : static_cast<uint8_t>(records[record][k - 1]));
  };
  std::vector<int32_t> inputs;
  for (std::size_t first = 0; first < windows.size();) {
    const int64_t length = windows[first].length;
    std::size_t last = first;
    while (last < windows.size() && windows[last].length == length &&
           static_cast<int64_t>(last - first) < batchSize)
      ++last;
    const auto rows = static_cast<int64_t>(last - first);
    inputs.assign(static_cast<std::size_t>(rows * length), 0);
    for (int64_t r = 0; r < rows; ++r) {
      const Window& w = windows[first + static_cast<std::size_t>(r)];
      for (int64_t t = 0; t < length; ++t) inputs[static_cast<std::size_t>(r * length + t)] = byteAt(w.record, w.start + t);
    }
    Tape tape(TapeMode::kInference);
    GptModel::Output out = model.forward(tape, inputs, rows, length, ForwardContext{NormMode::kEval, seed, 0});
    const float* logits = out.logits.value().data();
    for (int64_t r = 0; r < rows; ++r) {
      const Window& w = windows[first + static_cast<std::size_t>(r)];
      double sum = 0.0;
      for (int64_t t = 0; t < length; ++t) {
        const float* row = logits + (r * length + t) * vocab;
        const float peak = *std::max_element(row, row + vocab);
        double z = 0.0;
        for (int64_t v = 0; v < vocab; ++v) z += std::exp(static_cast<double>(row[v] - peak));
        const int32_t target = byteAt(w.record, w.start + t + 1);
        sum += std::log(z) - static_cast<double>(row[target] - peak);
      }
      nats[w.record] += sum;
    }
    first = last;
  }
  std::vector<float> bitsPerByte(records.size(), 0.0f);
  for (std::size_t i = static_cast<std::size_t>(comm.rank()); i < records.size();
       i += static_cast<std::size_t>(comm.size()))
    if (!records[i].empty())
      bitsPerByte[i] = static_cast<float>(nats[i] / std::log(2.0) / static_cast<double>(records[i].size()));
  if (comm.size() > 1) comm.allReduceSum(bitsPerByte.data(), static_cast<int64_t>(bitsPerByte.size()));
  return bitsPerByte;
}

}  // namespace gaplab
