// core/rng.h — counter-based random streams (Philox4x32-10).
//
// Why: reproducibility across rank layouts needs random numbers that depend only
// on (seed, purpose, stream, counter), never on how many numbers some other part
// of the program drew before. Philox (Salmon et al. 2011, as in cuRAND and JAX)
// gives that: each stream is an independent key, each draw a counter.
#pragma once

#include <array>
#include <cstdint>

namespace gaplab {

// What a stream is used for; each purpose gets its own key space.
enum class RngPurpose : uint32_t {
  kInit = 1,        // parameter initialisation
  kShuffle = 2,     // data order per epoch
  kDropout = 3,     // dropout masks per step
  kEvalSubset = 4,  // which training examples form the eval-train subset
  kSynthetic = 5,   // synthetic data
  kSampler = 6,     // sweep samplers
};

class RngStream {
 public:
  // `stream` separates sub-streams of one purpose (epoch, rank, step, layer...).
  RngStream(uint64_t seed, RngPurpose purpose, uint64_t stream = 0);

  uint32_t nextU32();
  uint64_t nextU64();
  float uniform();                       // [0, 1)
  float uniform(float lo, float hi);     // [lo, hi)
  float normal();                        // standard normal (Box-Muller)
  uint64_t below(uint64_t bound);        // uniform integer in [0, bound), unbiased

 private:
  void refill();
  std::array<uint32_t, 2> key_;
  uint64_t counter_ = 0;
  uint64_t streamHigh_ = 0;
  std::array<uint32_t, 4> block_{};
  int used_ = 4;
  bool hasSpareNormal_ = false;
  float spareNormal_ = 0.0f;
};

// One Philox4x32-10 block; exposed for tests against the published answers.
std::array<uint32_t, 4> philox4x32(std::array<uint32_t, 4> counter, std::array<uint32_t, 2> key);

}  // namespace gaplab
