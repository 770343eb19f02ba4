// distributed/allreduce_bench.cpp — see allreduce_bench.h.
#include "distributed/allreduce_bench.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <vector>

#include "core/rng.h"

namespace gaplab {
namespace {

using Clock = std::chrono::steady_clock;

// Median over iterations of the slowest rank's time of `action`.
template <class F>
double medianSeconds(Communicator& comm, int warmup, int iterations, F&& action) {
  for (int i = 0; i < warmup; ++i) action();
  std::vector<double> times;
  for (int i = 0; i < iterations; ++i) {
    comm.barrier();
    const Clock::time_point t0 = Clock::now();
    action();
    times.push_back(comm.allReduceMax(std::chrono::duration<double>(Clock::now() - t0).count()));
  }
  std::nth_element(times.begin(), times.begin() + static_cast<std::ptrdiff_t>(times.size() / 2), times.end());
  return times[times.size() / 2];
}

}  // namespace

std::string byteSizeName(int64_t bytes) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (unit < 4 && bytes >= 1024 && bytes % 1024 == 0) {
    bytes /= 1024;
    ++unit;
  }
  return std::to_string(bytes) + kUnits[unit];
}

double busBandwidthGBs(int64_t bytes, int ranks, double seconds) {
  const double algbw = static_cast<double>(bytes) / seconds / 1e9;
  return algbw * 2.0 * (ranks - 1) / ranks;
}

void runAllReduceBenchmark(Communicator& comm, const AllReduceBenchOptions& options,
                           const std::function<void(const AllReduceBenchLine&)>& report) {
  if (comm.size() < 2)
    throw std::invalid_argument("the all-reduce benchmark needs at least 2 ranks (got " +
                                std::to_string(comm.size()) + ")");
  if (options.minBytes < static_cast<int64_t>(sizeof(float)) || options.maxBytes < options.minBytes)
    throw std::invalid_argument("all-reduce benchmark sizes: need 4 <= min bytes (" +
                                std::to_string(options.minBytes) + ") <= max bytes (" +
                                std::to_string(options.maxBytes) + ")");
  if (options.iterations < 1 || options.warmup < 0 || options.parameterBytes < static_cast<int64_t>(sizeof(float)))
    throw std::invalid_argument("all-reduce benchmark: iterations >= 1, warmup >= 0 and parameter bytes >= 4 required");
  const int64_t paramFloats = options.parameterBytes / static_cast<int64_t>(sizeof(float));
  for (int64_t bytes = options.minBytes; bytes <= options.maxBytes; bytes *= 4) {
    const int64_t count = bytes / static_cast<int64_t>(sizeof(float));
    const std::string size = byteSizeName(bytes);

    // (a) one all-reduce of the whole buffer.
    std::vector<float> plain(static_cast<std::size_t>(count), 1.0f);
    const double plainSeconds = medianSeconds(comm, options.warmup, options.iterations,
                                              [&] { comm.allReduceSum(plain.data(), count); });

    // (b) the reducer over an arena of the same bytes, in layer-sized parameters.
    ParameterArena arena;
    for (int64_t done = 0, i = 0; done < count; ++i) {
      const int64_t n = std::min(paramFloats, count - done);
      std::string name = "p";  // (not "p" + to_string: GCC 12 warns falsely, -Wrestrict)
      name += std::to_string(i);
      arena.addParameter(name, {n}, Init::ones());
      done += n;
    }
    RngStream rng(0, RngPurpose::kInit);
    arena.allocate(rng);
    std::fill(arena.grads(), arena.grads() + arena.size(), 1.0f);
    const int params = static_cast<int>(arena.params().size());
    auto timeReducer = [&](BucketReduction reduction) {
      GradientReducer reducer(arena, comm, options.bucketBytes, reduction);
      return medianSeconds(comm, options.warmup, options.iterations, [&] {
        for (int p = params - 1; p >= 0; --p) reducer.onParameterGradientReady(p);
        reducer.finish();
      });
    };
    // The sum is what a plain all-reduce does; the average (as in training) adds one pass over the buffer.
    const double bucketedSeconds = timeReducer(BucketReduction::kSum);
    const double averagedSeconds = timeReducer(BucketReduction::kAverage);

    report({"allreduce_plain_" + size, busBandwidthGBs(bytes, comm.size(), plainSeconds), "GB/s"});
    report({"allreduce_bucketed_" + size, busBandwidthGBs(bytes, comm.size(), bucketedSeconds), "GB/s"});
    report({"allreduce_ratio_" + size, plainSeconds / bucketedSeconds, "x"});
    report({"allreduce_bucketed_avg_" + size, busBandwidthGBs(bytes, comm.size(), averagedSeconds), "GB/s"});
    if (bytes > options.maxBytes / 4) break;  // no overflow past maxBytes
  }
}

}  // namespace gaplab
