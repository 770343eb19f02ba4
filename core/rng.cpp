// core/rng.cpp — Philox4x32-10 and the stream built on it.
#include "core/rng.h"

#include <cmath>

namespace gaplab {
namespace {

constexpr uint32_t kPhiloxM0 = 0xD2511F53u, kPhiloxM1 = 0xCD9E8D57u;
constexpr uint32_t kPhiloxW0 = 0x9E3779B9u, kPhiloxW1 = 0xBB67AE85u;

uint64_t splitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

}  // namespace

std::array<uint32_t, 4> philox4x32(std::array<uint32_t, 4> c, std::array<uint32_t, 2> k) {
  for (int round = 0; round < 10; ++round) {
    const uint64_t p0 = static_cast<uint64_t>(kPhiloxM0) * c[0];
    const uint64_t p1 = static_cast<uint64_t>(kPhiloxM1) * c[2];
    c = {static_cast<uint32_t>(p1 >> 32) ^ c[1] ^ k[0], static_cast<uint32_t>(p1),
         static_cast<uint32_t>(p0 >> 32) ^ c[3] ^ k[1], static_cast<uint32_t>(p0)};
    k[0] += kPhiloxW0;
    k[1] += kPhiloxW1;
  }
  return c;
}

RngStream::RngStream(uint64_t seed, RngPurpose purpose, uint64_t stream) {
  const uint64_t key = splitMix64(splitMix64(seed) ^ splitMix64(static_cast<uint64_t>(purpose) << 56 ^ stream));
  key_ = {static_cast<uint32_t>(key), static_cast<uint32_t>(key >> 32)};
  streamHigh_ = stream;  // the counter's high half carries the stream id
}

void RngStream::refill() {
  block_ = philox4x32({static_cast<uint32_t>(counter_), static_cast<uint32_t>(counter_ >> 32),
                       static_cast<uint32_t>(streamHigh_), static_cast<uint32_t>(streamHigh_ >> 32)},
                      key_);
  ++counter_;
  used_ = 0;
}

uint32_t RngStream::nextU32() {
  if (used_ == 4) refill();
  return block_[static_cast<std::size_t>(used_++)];
}

uint64_t RngStream::nextU64() { return (static_cast<uint64_t>(nextU32()) << 32) | nextU32(); }

float RngStream::uniform() { return static_cast<float>(nextU32() >> 8) * (1.0f / 16777216.0f); }

float RngStream::uniform(float lo, float hi) { return lo + (hi - lo) * uniform(); }

float RngStream::normal() {
  if (hasSpareNormal_) {
    hasSpareNormal_ = false;
    return spareNormal_;
  }
  const double u1 = (static_cast<double>(nextU32()) + 1.0) / 4294967297.0;  // (0, 1]
  const double u2 = static_cast<double>(nextU32()) / 4294967296.0;
  const double r = std::sqrt(-2.0 * std::log(u1));
  spareNormal_ = static_cast<float>(r * std::sin(2.0 * M_PI * u2));
  hasSpareNormal_ = true;
  return static_cast<float>(r * std::cos(2.0 * M_PI * u2));
}

uint64_t RngStream::below(uint64_t bound) {
  if (bound <= 1) return 0;
  const uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
  uint64_t x;
  do x = nextU64();
  while (x >= limit);
  return x % bound;
}

}  // namespace gaplab
