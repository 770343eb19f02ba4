// workloads/trial_result_codec.h — an exact text encoding of trial results.
//
// Why: a sweep's worker ranks send finished trials to the coordinator over MPI,
// and checkpoints store the curve so far. Both need every double back bit for
// bit (doubles travel as C99 hexadecimal floats, %a) and strings of any content
// (length-prefixed). One encoding serves both, so they cannot drift apart.
#pragma once

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "workloads/trial_result.h"

namespace gaplab {

// Appends space-separated fields: integers in decimal, doubles as %a, strings as <length>:<bytes>.
class TextEncoder {
 public:
  TextEncoder& put(int64_t v);
  TextEncoder& put(double v);
  TextEncoder& put(const std::string& v);
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

// Reads what TextEncoder wrote, in the same order. Throws std::runtime_error
// naming `what` (e.g. "checkpoint run.h5.ckpt") when the text ends early or a
// field is malformed.
class TextDecoder {
 public:
  TextDecoder(std::string text, std::string what) : text_(std::move(text)), what_(std::move(what)) {}
  int64_t getInt();
  double getDouble();
  std::string getString();
  bool atEnd();

 private:
  std::string token();
  [[noreturn]] void fail(const std::string& problem) const;
  std::string text_;
  std::string what_;
  std::size_t pos_ = 0;
};

void encodeCurve(TextEncoder& out, const std::vector<EvalRecord>& curve);
std::vector<EvalRecord> decodeCurve(TextDecoder& in);

std::string encodeTrialResult(const TrialResult& result);
TrialResult decodeTrialResult(const std::string& text, const std::string& what);

}  // namespace gaplab
